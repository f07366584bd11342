-- stg_stories: one row per story (cluster of copies) with how many outlets carried it, counted
-- from the documents themselves, so it always agrees with them.
-- Grouped by (story, publisher) first: counting distinct publishers per story directly is
-- several times slower at a million documents.
CREATE OR REPLACE VIEW stg_stories AS
WITH by_outlet AS (
    SELECT
        cluster_id,
        publisher,
        count(*) AS copies,
        min(published_date) AS first_date,
        max(published_date) AS last_date,
        max(title) FILTER (WHERE is_canonical) AS title
    FROM stg_documents
    GROUP BY cluster_id, publisher
)
SELECT
    cluster_id,
    max(title) AS title,
    sum(copies) AS copies,
    count(*) AS outlets,
    min(first_date) AS first_date,
    max(last_date) AS last_date
FROM by_outlet
GROUP BY cluster_id;
