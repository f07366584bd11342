-- Who copies whom: for each ordered pair of outlets, how many stories the follower ran on a
-- later day than the leader had run them, and the median lag in days. Copies of the same day are
-- no pair either way; undated copies and the `unknown` publisher are in none.

-- Without filters from outlet_pairs (stories per lag, so the median is exact); with filters,
-- from the outlets of the stories a report looks at.
WITH chosen AS (
    SELECT cluster_number, publisher, first_seen
    FROM report_story_outlets($from, $to, $publisher, $entity)
    WHERE NOT report_unfiltered($from, $to, $publisher, $entity)
      AND first_seen IS NOT NULL
      AND publisher <> 'unknown'
),
filtered AS (
    SELECT
        leader.publisher AS leader,
        follower.publisher AS follower,
        count(*) AS stories,
        CAST(median(follower.first_seen - leader.first_seen) AS DOUBLE) AS median_lag_days
    FROM chosen AS leader
    JOIN chosen AS follower
        ON follower.cluster_number = leader.cluster_number
        AND follower.first_seen > leader.first_seen
    GROUP BY ALL
),
lags AS (
    SELECT
        leader,
        follower,
        lag_days,
        stories,
        sum(stories) OVER by_lag - stories AS before,
        sum(stories) OVER (PARTITION BY leader, follower) AS total
    FROM outlet_pairs
    WHERE report_unfiltered($from, $to, $publisher, $entity)
    WINDOW by_lag AS (PARTITION BY leader, follower ORDER BY lag_days)
),
everything AS (
    -- A pair's median lag: the mean of the lags at its middle position(s), 0-based
    -- (total - 1) // 2 and total // 2 of its stories in order of lag.
    SELECT
        leader,
        follower,
        CAST(any_value(total) AS BIGINT) AS stories,
        (
            min(lag_days) FILTER (
                WHERE before <= (total - 1) // 2 AND (total - 1) // 2 < before + stories
            )
            + min(lag_days) FILTER (WHERE before <= total // 2 AND total // 2 < before + stories)
        ) / 2.0 AS median_lag_days
    FROM lags
    GROUP BY leader, follower
)
SELECT leader, follower, stories, median_lag_days FROM filtered
UNION ALL
SELECT leader, follower, stories, median_lag_days FROM everything
ORDER BY stories DESC, leader, follower;
