-- report_documents: the documents a report looks at, for the report filters: published from
-- date_from to date_to (inclusive), by publisher_name, naming entity_name (any kind; names
-- compare case-insensitively). NULL means no filter (an undated document is out once a date
-- filter is set). Reports call it with bound parameters:
-- report_documents($from, $to, $publisher, $entity).
CREATE OR REPLACE MACRO report_documents(date_from, date_to, publisher_name, entity_name) AS TABLE
SELECT d.*
FROM stg_documents AS d
WHERE (date_from IS NULL OR d.published_date >= date_from)
  AND (date_to IS NULL OR d.published_date <= date_to)
  AND (publisher_name IS NULL OR lower(d.publisher) = lower(publisher_name))
  AND (
      entity_name IS NULL
      OR d.doc_id IN (SELECT doc_id FROM mentions WHERE lower(entity) = lower(entity_name))
  );
