-- report_frequent_entity: the number a frequent name goes by (frequent_entities.filter_entity_number)
-- when entity_name, the report's entity filter, is one (any case); NULL for any other name and
-- without an entity filter. With a frequent name reports read its monthly counts.
CREATE OR REPLACE MACRO report_frequent_entity(entity_name) AS (
    SELECT any_value(f.filter_entity_number)
    FROM frequent_entities AS f
    JOIN entities AS e USING (entity_number)
    WHERE e.entity_key = lower(entity_name)
);
