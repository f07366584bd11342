-- report_months: the months (not `undated`) in which the documents a report looks at were
-- published (see report_documents).
CREATE OR REPLACE MACRO report_months(date_from, date_to, publisher_name, entity_name) AS TABLE
SELECT DISTINCT month
FROM report_days(date_from, date_to, publisher_name)
WHERE entity_name IS NULL AND month <> 'undated'
UNION
SELECT DISTINCT month
FROM report_name_months(date_from, date_to, publisher_name, entity_name)
WHERE month <> 'undated'
UNION
SELECT DISTINCT month
FROM report_single_documents(date_from, date_to, publisher_name, entity_name)
WHERE month <> 'undated';
