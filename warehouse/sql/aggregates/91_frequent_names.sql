-- frequent_names: the entities of the names (filter_names) the report's entity filter matches in
-- many documents, more than $frequent_share of them (aggregates.FREQUENT_ENTITY_SHARE); at most the
-- 64 most frequent names, each with a bit (name_bit) of a BIGINT. Their counts are made ahead per
-- publisher and month (name_mentions, name_comentions), and the entities of other names in their
-- documents are found by that bit (infrequent_document_entities). Other names' counts are made
-- from their documents' rows (other_name_mentions), as their documents are few, and their pairs of
-- countries are counted from those documents when a report asks (report_pair_documents).
-- Bits go to the names in order of documents, except that when the names are those of the
-- previous snapshot (previous_frequent_names) they keep its bits: the months a run carries were
-- counted with them. Other names than before make every month be counted again.
WITH ranked AS (
    SELECT
        *,
        dense_rank() OVER (ORDER BY documents DESC, filter_entity_number) - 1 AS name_bit
    FROM filter_names
    WHERE documents > $frequent_share * (SELECT count(*) FROM document_facts)
),
chosen AS (
    SELECT * FROM ranked WHERE name_bit < 64
),
previous_bits AS (
    SELECT DISTINCT filter_entity_number, name_bit FROM previous_frequent_names
),
changed AS (
    SELECT count(*) > 0 AS changed
    FROM (
        (SELECT filter_entity_number FROM chosen EXCEPT SELECT filter_entity_number FROM previous_bits)
        UNION ALL
        (SELECT filter_entity_number FROM previous_bits EXCEPT SELECT filter_entity_number FROM chosen)
    )
)
SELECT
    c.entity_number,
    c.filter_entity_number,
    c.documents,
    CAST(CASE WHEN (SELECT changed FROM changed) THEN c.name_bit ELSE p.name_bit END AS INTEGER)
        AS name_bit
FROM chosen AS c
LEFT JOIN previous_bits AS p USING (filter_entity_number)
ORDER BY c.entity_number
