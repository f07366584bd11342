-- report_comentions: pairs of countries named together by the documents a report looks at (see
-- report_documents), as (country_number, other_country_number, documents) rows whose sums are
-- the answer; each pair once, country_number < other_country_number.
-- Without an entity filter they come from the daily counts; with a frequent name and no
-- publisher filter, from its monthly counts in the months taken whole (name_comentions);
-- otherwise from each document (report_pair_documents).
CREATE OR REPLACE MACRO report_comentions(date_from, date_to, publisher_name, entity_name) AS TABLE
WITH countries AS (
    SELECT de.doc_number, de.entity_number
    FROM document_entities AS de
    JOIN report_pair_documents(date_from, date_to, publisher_name, entity_name) AS d
        USING (doc_number)
    SEMI JOIN entities AS e ON e.entity_number = de.entity_number AND e.kind = 'country'
)
SELECT c.country_number, c.other_country_number, c.documents
FROM daily_comentions AS c
JOIN report_days(date_from, date_to, publisher_name) AS p USING (day_number)
WHERE entity_name IS NULL
UNION ALL
SELECT c.country_number, c.other_country_number, c.documents
FROM name_comentions AS c
WHERE entity_name IS NOT NULL
  AND publisher_name IS NULL
  AND c.filter_entity_number = report_frequent_name(entity_name)
  AND report_whole_month(c.month, date_from, date_to)
UNION ALL
SELECT a.entity_number, b.entity_number, 1
FROM countries AS a
JOIN countries AS b ON a.doc_number = b.doc_number AND a.entity_number < b.entity_number;
