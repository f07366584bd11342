-- name_months: per name (filter_names), publisher and month, how many documents name it and how
-- many of those were stories of their own (canonical).
WITH named AS (
    -- A document that names two entities of one name (the country and the city) counts once.
    SELECT DISTINCT f.filter_entity_number, ed.doc_number
    FROM entity_documents AS ed
    JOIN filter_names AS f USING (entity_number)
)
SELECT
    n.filter_entity_number,
    d.publisher,
    d.month,
    count(*) AS documents,
    count(*) FILTER (WHERE d.is_canonical) AS stories
FROM named AS n
JOIN document_facts AS d USING (doc_number)
GROUP BY n.filter_entity_number, d.publisher, d.month
ORDER BY d.month, n.filter_entity_number, d.publisher
