-- name_comentions: per frequent name (frequent_names), publisher and month, how
-- many documents naming it named each pair of countries, each pair once (country_number <
-- other_country_number, as in daily_comentions). Other names' pairs are counted from their
-- documents when a report asks (report_pair_documents): counted ahead they would be many times
-- more rows.
-- Counted by pairing, as name_mentions counts (see there): each document's pairs of countries
-- with each frequent name it names, grouped.
WITH document_periods AS (
    SELECT doc_number, CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period
    FROM document_facts
),
document_names AS (
    -- A document that names two entities of one name (the country and the city) counts once.
    SELECT DISTINCT de.doc_number, f.filter_entity_number
    FROM document_entities AS de
    JOIN frequent_names AS f USING (entity_number)
),
countries AS (
    SELECT de.doc_number, de.entity_number
    FROM document_entities AS de
    SEMI JOIN entities AS e ON e.entity_number = de.entity_number AND e.kind = 'country'
),
country_pairs AS (
    SELECT
        a.doc_number,
        a.entity_number AS country_number,
        b.entity_number AS other_country_number
    FROM countries AS a
    JOIN countries AS b ON a.doc_number = b.doc_number AND a.entity_number < b.entity_number
),
counts AS (
    SELECT
        n.filter_entity_number,
        d.period,
        c.country_number,
        c.other_country_number,
        count(*) AS documents
    FROM country_pairs AS c
    JOIN document_names AS n USING (doc_number)
    JOIN document_periods AS d USING (doc_number)
    GROUP BY ALL
),
periods AS (
    -- The same numbers as document_periods: both rank the (month, publisher) pairs.
    SELECT CAST(dense_rank() OVER (ORDER BY month, publisher) AS INTEGER) AS period, publisher, month
    FROM (SELECT DISTINCT month, publisher FROM publisher_days)
)
SELECT
    c.filter_entity_number,
    p.publisher,
    p.month,
    c.country_number,
    c.other_country_number,
    c.documents
FROM counts AS c
JOIN periods AS p USING (period)
-- period numbers are in (month, publisher) order: sorting integers, not names.
ORDER BY c.filter_entity_number, c.period, c.country_number, c.other_country_number
