-- stg_stories: one row per story (cluster of copies) with how many outlets carried it, from the
-- documents themselves, so it always agrees with them.
CREATE OR REPLACE VIEW stg_stories AS
SELECT
    cluster_id,
    any_value(title ORDER BY is_canonical DESC, title NULLS LAST) AS title,
    count(*) AS copies,
    count(DISTINCT publisher) AS outlets,
    min(published_date) AS first_date,
    max(published_date) AS last_date,
    list_sort(list_distinct(list(publisher))) AS publishers
FROM stg_documents
GROUP BY cluster_id;
