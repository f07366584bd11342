-- entities: one row per named entity (kind and canonical name), numbered, with the folded name
-- the report filter compares (an entity filter matches any kind).
SELECT
    CAST(row_number() OVER (ORDER BY kind, entity) AS INTEGER) AS entity_number,
    kind,
    entity,
    lower(entity) AS entity_key
FROM (SELECT DISTINCT kind, entity FROM mentions)
ORDER BY entity_number
