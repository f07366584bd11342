-- frequent_rows: the entities of frequent names (frequent_names) that documents $first to $last
-- name, with the name's bit and the mentions.
SELECT de.doc_number, de.entity_number, de.mentions, f.name_bit
FROM document_entities AS de
JOIN frequent_names AS f USING (entity_number)
WHERE de.doc_number BETWEEN $first AND $last
