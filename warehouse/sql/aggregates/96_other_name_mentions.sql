-- other_name_mentions: per name that is not frequent (in filter_names, not in frequent_names),
-- publisher and month, and per entity named with it, how many documents naming the name named the
-- entity and how many times in all (name_mentions has the frequent names'). Such a name's
-- documents are few, so its rows are its documents' entity rows, grouped: at a million documents
-- about 32M rows into 6.5M, one file a month, each sorted by name so that a report filtered by
-- one reads a few row groups of it.
WITH other_names AS (
    -- A document that names two entities of one name (the country and the city) counts once.
    SELECT DISTINCT f.filter_entity_number, ed.doc_number
    FROM entity_documents AS ed
    ANTI JOIN frequent_names AS n USING (entity_number)
    JOIN filter_names AS f USING (entity_number)
),
periods AS (
    -- (month, publisher) pairs numbered in order: sorting integers, not names.
    SELECT
        CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period,
        CAST(dense_rank() OVER (ORDER BY month) AS INTEGER) AS month_number,
        publisher,
        month
    FROM (SELECT DISTINCT month, publisher FROM publisher_days)
),
document_periods AS (
    -- The same numbers as periods: both rank the (month, publisher) pairs.
    SELECT doc_number, CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period
    FROM document_facts
),
counts AS (
    SELECT
        o.filter_entity_number,
        d.period,
        de.entity_number,
        count(*) AS documents,
        sum(de.mentions) AS mentions
    FROM other_names AS o
    JOIN document_entities AS de USING (doc_number)
    JOIN document_periods AS d USING (doc_number)
    GROUP BY ALL
)
SELECT c.filter_entity_number, p.publisher, p.month, c.entity_number, c.documents, c.mentions
FROM counts AS c
JOIN periods AS p USING (period)
ORDER BY p.month_number, c.filter_entity_number, c.period, c.entity_number
