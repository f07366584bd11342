-- Top entities: which countries, people and organisations the most documents name (ten of each),
-- in how many months, and their trend: the change in documents per month, fitted over the
-- months of the period that have documents (positive: named more and more; none for a
-- period of one month).
WITH by_month AS (
    -- One pass over the counts, by entity number and month; names are joined to the few rows
    -- left, which is much cheaper than grouping by name.
    SELECT entity_number, month, sum(documents) AS documents, sum(mentions) AS mentions
    FROM report_mentions($from, $to, $publisher, $entity)
    GROUP BY entity_number, month
),
totals AS (
    SELECT
        e.kind,
        e.entity,
        e.entity_number,
        CAST(sum(b.documents) AS BIGINT) AS documents,
        sum(b.mentions) AS mentions,
        row_number() OVER (
            PARTITION BY e.kind ORDER BY sum(b.documents) DESC, sum(b.mentions) DESC, e.entity
        ) AS rank
    FROM by_month AS b
    JOIN entities AS e USING (entity_number)
    WHERE e.kind IN ('country', 'person', 'organisation')
    GROUP BY e.kind, e.entity, e.entity_number
    QUALIFY rank <= 10
),
months AS (
    SELECT month, row_number() OVER (ORDER BY month) AS month_index
    FROM report_months($from, $to, $publisher, $entity)
),
monthly AS (
    -- Every month of the period for every top entity, zero where it is not named.
    SELECT totals.entity_number, months.month_index, coalesce(b.documents, 0) AS documents
    FROM totals
    CROSS JOIN months
    LEFT JOIN by_month AS b ON b.entity_number = totals.entity_number AND b.month = months.month
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
LEFT JOIN monthly ON monthly.entity_number = t.entity_number
GROUP BY t.kind, t.rank, t.entity, t.documents, t.mentions
ORDER BY list_position(['country', 'person', 'organisation'], t.kind), t.rank;
