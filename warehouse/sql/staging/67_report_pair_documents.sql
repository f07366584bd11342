-- report_pair_documents: with an entity filter, the documents whose pairs of countries a report
-- counts one by one (report_documents): for a frequent name (report_frequent_name) those in
-- months the date range cuts (name_comentions has the rest), for another name all of them. The
-- pairs of countries of every other name's documents would be too many rows to count ahead (19M
-- at a million documents, more than the build's memory), and reading them from its few documents
-- is within the reports' time. Without an entity filter, none: reports read the daily counts.
CREATE OR REPLACE MACRO report_pair_documents(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT d.*
FROM report_documents(date_from, date_to, publisher_name, entity_name) AS d
WHERE entity_name IS NOT NULL
  AND d.month IN (
      SELECT DISTINCT p.month
      FROM publisher_days AS p
      WHERE report_frequent_name(entity_name) IS NULL
         OR NOT report_whole_month(p.month, date_from, date_to)
  );
