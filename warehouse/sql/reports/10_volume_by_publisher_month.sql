-- Volume by publisher and month: how many documents each publisher put out per month, and how
-- many of them were stories of their own (canonical) rather than copies of a story seen elsewhere.
WITH volume AS (
    -- Without an entity filter, from the daily counts; with one, from the name's monthly counts
    -- in the months taken whole, and from the documents naming it in the months the dates cut.
    SELECT publisher, month, documents, stories
    FROM report_days($from, $to, $publisher)
    WHERE $entity IS NULL
    UNION ALL
    SELECT publisher, month, documents, stories
    FROM report_name_months($from, $to, $publisher, $entity)
    UNION ALL
    SELECT publisher, month, 1, CAST(is_canonical AS INTEGER)
    FROM report_single_documents($from, $to, $publisher, $entity)
)
SELECT
    publisher,
    month,
    CAST(sum(documents) AS BIGINT) AS documents,
    CAST(sum(stories) AS BIGINT) AS stories
FROM volume
GROUP BY ALL
ORDER BY publisher, month;
