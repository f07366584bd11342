-- entity_documents: document_entities sorted by entity: the documents that name an entity (the
-- report's entity filter) are read from the few row groups that hold it, in each month's file
-- (doc_number >> 32 is the month's key).
SELECT entity_number, doc_number
FROM document_entities
ORDER BY doc_number >> 32, entity_number, doc_number
