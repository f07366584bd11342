-- report_days: the (publisher, day) rows of publisher_days a report looks at, for the date and
-- publisher filters (see report_documents; there is no entity filter at this grain).
CREATE OR REPLACE MACRO report_days(date_from, date_to, publisher_name) AS TABLE
SELECT p.*
FROM publisher_days AS p
WHERE (date_from IS NULL OR p.published_date >= date_from)
  AND (date_to IS NULL OR p.published_date <= date_to)
  AND (publisher_name IS NULL OR lower(p.publisher) = lower(publisher_name));
