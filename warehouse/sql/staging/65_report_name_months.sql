-- report_name_months: with an entity filter (report_filter_name), the rows of name_months a
-- report takes whole: the publisher filter's, in the months all within the date range
-- (report_whole_month). The rest of the documents, in months the range cuts, are taken one by one
-- (report_single_documents). Empty for a name no document names, and without an entity filter (a
-- plain condition on the parameter: that branch is not even planned then).
CREATE OR REPLACE MACRO report_name_months(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT f.*
FROM name_months AS f
WHERE entity_name IS NOT NULL
  AND f.filter_entity_number = report_filter_name(entity_name)
  AND (publisher_name IS NULL OR lower(f.publisher) = lower(publisher_name))
  AND report_whole_month(f.month, date_from, date_to);
