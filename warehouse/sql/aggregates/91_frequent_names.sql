-- frequent_names: the entities of the names (filter_names) the report's entity filter matches in
-- many documents, more than $frequent_share of them (aggregates.FREQUENT_ENTITY_SHARE); at most the
-- 64 most frequent names, each with a bit (name_bit) of a BIGINT. Their counts are made ahead per
-- publisher and month (name_mentions, name_comentions), and the entities of other names in their
-- documents are found by that bit (infrequent_document_entities). Other names' counts are made
-- from their documents' rows (other_name_mentions), as their documents are few, and their pairs of
-- countries are counted from those documents when a report asks (report_pair_documents).
WITH ranked AS (
    SELECT
        *,
        dense_rank() OVER (ORDER BY documents DESC, filter_entity_number) - 1 AS name_bit
    FROM filter_names
    WHERE documents > $frequent_share * (SELECT count(*) FROM document_facts)
)
SELECT entity_number, filter_entity_number, documents, CAST(name_bit AS INTEGER) AS name_bit
FROM ranked
WHERE name_bit < 64
ORDER BY entity_number
