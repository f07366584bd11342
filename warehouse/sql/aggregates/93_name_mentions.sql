-- name_mentions: per frequent name (frequent_names), publisher and month, and per
-- entity of a frequent name, how many documents naming the first name the other one and how many
-- times in all. Entities of other names are counted document by document when a report asks
-- (infrequent_document_entities): few documents name each of them. Names that are not frequent
-- have their counts in other_name_mentions.
-- Counted by pairing each document's frequent names with its frequent-name entities and grouping
-- the pairs: the work grows with the documents, whatever the number of publishers, and DuckDB
-- spills the grouping past its memory limit. (Bitstrings per publisher and month, one block of
-- documents each, cost a block per entity even where a publisher ran a few documents that month:
-- with many outlets they filled more memory than the pairs they replaced.)
WITH named_entities AS (
    SELECT de.doc_number, de.entity_number, de.mentions, f.filter_entity_number
    FROM document_entities AS de
    JOIN frequent_names AS f USING (entity_number)
),
document_names AS (
    -- A document that names two entities of one name (the country and the city) counts once.
    SELECT DISTINCT doc_number, filter_entity_number FROM named_entities
),
document_periods AS (
    SELECT doc_number, CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period
    FROM document_facts
),
counts AS (
    SELECT
        n.filter_entity_number,
        d.period,
        e.entity_number,
        count(*) AS documents,
        sum(e.mentions) AS mentions
    FROM document_names AS n
    JOIN named_entities AS e USING (doc_number)
    JOIN document_periods AS d USING (doc_number)
    GROUP BY ALL
),
periods AS (
    -- The same numbers as document_periods: both rank the (month, publisher) pairs.
    SELECT CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period, publisher, month
    FROM (SELECT DISTINCT month, publisher FROM publisher_days)
)
SELECT c.filter_entity_number, p.publisher, p.month, c.entity_number, c.documents, c.mentions
FROM counts AS c
JOIN periods AS p USING (period)
-- period numbers are in (month, publisher) order: sorting integers, not names.
ORDER BY c.filter_entity_number, c.period, c.entity_number
