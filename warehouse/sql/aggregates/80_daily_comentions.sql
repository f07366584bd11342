-- daily_comentions: per publisher and day, how many documents named each pair of countries, each
-- pair once: country_number < other_country_number, which (entities are numbered by kind, then
-- name) puts the countries in alphabetical order.
WITH countries AS (
    SELECT de.doc_number, de.entity_number
    FROM document_entities AS de
    SEMI JOIN entities AS e ON e.entity_number = de.entity_number AND e.kind = 'country'
)
SELECT
    d.day_number,
    a.entity_number AS country_number,
    b.entity_number AS other_country_number,
    count(*) AS documents
FROM countries AS a
JOIN countries AS b ON a.doc_number = b.doc_number AND a.entity_number < b.entity_number
JOIN document_facts AS d ON d.doc_number = a.doc_number
GROUP BY d.day_number, country_number, other_country_number
ORDER BY d.day_number, country_number, other_country_number
