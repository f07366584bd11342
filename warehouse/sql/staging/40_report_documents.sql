-- report_documents: the documents a report looks at, for the report filters: published from
-- date_from to date_to (inclusive), by publisher_name, naming entity_name (any kind; names
-- compare case-insensitively). NULL means no filter (an undated document is out once a date
-- filter is set). Reports call it with bound parameters:
-- report_documents($from, $to, $publisher, $entity).
-- Bound values are constants to DuckDB's optimiser: a date filter skips the row groups of
-- document_facts (sorted by date) outside the range, an entity filter reads only the row groups
-- of entity_documents (sorted by entity) that hold it, and a filter left NULL costs nothing.
CREATE OR REPLACE MACRO report_documents(date_from, date_to, publisher_name, entity_name) AS TABLE
SELECT d.*
FROM document_facts AS d
WHERE (date_from IS NULL OR d.published_date >= date_from)
  AND (date_to IS NULL OR d.published_date <= date_to)
  AND (publisher_name IS NULL OR lower(d.publisher) = lower(publisher_name))
  AND (
      entity_name IS NULL
      OR d.doc_number IN (
          SELECT ed.doc_number
          FROM entity_documents AS ed
          JOIN entities AS e USING (entity_number)
          WHERE e.entity_key = lower(entity_name)
      )
  );
