-- document_facts: one row per document with what reports filter and group on. Documents are
-- numbered in date order (undated last), so a date range is a narrow range of doc_number and
-- the row groups of document_entities outside it are skipped. day_number numbers the
-- (day, publisher) pairs in the same order (publisher_days); cluster_number numbers the stories
-- in cluster_id order (story_stats).
SELECT
    CAST(row_number() OVER (ORDER BY published_date NULLS LAST, publisher, doc_id) AS INTEGER)
        AS doc_number,
    doc_id,
    published_date,
    coalesce(strftime(published_date, '%Y-%m'), 'undated') AS month,
    publisher,
    CAST(dense_rank() OVER (ORDER BY published_date NULLS LAST, publisher) AS INTEGER)
        AS day_number,
    CAST(dense_rank() OVER (ORDER BY cluster_id) AS INTEGER) AS cluster_number,
    cluster_size,
    is_canonical
FROM documents
ORDER BY doc_number
