-- story_stats: one row per story (cluster of copies): its headline, copies, outlets, the dates
-- of its first and last copy, its cluster size and the outlets that carried it, counted over all
-- of its copies. Its number is document_facts.cluster_number (story_numbers).
-- Grouped by (story, publisher) first: counting distinct publishers per story directly is
-- several times slower at a million documents.
WITH by_outlet AS (
    SELECT
        cluster_id,
        publisher,
        count(*) AS copies,
        min(published_date) AS first_date,
        max(published_date) AS last_date,
        max(title) FILTER (WHERE is_canonical) AS title,
        max(cluster_size) AS cluster_size
    FROM documents
    GROUP BY cluster_id, publisher
)
SELECT
    s.cluster_number,
    cluster_id,
    max(title) AS title,
    sum(copies) AS copies,
    count(*) AS outlets,
    min(first_date) AS first_date,
    max(last_date) AS last_date,
    max(cluster_size) AS cluster_size,
    string_agg(publisher, ', ' ORDER BY publisher) AS publishers
FROM by_outlet
JOIN story_numbers AS s USING (cluster_id)
GROUP BY cluster_id, s.cluster_number
-- One file per month the story was first seen in (aggregates.STORY_TABLES), widest first.
ORDER BY coalesce(strftime(min(first_date), '%Y-%m'), 'undated'), outlets DESC, copies DESC, cluster_id
