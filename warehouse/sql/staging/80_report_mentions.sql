-- report_mentions: the entities named by the documents a report looks at (see report_documents),
-- as (entity_number, month, documents, mentions) rows whose sums are the answer. Without an
-- entity filter they come from the daily counts. With one, in the months taken whole
-- (report_name_months), from the name's monthly counts: for a frequent name, those of the
-- entities of frequent names (name_mentions) and each of its documents' other entities
-- (infrequent_document_entities); for another name, those of every entity (other_name_mentions).
-- In the months the date range cuts, from each document naming it (report_single_documents).
-- The rows of the daily counts and of infrequent_document_entities (millions) are summed by entity
-- and month key (day_number >> 32) before the month's name is joined: grouping integers, and
-- without a date or publisher filter with no lookup of each row's day at all.
CREATE OR REPLACE MACRO report_mentions(date_from, date_to, publisher_name, entity_name) AS TABLE
WITH name_months_in AS (
    -- Whether the name is frequent decides which table has its counts: the branch of the other
    -- table then has no months, and its rows are not read.
    SELECT
        n.*,
        coalesce(n.filter_entity_number = report_frequent_name(entity_name), false) AS frequent
    FROM report_name_months(date_from, date_to, publisher_name, entity_name) AS n
),
month_keys AS (
    SELECT day_number >> 32 AS month_key, any_value(month) AS month
    FROM publisher_days
    GROUP BY month_key
),
by_month_key AS (
    SELECT m.entity_number, m.day_number >> 32 AS month_key, m.documents, m.mentions
    FROM daily_mentions AS m
    WHERE entity_name IS NULL
      AND date_from IS NULL AND date_to IS NULL AND publisher_name IS NULL
    UNION ALL
    SELECT m.entity_number, m.day_number >> 32 AS month_key, m.documents, m.mentions
    FROM daily_mentions AS m
    SEMI JOIN report_days(date_from, date_to, publisher_name) AS p USING (day_number)
    WHERE entity_name IS NULL
      AND NOT (date_from IS NULL AND date_to IS NULL AND publisher_name IS NULL)
    UNION ALL
    SELECT i.entity_number, i.day_number >> 32 AS month_key, 1 AS documents, i.mentions
    FROM infrequent_document_entities AS i
    SEMI JOIN (
        SELECT p.day_number
        FROM publisher_days AS p
        SEMI JOIN (SELECT publisher, month FROM name_months_in WHERE frequent) AS f
            ON f.publisher = p.publisher AND f.month = p.month
    ) AS p USING (day_number)
    -- The documents naming the frequent name, by its bit: no lookup of its documents.
    WHERE entity_name IS NOT NULL AND (i.frequent_names >> (
        SELECT any_value(f.name_bit)
        FROM frequent_names AS f
        JOIN entities AS e USING (entity_number)
        WHERE e.entity_key = lower(entity_name)
    )) & 1 = 1
),
summed AS (
    SELECT entity_number, month_key, sum(documents) AS documents, sum(mentions) AS mentions
    FROM by_month_key
    GROUP BY entity_number, month_key
)
SELECT s.entity_number, k.month, s.documents, s.mentions
FROM summed AS s
JOIN month_keys AS k USING (month_key)
UNION ALL
SELECT m.entity_number, m.month, m.documents, m.mentions
FROM name_mentions AS m
JOIN (SELECT * FROM name_months_in WHERE frequent) AS f
    USING (filter_entity_number, publisher, month)
-- The name's rows only, whichever side DuckDB builds the join on.
WHERE m.filter_entity_number = report_frequent_name(entity_name)
UNION ALL
SELECT m.entity_number, m.month, m.documents, m.mentions
FROM other_name_mentions AS m
JOIN (SELECT * FROM name_months_in WHERE NOT frequent) AS f
    USING (filter_entity_number, publisher, month)
WHERE m.filter_entity_number = report_filter_name(entity_name)
UNION ALL
SELECT de.entity_number, d.month, 1 AS documents, de.mentions
FROM document_entities AS de
JOIN report_single_documents(date_from, date_to, publisher_name, entity_name) AS d
    USING (doc_number);
