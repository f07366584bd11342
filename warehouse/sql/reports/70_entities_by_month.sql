-- Entities by month: how many documents named each of the five most named countries, people and
-- organisations, month by month (zero in a month that did not name them).
WITH by_month AS (
    -- By entity number first: names are joined to the few rows left.
    SELECT entity_number, month, CAST(sum(documents) AS BIGINT) AS documents
    FROM report_mentions($from, $to, $publisher, $entity)
    WHERE month <> 'undated'
    GROUP BY entity_number, month
),
top AS (
    SELECT e.kind, e.entity, e.entity_number
    FROM by_month AS b
    JOIN entities AS e USING (entity_number)
    WHERE e.kind IN ('country', 'person', 'organisation')
    GROUP BY e.kind, e.entity, e.entity_number
    QUALIFY row_number() OVER (PARTITION BY e.kind ORDER BY sum(b.documents) DESC, e.entity) <= 5
),
months AS (SELECT month FROM report_months($from, $to, $publisher, $entity))
SELECT top.kind, top.entity, months.month, coalesce(b.documents, 0) AS documents
FROM top
CROSS JOIN months
LEFT JOIN by_month AS b ON b.entity_number = top.entity_number AND b.month = months.month
ORDER BY list_position(['country', 'person', 'organisation'], top.kind), top.entity, months.month;
