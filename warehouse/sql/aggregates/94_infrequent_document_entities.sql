-- infrequent_document_entities: document_entities without the entities of frequent names
-- (frequent_names), with each document's publisher and day and the frequent names
-- it names (bit name_bit of frequent_names): what a report filtered by a frequent name adds to
-- name_mentions, document by document, without looking up the documents naming it.
-- Sorted by document.
WITH names AS (
    SELECT de.doc_number, bit_or(CAST(1 AS UBIGINT) << f.name_bit) AS frequent_names
    FROM document_entities AS de
    JOIN frequent_names AS f USING (entity_number)
    GROUP BY de.doc_number
)
SELECT
    de.doc_number,
    d.day_number,
    de.entity_number,
    de.mentions,
    coalesce(n.frequent_names, CAST(0 AS UBIGINT)) AS frequent_names
FROM document_entities AS de
JOIN document_facts AS d USING (doc_number)
LEFT JOIN names AS n USING (doc_number)
ANTI JOIN frequent_names AS f ON f.entity_number = de.entity_number
ORDER BY de.doc_number, de.entity_number
