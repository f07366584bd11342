-- Country co-mentions: which pairs of countries are named in the same documents most often
-- (Russia with Myanmar...), each pair once, alphabetically.
WITH docs AS (
    SELECT doc_id FROM report_documents($from, $to, $publisher, $entity)
),
countries AS (
    SELECT m.doc_id, m.entity
    FROM mentions AS m
    JOIN docs USING (doc_id)
    WHERE m.kind = 'country'
)
SELECT
    a.entity AS country,
    b.entity AS other_country,
    count(*) AS documents
FROM countries AS a
JOIN countries AS b ON a.doc_id = b.doc_id AND a.entity < b.entity
GROUP BY ALL
ORDER BY documents DESC, country, other_country
LIMIT 30;
