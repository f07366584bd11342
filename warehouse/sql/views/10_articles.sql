-- articles: one row per story. The canonical member of every cluster, with how many copies
-- of the story the corpus holds and from how many publishers.
CREATE OR REPLACE VIEW articles AS
SELECT
    d.doc_id,
    d.published_date,
    d.date_precision,
    d.date_source,
    d.publisher,
    d.agency,
    d.title,
    d.byline,
    d.dateline,
    d.language,
    d.word_count,
    d.body,
    d.cluster_id,
    d.cluster_size AS copies,
    d.source_path
FROM documents AS d
WHERE d.is_canonical;
