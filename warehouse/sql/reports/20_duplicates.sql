-- Duplicates: how much of the corpus is copies, and the size of the clusters they form.
WITH by_story AS (
    -- One pass over the documents in, by story; the story's size from story_stats.
    SELECT b.*, s.cluster_size
    FROM (
        SELECT
            cluster_number,
            count(*) AS documents,
            count(*) FILTER (WHERE NOT is_canonical) AS duplicates
        FROM report_documents($from, $to, $publisher, $entity)
        GROUP BY cluster_number
    ) AS b
    JOIN story_stats AS s USING (cluster_number)
),
filtered AS (
    SELECT
        CAST(coalesce(sum(documents), 0) AS BIGINT) AS documents,
        count(*) AS stories,
        CAST(coalesce(sum(duplicates), 0) AS BIGINT) AS duplicates,
        count(*) FILTER (WHERE cluster_size > 1) AS clusters_with_copies,
        coalesce(max(cluster_size), 0) AS largest_cluster
    FROM by_story
),
everything AS (
    -- Without filters every story is in: count story_stats' rows, add up publisher_days.
    SELECT
        (SELECT CAST(coalesce(sum(documents), 0) AS BIGINT) FROM publisher_days) AS documents,
        count(*) AS stories,
        (SELECT CAST(coalesce(sum(documents - stories), 0) AS BIGINT) FROM publisher_days)
            AS duplicates,
        count(*) FILTER (WHERE cluster_size > 1) AS clusters_with_copies,
        coalesce(max(cluster_size), 0) AS largest_cluster
    FROM story_stats
)
SELECT * FROM filtered WHERE NOT report_unfiltered($from, $to, $publisher, $entity)
UNION ALL
SELECT * FROM everything WHERE report_unfiltered($from, $to, $publisher, $entity);
