-- report_partitions of an increment (aggregates._plan_increment): the previous snapshot's rows,
-- and for each month the rows added and dropped (changed_documents, changed_mentions): an
-- exclusive or is its own inverse, so a month's fingerprint is the previous one with the hashes
-- of its rows dropped and added taken in, exactly as 05_report_partitions.sql would hash all of
-- its rows. A mention counts in the month of its document: the dropped ones in the previous
-- snapshot's (changed_documents, or mentioned_months for a document carried), the added ones in
-- this one's. Mention rows carried stay with their document's month (checked before). The
-- story columns are those of the months whose stories changed (story_months holds all of theirs).
WITH document_changes AS (
    SELECT
        month,
        sum(CASE WHEN added THEN 1 ELSE -1 END) AS documents,
        bit_xor(hash(hash(doc_id, published_date, publisher, cluster_id, is_canonical)))
            AS fingerprint,
        bit_xor(hash(hash(doc_id, published_date, publisher))) AS content
    FROM changed_documents
    GROUP BY month
),
mention_changes AS (
    SELECT
        coalesce(d.month, c.month) AS month,
        bit_xor(hash(hash(m.doc_id, m.kind, m.entity, m.mentions))) AS fingerprint
    FROM changed_mentions AS m
    LEFT JOIN changed_documents AS d ON d.doc_id = m.doc_id AND d.added = m.added
    LEFT JOIN mentioned_months AS c ON c.doc_id = m.doc_id
    WHERE coalesce(d.month, c.month) IS NOT NULL
    GROUP BY ALL
),
stories_by_month AS (
    SELECT month, count(*) AS stories, bit_xor(fingerprint) AS fingerprint
    FROM story_months
    GROUP BY month
),
months AS (
    SELECT month FROM previous_partitions
    UNION
    SELECT month FROM document_changes
),
zero AS (
    SELECT CAST(0 AS UBIGINT) AS none
)
SELECT
    m.month,
    CAST(coalesce(p.documents, 0) + coalesce(d.documents, 0) AS BIGINT) AS documents,
    xor(xor(coalesce(p.fingerprint, z.none), coalesce(d.fingerprint, z.none)),
        coalesce(n.fingerprint, z.none)) AS fingerprint,
    xor(xor(coalesce(p.content_fingerprint, z.none), coalesce(d.content, z.none)),
        coalesce(n.fingerprint, z.none)) AS content_fingerprint,
    CASE
        WHEN m.month IN (SELECT month FROM story_increment) THEN coalesce(s.stories, 0)
        ELSE coalesce(p.stories, 0)
    END AS stories,
    CASE
        WHEN m.month IN (SELECT month FROM story_increment) THEN coalesce(s.fingerprint, z.none)
        ELSE coalesce(p.story_fingerprint, z.none)
    END AS story_fingerprint,
    CAST($build AS VARCHAR) AS build
FROM months AS m
CROSS JOIN zero AS z
LEFT JOIN previous_partitions AS p USING (month)
LEFT JOIN document_changes AS d USING (month)
LEFT JOIN mention_changes AS n USING (month)
LEFT JOIN stories_by_month AS s USING (month)
WHERE coalesce(p.documents, 0) + coalesce(d.documents, 0) > 0
ORDER BY m.month
