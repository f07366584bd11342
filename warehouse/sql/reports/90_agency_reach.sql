-- Agencies' reach over time: for each wire agency and month, how many of its stories were first
-- seen, in how many copies, how many outlets carried them and how many outlets a story reached
-- on average.

-- Without filters from the stories and their outlets as publish counted them; with filters, the
-- same from the stories a report looks at (report_stories).
WITH chosen AS (
    SELECT cluster_number
    FROM report_stories($from, $to, $publisher, $entity)
    WHERE NOT report_unfiltered($from, $to, $publisher, $entity)
),
outlets AS (
    SELECT agency, month, count(DISTINCT publisher) AS outlets
    FROM story_outlets
    WHERE agency IS NOT NULL
      AND (
          report_unfiltered($from, $to, $publisher, $entity)
          OR cluster_number IN (SELECT cluster_number FROM chosen)
      )
    GROUP BY agency, month
),
reach AS (
    SELECT
        agency,
        month,
        count(*) AS stories,
        CAST(sum(copies) AS BIGINT) AS copies,
        round(avg(outlets), 2) AS mean_outlets
    FROM stories
    WHERE agency IS NOT NULL
      AND (
          report_unfiltered($from, $to, $publisher, $entity)
          OR cluster_number IN (SELECT cluster_number FROM chosen)
      )
    GROUP BY agency, month
)
SELECT r.agency, r.month, r.stories, r.copies, o.outlets, r.mean_outlets
FROM reach AS r
JOIN outlets AS o USING (agency, month)
ORDER BY sum(r.stories) OVER (PARTITION BY r.agency) DESC, r.agency, r.month;
