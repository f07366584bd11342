-- name_mentions: per frequent name (frequent_names), publisher and month, and per
-- entity of a frequent name, how many documents naming the first name the other one and how many
-- times in all. Entities of other names are counted document by document when a report asks
-- (infrequent_document_entities): few documents name each of them. Names that are not frequent
-- have their counts in other_name_mentions.
-- The counts are made by warehouse/name_counts.py (name_mention_counts: per name bit, period of
-- name_periods and entity, block by block of documents, each document's entities once for each
-- frequent name it names) and summed here: a join of each document's names with its entities
-- took minutes at a million documents.
WITH names AS (
    SELECT DISTINCT name_bit, filter_entity_number FROM frequent_names
)
SELECT
    n.filter_entity_number,
    p.publisher,
    p.month,
    c.entity_number,
    CAST(sum(c.documents) AS BIGINT) AS documents,
    CAST(sum(c.mentions) AS BIGINT) AS mentions
FROM name_mention_counts AS c
JOIN names AS n USING (name_bit)
JOIN name_periods AS p USING (period)
GROUP BY n.filter_entity_number, c.period, p.publisher, p.month, p.month_number, c.entity_number
-- Month by month (one file each), then by name; period numbers are in (month, publisher) order:
-- sorting integers, not names.
ORDER BY p.month_number, n.filter_entity_number, c.period, c.entity_number
