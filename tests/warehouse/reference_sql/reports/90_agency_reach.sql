-- Agencies' reach over time: for each wire agency and month, how many of its stories were first
-- seen, in how many copies, how many outlets carried them and how many outlets a story reached
-- on average.
WITH chosen AS (
    SELECT * FROM ref_story_outlets
    WHERE agency IS NOT NULL
      AND cluster_id IN (SELECT cluster_id FROM report_stories($from, $to, $publisher, $entity))
),
month_of AS (
    SELECT cluster_id, coalesce(strftime(min(first_seen), '%Y-%m'), 'undated') AS month
    FROM chosen
    GROUP BY cluster_id
),
per_story AS (
    SELECT c.cluster_id, any_value(c.agency) AS agency, any_value(m.month) AS month,
        sum(c.copies) AS copies, count(*) AS outlets
    FROM chosen AS c JOIN month_of AS m USING (cluster_id)
    GROUP BY c.cluster_id
),
totals AS (
    SELECT agency, month, count(*) AS stories, CAST(sum(copies) AS BIGINT) AS copies,
        round(avg(outlets), 2) AS mean_outlets
    FROM per_story
    GROUP BY agency, month
),
reached AS (
    SELECT p.agency, p.month, count(DISTINCT c.publisher) AS outlets
    FROM per_story AS p JOIN chosen AS c USING (cluster_id)
    GROUP BY p.agency, p.month
)
SELECT t.agency, t.month, t.stories, t.copies, r.outlets, t.mean_outlets
FROM totals AS t JOIN reached AS r USING (agency, month)
ORDER BY sum(t.stories) OVER (PARTITION BY t.agency) DESC, t.agency, t.month;
