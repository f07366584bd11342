-- country_rows: the countries documents $first to $last name, sorted by document and country:
-- their pairs, country_number < other_country_number, as daily_comentions has them.
SELECT de.doc_number, de.entity_number
FROM document_entities AS de
SEMI JOIN entities AS e ON e.entity_number = de.entity_number AND e.kind = 'country'
WHERE de.doc_number BETWEEN $first AND $last
ORDER BY de.doc_number, de.entity_number
