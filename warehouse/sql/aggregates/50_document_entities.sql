-- document_entities: the mentions table in numbers, one row per (document, entity), sorted by
-- document: the entities a set of documents names are read from few row groups.
SELECT
    d.doc_number,
    e.entity_number,
    m.mentions
FROM mentions AS m
JOIN document_facts AS d USING (doc_id)
JOIN entities AS e USING (kind, entity)
ORDER BY d.doc_number, e.entity_number
