-- entity_documents: document_entities sorted by entity: the documents that name an entity (the
-- report's entity filter) are read from the few row groups that hold it.
SELECT entity_number, doc_number
FROM document_entities
ORDER BY entity_number, doc_number
