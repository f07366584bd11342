-- name_comentions: per frequent name (frequent_names), publisher and month, how
-- many documents naming it named each pair of countries, each pair once (country_number <
-- other_country_number, as in daily_comentions). Other names' pairs are counted from their
-- documents when a report asks (report_pair_documents): counted ahead they would be 19M rows at a
-- million documents.
-- Pairs of countries of frequent names are counted with bitstrings, as name_mentions counts (see
-- there): the documents naming the name and both countries are the bit_count of their three
-- bitstrings ANDed. Pairs with a country of another name (few documents) are counted document by
-- document.
WITH positions AS NOT MATERIALIZED (
    SELECT
        doc_number,
        CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period,
        row_number() OVER (ORDER BY month, publisher, doc_number) - 1 AS position
    FROM document_facts
),
named AS NOT MATERIALIZED (
    SELECT de.doc_number, de.entity_number, f.filter_entity_number
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
country_bits AS (
    SELECT
        p.period,
        p.position // 2048 AS block,
        n.entity_number,
        bitstring_agg(CAST(p.position % 2048 AS INTEGER), 0, 2047) AS documents
    FROM named AS n
    JOIN positions AS p USING (doc_number)
    SEMI JOIN entities AS e ON e.entity_number = n.entity_number AND e.kind = 'country'
    GROUP BY ALL
),
frequent_pairs AS (
    SELECT
        n.period,
        n.filter_entity_number,
        a.entity_number AS country_number,
        b.entity_number AS other_country_number,
        sum(bit_count(n.documents & a.documents & b.documents)) AS documents
    FROM name_bits AS n
    JOIN country_bits AS a USING (period, block)
    JOIN country_bits AS b
        ON b.period = n.period AND b.block = n.block AND a.entity_number < b.entity_number
    GROUP BY ALL
),
countries AS (
    SELECT de.doc_number, de.entity_number, f.entity_number IS NOT NULL AS is_frequent
    FROM document_entities AS de
    SEMI JOIN entities AS e ON e.entity_number = de.entity_number AND e.kind = 'country'
    LEFT JOIN frequent_names AS f ON f.entity_number = de.entity_number
),
other_pairs AS (
    -- Each pair with a country of an infrequent name: from that country's side, once (a pair of
    -- two such countries is seen from both sides: kept from the one whose number is lower).
    SELECT
        a.doc_number,
        least(a.entity_number, b.entity_number) AS country_number,
        greatest(a.entity_number, b.entity_number) AS other_country_number
    FROM countries AS a
    JOIN countries AS b
        ON a.doc_number = b.doc_number
        AND a.entity_number <> b.entity_number
        AND (b.is_frequent OR a.entity_number < b.entity_number)
    WHERE NOT a.is_frequent
),
other_counts AS (
    SELECT
        p.period,
        n.filter_entity_number,
        o.country_number,
        o.other_country_number,
        count(*) AS documents
    FROM other_pairs AS o
    JOIN (
        SELECT DISTINCT doc_number, filter_entity_number
        FROM named
        WHERE doc_number IN (SELECT doc_number FROM other_pairs)
    ) AS n USING (doc_number)
    JOIN positions AS p USING (doc_number)
    GROUP BY ALL
),
periods AS (
    -- The same numbers as positions.period: both rank the (month, publisher) pairs.
    SELECT CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period, publisher, month
    FROM (SELECT DISTINCT month, publisher FROM publisher_days)
)
SELECT
    c.filter_entity_number,
    p.publisher,
    p.month,
    c.country_number,
    c.other_country_number,
    c.documents
FROM (
    SELECT * FROM frequent_pairs WHERE documents > 0
    UNION ALL
    SELECT * FROM other_counts
) AS c
JOIN periods AS p USING (period)
-- period numbers are in (month, publisher) order: sorting integers, not names.
ORDER BY c.filter_entity_number, c.period, c.country_number, c.other_country_number
