-- Country co-mentions: which pairs of countries are named in the same documents most often
-- (Russia with Myanmar...), each pair once, alphabetically.
WITH countries AS MATERIALIZED (
    -- Documents keyed by a 64-bit hash of their id: the self-join below is the costly part, and
    -- integers join faster than strings.
    SELECT hash(m.doc_id) AS document_key, m.entity
    FROM mentions AS m
    WHERE m.kind = 'country'
      AND m.doc_id IN (SELECT doc_id FROM report_documents($from, $to, $publisher, $entity))
)
SELECT
    a.entity AS country,
    b.entity AS other_country,
    count(*) AS documents
FROM countries AS a
JOIN countries AS b ON a.document_key = b.document_key AND a.entity < b.entity
GROUP BY ALL
ORDER BY documents DESC, country, other_country
LIMIT 30;
