-- report_filter_name: the number a name goes by (filter_names.filter_entity_number) when
-- entity_name, the report's entity filter, is one named in some document (any case); NULL for any
-- other name and without an entity filter. With such a name reports read its monthly counts.
CREATE OR REPLACE MACRO report_filter_name(entity_name) AS (
    SELECT any_value(f.filter_entity_number)
    FROM filter_names AS f
    JOIN entities AS e USING (entity_number)
    WHERE e.entity_key = lower(entity_name)
);
