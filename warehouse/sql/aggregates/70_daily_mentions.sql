-- daily_mentions: per publisher and day and entity, how many documents named it and how many
-- times in all. Day grain keeps a day-level date filter exact.
SELECT
    d.day_number,
    de.entity_number,
    count(*) AS documents,
    sum(de.mentions) AS mentions
FROM document_entities AS de
JOIN document_facts AS d USING (doc_number)
GROUP BY d.day_number, de.entity_number
ORDER BY d.day_number, de.entity_number
