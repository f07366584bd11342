-- Who copies whom: for each ordered pair of outlets, how many stories the follower ran on a
-- later day than the leader had run them, and the median lag in days. Copies of the same day are
-- no pair either way; undated copies and the `unknown` publisher are in none.
WITH chosen AS (
    SELECT * FROM ref_story_outlets
    WHERE publisher <> 'unknown'
      AND cluster_id IN (SELECT cluster_id FROM report_stories($from, $to, $publisher, $entity))
)
SELECT
    a.publisher AS leader,
    b.publisher AS follower,
    count(*) AS stories,
    CAST(median(b.first_seen - a.first_seen) AS DOUBLE) AS median_lag_days
FROM chosen AS a
JOIN chosen AS b ON a.cluster_id = b.cluster_id AND b.first_seen > a.first_seen
GROUP BY ALL
ORDER BY stories DESC, leader, follower;
