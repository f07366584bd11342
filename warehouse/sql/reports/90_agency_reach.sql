-- Agencies' reach over time: for each wire agency and month, how many of its stories were first
-- seen, in how many copies, how many outlets carried them and how many outlets a story reached
-- on average.
WITH outlets AS (
    SELECT agency, month, count(DISTINCT publisher) AS outlets
    FROM report_story_outlets($from, $to, $publisher, $entity)
    WHERE agency IS NOT NULL
    GROUP BY agency, month
),
reach AS (
    SELECT
        agency,
        month,
        count(*) AS stories,
        CAST(sum(copies) AS BIGINT) AS copies,
        round(avg(outlets), 2) AS mean_outlets
    FROM report_syndicated_stories($from, $to, $publisher, $entity)
    WHERE agency IS NOT NULL
    GROUP BY agency, month
)
SELECT r.agency, r.month, r.stories, r.copies, o.outlets, r.mean_outlets
FROM reach AS r
JOIN outlets AS o USING (agency, month)
ORDER BY sum(r.stories) OVER (PARTITION BY r.agency) DESC, r.agency, r.month;
