-- report_partitions: per month of publication (`undated` too), what the month's rows of the
-- report tables kept by month were built from: its documents, and a fingerprint of the columns
-- those tables read (the documents' dates, outlets and stories, and their mentions), with the
-- build they were made by ($build: the report queries and settings). A run builds again only the
-- months whose fingerprint or build changed (aggregates.write_report_tables) and carries the
-- others' files. The fingerprint is an exclusive or of row hashes: documents are unique by doc_id
-- and mentions by (doc_id, kind, entity), so no two rows cancel out.
WITH months AS (
    SELECT
        doc_id,
        coalesce(strftime(published_date, '%Y-%m'), 'undated') AS month,
        hash(doc_id, published_date, publisher, cluster_id, cluster_size, is_canonical) AS fingerprint
    FROM documents
),
named AS (
    SELECT d.month, bit_xor(hash(m.doc_id, m.kind, m.entity, m.mentions)) AS fingerprint
    FROM mentions AS m
    JOIN months AS d USING (doc_id)
    GROUP BY d.month
)
SELECT
    d.month,
    count(*) AS documents,
    xor(bit_xor(d.fingerprint), any_value(coalesce(n.fingerprint, CAST(0 AS UBIGINT))))
        AS fingerprint,
    CAST($build AS VARCHAR) AS build
FROM months AS d
LEFT JOIN named AS n USING (month)
GROUP BY d.month
ORDER BY d.month
