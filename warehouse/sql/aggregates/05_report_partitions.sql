-- report_partitions: per month of publication (`undated` too), what the month's rows of the
-- report tables kept by month were built from: its documents, and a fingerprint of the columns
-- those tables read (the documents' dates, outlets and stories, and their mentions), and one
-- without the documents' stories (content_fingerprint: what most of them read); the stories
-- first seen that month and a fingerprint of all their copies (story_months, for the story
-- tables, kept by the month a story was first seen); and the build they were made by ($build: the
-- report queries and settings). A run builds again only the months whose fingerprints or build
-- changed (aggregates.write_report_tables) and carries the others' files. A fingerprint is an
-- exclusive or of row hashes: documents are unique by doc_id, mentions by (doc_id, kind,
-- entity) and stories by cluster_id, so no two rows cancel out. A row's hash is hashed again:
-- DuckDB's hash of several values is linear in the last of them, so a value that changed the
-- same way in an even number of a month's rows (two pages of one site given another publisher)
-- cancelled out of an exclusive or of the plain hashes.
WITH months AS (
    SELECT
        doc_id,
        coalesce(strftime(published_date, '%Y-%m'), 'undated') AS month,
        hash(hash(doc_id, published_date, publisher)) AS content,
        hash(hash(doc_id, published_date, publisher, cluster_id, is_canonical)) AS fingerprint
    FROM documents
),
named AS (
    SELECT d.month, bit_xor(hash(hash(m.doc_id, m.kind, m.entity, m.mentions))) AS fingerprint
    FROM mentions AS m
    JOIN months AS d USING (doc_id)
    GROUP BY d.month
),
documents_by_month AS (
    SELECT
        month,
        count(*) AS documents,
        bit_xor(fingerprint) AS fingerprint,
        bit_xor(content) AS content
    FROM months
    GROUP BY month
),
stories_by_month AS (
    SELECT month, count(*) AS stories, bit_xor(fingerprint) AS fingerprint
    FROM story_months
    GROUP BY month
)
SELECT
    d.month,
    d.documents,
    xor(d.fingerprint, coalesce(n.fingerprint, CAST(0 AS UBIGINT))) AS fingerprint,
    xor(d.content, coalesce(n.fingerprint, CAST(0 AS UBIGINT))) AS content_fingerprint,
    coalesce(s.stories, 0) AS stories,
    coalesce(s.fingerprint, CAST(0 AS UBIGINT)) AS story_fingerprint,
    CAST($build AS VARCHAR) AS build
FROM documents_by_month AS d
LEFT JOIN named AS n USING (month)
LEFT JOIN stories_by_month AS s USING (month)
ORDER BY d.month
