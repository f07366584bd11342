-- Top entities: which countries, people and organisations the most documents name (ten of each),
-- in how many months, and their trend: the change in documents per month, fitted over the
-- months of the period that have documents (positive: named more and more; none for a
-- period of one month).
WITH docs AS (
    SELECT doc_id, month FROM report_documents($from, $to, $publisher, $entity)
),
named AS (
    SELECT m.kind, m.entity, m.mentions, docs.month
    FROM mentions AS m
    JOIN docs USING (doc_id)
    WHERE m.kind IN ('country', 'person', 'organisation')
),
-- Monthly counts are needed only for the top entities: rank first over (kind, entity), then
-- count months for the thirty winners, which keeps the big aggregation small.
totals AS (
    SELECT
        kind,
        entity,
        count(*) AS documents,
        sum(mentions) AS mentions,
        row_number() OVER (PARTITION BY kind ORDER BY count(*) DESC, sum(mentions) DESC, entity)
            AS rank
    FROM named
    GROUP BY kind, entity
    QUALIFY rank <= 10
),
by_month AS (
    SELECT named.kind, named.entity, named.month, count(*) AS documents
    FROM named
    SEMI JOIN totals ON totals.kind = named.kind AND totals.entity = named.entity
    WHERE named.month <> 'undated'
    GROUP BY ALL
),
months AS (
    SELECT month, row_number() OVER (ORDER BY month) AS month_index
    FROM (SELECT DISTINCT month FROM docs WHERE month <> 'undated')
),
monthly AS (
    -- Every month of the period for every top entity, zero where it is not named.
    SELECT totals.kind, totals.entity, months.month_index, coalesce(b.documents, 0) AS documents
    FROM totals
    CROSS JOIN months
    LEFT JOIN by_month AS b
      ON b.kind = totals.kind AND b.entity = totals.entity AND b.month = months.month
)
SELECT
    t.kind,
    t.rank,
    t.entity,
    t.documents,
    t.mentions,
    count(monthly.documents) FILTER (WHERE monthly.documents > 0) AS months,
    -- A trend needs two months: over one the slope is NaN, shown as no trend (NULL).
    -- + 0 turns a rounded -0.0 into 0.
    CASE
        WHEN count(monthly.month_index) >= 2
        THEN round(coalesce(regr_slope(monthly.documents, monthly.month_index), 0), 2) + 0
    END AS trend
FROM totals AS t
LEFT JOIN monthly ON monthly.kind = t.kind AND monthly.entity = t.entity
GROUP BY t.kind, t.rank, t.entity, t.documents, t.mentions
ORDER BY list_position(['country', 'person', 'organisation'], t.kind), t.rank;
