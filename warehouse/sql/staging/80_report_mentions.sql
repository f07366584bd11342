-- report_mentions: the entities named by the documents a report looks at (see report_documents),
-- as (entity_number, month, documents, mentions) rows whose sums are the answer. Without an
-- entity filter they come from the daily counts; with one, from each document that names it.
CREATE OR REPLACE MACRO report_mentions(date_from, date_to, publisher_name, entity_name) AS TABLE
SELECT m.entity_number, p.month, m.documents, m.mentions
FROM daily_mentions AS m
JOIN report_days(date_from, date_to, publisher_name) AS p USING (day_number)
WHERE entity_name IS NULL
UNION ALL
SELECT de.entity_number, d.month, 1 AS documents, de.mentions
FROM document_entities AS de
JOIN report_documents(date_from, date_to, publisher_name, entity_name) AS d USING (doc_number)
WHERE entity_name IS NOT NULL;
