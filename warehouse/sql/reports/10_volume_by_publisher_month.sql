-- Volume by publisher and month: how many documents each publisher put out per month, and how
-- many of them were stories of their own (canonical) rather than copies of a story seen elsewhere.
SELECT
    publisher,
    coalesce(strftime(published_date, '%Y-%m'), 'undated') AS month,
    count(*) AS documents,
    count(*) FILTER (WHERE is_canonical) AS stories
FROM documents
GROUP BY ALL
ORDER BY publisher, month;
