-- filter_names: every name the report's entity filter can take (any entity named in a document),
-- as the entities bearing it (one row per entity) and the number a filter by the name goes by in
-- the name_* tables, filter_entity_number (the lowest entity_number bearing it), with the
-- documents naming it (once per kind bearing the name). With any such name a report reads the
-- name's monthly counts (name_months, name_mentions or other_name_mentions) instead of every
-- document that names it.
WITH named AS (
    SELECT entity_number, sum(documents) AS documents
    FROM daily_mentions
    GROUP BY entity_number
),
keys AS (
    -- Over every entity, named or not: entities only ever gain numbers, so a name's number stays
    -- while the months naming it are carried.
    SELECT entity_key, min(entity_number) AS filter_entity_number
    FROM entities
    GROUP BY entity_key
)
SELECT
    n.entity_number,
    k.filter_entity_number,
    sum(n.documents) OVER (PARTITION BY e.entity_key) AS documents
FROM named AS n
JOIN entities AS e USING (entity_number)
JOIN keys AS k USING (entity_key)
ORDER BY n.entity_number
