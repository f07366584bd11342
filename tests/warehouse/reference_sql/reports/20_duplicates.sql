-- Duplicates: how much of the corpus is copies, and the size of the clusters they form.
SELECT
    count(*) AS documents,
    count(DISTINCT cluster_id) AS stories,
    count(*) FILTER (WHERE NOT is_canonical) AS duplicates,
    count(DISTINCT cluster_id) FILTER (WHERE cluster_size > 1) AS clusters_with_copies,
    coalesce(max(cluster_size), 0) AS largest_cluster
FROM report_documents($from, $to, $publisher, $entity);
