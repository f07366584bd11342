-- name_mentions: per frequent name (frequent_names), publisher and month, and per
-- entity of a frequent name, how many documents naming the first name the other one and how many
-- times in all. Entities of other names are counted document by document when a report asks
-- (infrequent_document_entities): few documents name each of them. Names that are not frequent
-- have their counts in other_name_mentions.
-- Counted with bitstrings rather than by pairing rows: at a million documents each names about 11
-- frequent names and 14 entities, 150M (name, entity, document) rows to group (18 s and 1.2 GB in
-- DuckDB). Instead the documents of each publisher and month are numbered in a row and cut into
-- blocks of 2048; per block, every frequent name and every entity gets a bitstring with a bit per
-- document naming it, and the documents naming both are the bit_count of the two ANDed. Mentions
-- are summed by bit planes: plane j is the bitstring of the documents whose mention count has
-- bit j set, worth 2^j mentions each (plane -1: every document naming it).
WITH positions AS NOT MATERIALIZED (
    SELECT
        doc_number,
        CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period,
        row_number() OVER (ORDER BY month, publisher, doc_number) - 1 AS position
    FROM document_facts
),
named AS NOT MATERIALIZED (
    SELECT de.doc_number, de.entity_number, de.mentions, f.filter_entity_number
    FROM document_entities AS de
    JOIN frequent_names AS f USING (entity_number)
),
name_bits AS (
    -- bitstring_agg needs its range as constants: 2048 bits, one block.
    SELECT
        p.period,
        p.position // 2048 AS block,
        n.filter_entity_number,
        bitstring_agg(CAST(p.position % 2048 AS INTEGER), 0, 2047) AS documents
    FROM named AS n
    JOIN positions AS p USING (doc_number)
    GROUP BY ALL
),
entity_planes AS (
    SELECT n.doc_number, n.entity_number, plane
    FROM named AS n,
        UNNEST(list_filter(range(-1, 31), lambda j: j = -1 OR (n.mentions >> j) & 1 = 1))
            AS planes(plane)
),
entity_bits AS (
    SELECT
        p.period,
        p.position // 2048 AS block,
        e.entity_number,
        e.plane,
        bitstring_agg(CAST(p.position % 2048 AS INTEGER), 0, 2047) AS documents
    FROM entity_planes AS e
    JOIN positions AS p USING (doc_number)
    GROUP BY ALL
),
counts AS MATERIALIZED (
    SELECT
        n.period,
        n.filter_entity_number,
        e.entity_number,
        sum(bit_count(n.documents & e.documents)) FILTER (WHERE e.plane = -1) AS documents,
        sum(bit_count(n.documents & e.documents) * (CAST(1 AS BIGINT) << greatest(e.plane, 0)))
            FILTER (WHERE e.plane >= 0) AS mentions
    FROM name_bits AS n
    JOIN entity_bits AS e USING (period, block)
    GROUP BY n.period, n.filter_entity_number, e.entity_number
),
periods AS (
    -- The same numbers as positions.period: both rank the (month, publisher) pairs.
    SELECT CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period, publisher, month
    FROM (SELECT DISTINCT month, publisher FROM publisher_days)
)
SELECT c.filter_entity_number, p.publisher, p.month, c.entity_number, c.documents, c.mentions
FROM counts AS c
JOIN periods AS p USING (period)
WHERE c.documents > 0
-- period numbers are in (month, publisher) order: sorting integers, not names.
ORDER BY c.filter_entity_number, c.period, c.entity_number
