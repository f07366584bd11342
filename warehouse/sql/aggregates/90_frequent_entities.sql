-- frequent_entities: the entities whose name the report's entity filter matches in many documents,
-- more than $frequent_share of them (aggregates.FREQUENT_ENTITY_SHARE), a document counted once per
-- kind bearing the name; at most the 64 most frequent names (the bits of a BIGINT, name_bit). With
-- such a name a report reads the monthly counts of the frequent_entity_* tables instead of every
-- document that names it. filter_entity_number is the number a filter by the name goes by in
-- those tables: the lowest entity_number bearing it.
WITH named AS (
    SELECT entity_number, sum(documents) AS documents
    FROM daily_mentions
    GROUP BY entity_number
),
by_name AS (
    SELECT
        e.entity_number,
        min(e.entity_number) OVER (PARTITION BY e.entity_key) AS filter_entity_number,
        sum(n.documents) OVER (PARTITION BY e.entity_key) AS documents
    FROM named AS n
    JOIN entities AS e USING (entity_number)
),
ranked AS (
    SELECT
        *,
        dense_rank() OVER (ORDER BY documents DESC, filter_entity_number) - 1 AS name_bit
    FROM by_name
    WHERE documents > $frequent_share * (SELECT count(*) FROM document_facts)
)
SELECT entity_number, filter_entity_number, documents, CAST(name_bit AS INTEGER) AS name_bit
FROM ranked
WHERE name_bit < 64
ORDER BY entity_number
