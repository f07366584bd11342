-- Top entities: which countries, people and organisations the most documents name (ten of each),
-- in how many months, and their trend: the change in documents per month, fitted over the
-- months of the period (positive: named more and more).
WITH docs AS (
    SELECT doc_id, month FROM report_documents($from, $to, $publisher, $entity)
),
named AS (
    SELECT m.kind, m.entity, m.mentions, docs.month
    FROM mentions AS m
    JOIN docs USING (doc_id)
    WHERE m.kind IN ('country', 'person', 'organisation')
),
months AS (
    SELECT month, row_number() OVER (ORDER BY month) AS month_index
    FROM (SELECT DISTINCT month FROM docs WHERE month <> 'undated')
),
totals AS (
    SELECT
        kind,
        entity,
        count(*) AS documents,
        sum(mentions) AS mentions,
        count(DISTINCT month) FILTER (WHERE month <> 'undated') AS months,
        row_number() OVER (PARTITION BY kind ORDER BY count(*) DESC, sum(mentions) DESC, entity)
            AS rank
    FROM named
    GROUP BY kind, entity
),
top AS (SELECT * FROM totals WHERE rank <= 10),
monthly AS (
    -- Every month of the period for every top entity, zero where it is not named.
    SELECT top.kind, top.entity, months.month_index, count(named.entity) AS documents
    FROM top
    CROSS JOIN months
    LEFT JOIN named
      ON named.kind = top.kind AND named.entity = top.entity AND named.month = months.month
    GROUP BY ALL
)
SELECT
    top.kind,
    top.rank,
    top.entity,
    top.documents,
    top.mentions,
    top.months,
    round(coalesce(regr_slope(monthly.documents, monthly.month_index), 0), 2) AS trend
FROM top
LEFT JOIN monthly ON monthly.kind = top.kind AND monthly.entity = top.entity
GROUP BY top.kind, top.rank, top.entity, top.documents, top.mentions, top.months
ORDER BY list_position(['country', 'person', 'organisation'], top.kind), top.rank;
