-- report_single_documents: with an entity filter, the documents a report looks at
-- (report_documents) that it counts one by one: those in months the date range cuts
-- (report_name_months has the rest), or all of them for a name no document names (none).
-- Without an entity filter, none: reports read the daily counts then.
-- The months are looked up first: without a date filter none is left, and then no row group of
-- document_facts is read.
CREATE OR REPLACE MACRO report_single_documents(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT d.*
FROM report_documents(date_from, date_to, publisher_name, entity_name) AS d
WHERE entity_name IS NOT NULL
  AND d.month IN (
      SELECT DISTINCT p.month
      FROM publisher_days AS p
      WHERE report_filter_name(entity_name) IS NULL
         OR NOT report_whole_month(p.month, date_from, date_to)
  );
