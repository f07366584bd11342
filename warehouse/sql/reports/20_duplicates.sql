-- Duplicates: how much of the corpus is copies, and the size of the clusters they form.
WITH filtered AS (
    SELECT
        count(*) AS documents,
        count(DISTINCT cluster_number) AS stories,
        count(*) FILTER (WHERE NOT is_canonical) AS duplicates,
        count(DISTINCT cluster_number) FILTER (WHERE cluster_size > 1) AS clusters_with_copies,
        coalesce(max(cluster_size), 0) AS largest_cluster
    FROM report_documents($from, $to, $publisher, $entity)
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
