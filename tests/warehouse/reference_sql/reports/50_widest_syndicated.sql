-- Widest-syndicated stories: which stories the most outlets carried, with their copies and the
-- dates of the first and last copy.
WITH widest AS (
    SELECT *
    FROM report_stories($from, $to, $publisher, $entity)
    ORDER BY outlets DESC, copies DESC, first_date NULLS LAST, cluster_id
    LIMIT 20
)
SELECT
    coalesce(w.title, '(no headline)') AS title,
    w.outlets,
    w.copies,
    w.first_date,
    w.last_date,
    string_agg(DISTINCT d.publisher, ', ' ORDER BY d.publisher) AS publishers
FROM widest AS w
JOIN stg_documents AS d USING (cluster_id)
GROUP BY w.cluster_id, w.title, w.outlets, w.copies, w.first_date, w.last_date
ORDER BY w.outlets DESC, w.copies DESC, w.first_date NULLS LAST, w.cluster_id;
