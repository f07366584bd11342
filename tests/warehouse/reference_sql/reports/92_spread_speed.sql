-- Speed of spread: how fast stories reached other outlets, for all stories and for each wire:
-- how many stories reached 2, 5 and 10 outlets, the median days from first seen until they did,
-- and the median days from a story's first to its last dated copy.
WITH chosen AS (
    SELECT * FROM ref_stories
    WHERE cluster_id IN (SELECT cluster_id FROM report_stories($from, $to, $publisher, $entity))
),
labelled AS (
    SELECT 'all stories' AS agency, 1 AS everything, * EXCLUDE (agency) FROM chosen
    UNION ALL
    SELECT coalesce(agency, '(no wire)'), 0, * EXCLUDE (agency) FROM chosen
)
SELECT
    agency,
    count(*) AS stories,
    count(*) FILTER (WHERE outlets >= 2) AS reached_2_outlets,
    CAST(median(days_to_2_outlets) AS DOUBLE) AS median_days_to_2,
    count(*) FILTER (WHERE outlets >= 5) AS reached_5_outlets,
    CAST(median(days_to_5_outlets) AS DOUBLE) AS median_days_to_5,
    count(*) FILTER (WHERE outlets >= 10) AS reached_10_outlets,
    CAST(median(days_to_10_outlets) AS DOUBLE) AS median_days_to_10,
    CAST(median(spread_days) FILTER (WHERE outlets >= 2) AS DOUBLE) AS median_spread_days
FROM labelled
GROUP BY agency, everything
ORDER BY everything DESC, reached_2_outlets DESC, stories DESC, agency;
