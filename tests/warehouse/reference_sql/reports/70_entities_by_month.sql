-- Entities by month: how many documents named each of the five most named countries, people and
-- organisations, month by month (zero in a month that did not name them).
WITH docs AS (
    SELECT doc_id, month FROM report_documents($from, $to, $publisher, $entity)
    WHERE month <> 'undated'
),
named AS (
    SELECT m.kind, m.entity, docs.month
    FROM mentions AS m
    JOIN docs USING (doc_id)
    WHERE m.kind IN ('country', 'person', 'organisation')
),
top AS (
    SELECT kind, entity
    FROM named
    GROUP BY kind, entity
    QUALIFY row_number() OVER (PARTITION BY kind ORDER BY count(*) DESC, entity) <= 5
),
by_month AS (
    SELECT named.kind, named.entity, named.month, count(*) AS documents
    FROM named
    SEMI JOIN top ON top.kind = named.kind AND top.entity = named.entity
    GROUP BY ALL
),
months AS (SELECT DISTINCT month FROM docs)
SELECT top.kind, top.entity, months.month, coalesce(b.documents, 0) AS documents
FROM top
CROSS JOIN months
LEFT JOIN by_month AS b ON b.kind = top.kind AND b.entity = top.entity AND b.month = months.month
ORDER BY list_position(['country', 'person', 'organisation'], top.kind), top.entity, months.month;
