-- Volume by publisher and month: how many documents each publisher put out per month, and how
-- many of them were stories of their own (canonical) rather than copies of a story seen elsewhere.
SELECT
    publisher,
    month,
    count(*) AS documents,
    count(*) FILTER (WHERE is_canonical) AS stories
FROM report_documents($from, $to, $publisher, $entity)
GROUP BY ALL
ORDER BY publisher, month;
