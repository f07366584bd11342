-- Syndication reach: how many stories were carried by one outlet, by two, by three and more,
-- and how many documents those stories make up.
SELECT
    outlets,
    count(*) AS stories,
    sum(copies) AS documents
FROM report_stories($from, $to, $publisher, $entity)
GROUP BY outlets
ORDER BY outlets;
