-- entities: one row per named entity (kind and canonical name), numbered, with the folded name
-- the report filter compares (an entity filter matches any kind). Numbers are carried from the
-- previous snapshot (previous_entities; none for a full build) and new entities numbered after
-- them in (kind, entity) order, so that the months a run carries keep meaning the same entities.
WITH added AS (
    SELECT DISTINCT kind, entity FROM mentions
    EXCEPT
    SELECT kind, entity FROM previous_entities
),
numbered AS (
    SELECT entity_number, kind, entity FROM previous_entities
    UNION ALL
    SELECT
        CAST(
            (SELECT coalesce(max(entity_number), 0) FROM previous_entities)
            + row_number() OVER (ORDER BY kind, entity) AS INTEGER
        ),
        kind,
        entity
    FROM added
)
SELECT entity_number, kind, entity, lower(entity) AS entity_key
FROM numbered
ORDER BY entity_number
