-- stg_documents: one row per document with the columns reports filter and group on (the
-- outlet that published it, the wire agency credited for its text), and its publication month
-- as text (`undated` without a date).
CREATE OR REPLACE VIEW stg_documents AS
SELECT
    doc_id,
    publisher,
    agency,
    published_date,
    coalesce(strftime(published_date, '%Y-%m'), 'undated') AS month,
    title,
    word_count,
    cluster_id,
    cluster_size,
    is_canonical
FROM documents;
