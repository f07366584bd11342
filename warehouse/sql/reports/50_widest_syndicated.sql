-- Widest-syndicated stories: which stories the most outlets carried, with their copies and the
-- dates of the first and last copy.
SELECT
    coalesce(title, '(no headline)') AS title,
    outlets,
    copies,
    first_date,
    last_date,
    publishers
FROM report_stories($from, $to, $publisher, $entity)
ORDER BY outlets DESC, copies DESC, first_date NULLS LAST, cluster_id
LIMIT 20;
