-- report_frequent_name: the number a frequent name goes by (frequent_names.filter_entity_number)
-- when entity_name, the report's entity filter, is one (any case); NULL for any other name and
-- without an entity filter. A frequent name's pairs of countries are counted ahead
-- (name_comentions); another's are counted from its documents (report_pair_documents).
CREATE OR REPLACE MACRO report_frequent_name(entity_name) AS (
    SELECT any_value(f.filter_entity_number)
    FROM frequent_names AS f
    JOIN entities AS e USING (entity_number)
    WHERE e.entity_key = lower(entity_name)
);
