-- document_facts: one row per document with what reports filter and group on. Documents are
-- numbered in date order (undated last), month by month: a document's number is its month's key
-- (year * 12 + month - 1; undated 120000, after year 9999) times 2^32 plus its place within the
-- month. So a date range is a narrow range of doc_number (the row groups of document_entities
-- outside it are skipped), and a month's numbers do not move when another month changes: its
-- files are carried (report_partitions). day_number numbers the (day, publisher) pairs in the
-- same way (publisher_days); cluster_number is the story's (story_numbers: numbers carried from
-- the previous snapshot, new stories after them). The story's size is story_stats': here it
-- would change a month's rows whenever an older story gains a copy.
WITH dated AS (
    SELECT
        *,
        coalesce(strftime(published_date, '%Y-%m'), 'undated') AS month,
        CAST(coalesce(year(published_date) * 12 + month(published_date) - 1, 120000) AS BIGINT)
            << 32 AS month_base
    FROM documents
)
SELECT
    d.month_base + row_number() OVER (
        PARTITION BY d.month ORDER BY d.published_date NULLS LAST, d.publisher, d.doc_id
    ) AS doc_number,
    d.doc_id,
    d.published_date,
    d.month,
    d.publisher,
    d.month_base + dense_rank() OVER (
        PARTITION BY d.month ORDER BY d.published_date NULLS LAST, d.publisher
    ) AS day_number,
    s.cluster_number,
    d.is_canonical
FROM dated AS d
JOIN story_numbers AS s USING (cluster_id)
ORDER BY doc_number
