-- document_periods: the period and month number (name_periods) of the documents $first to
-- $last (doc_number, inclusive).
SELECT d.doc_number, p.period, p.month_number
FROM document_facts AS d
JOIN name_periods AS p USING (month, publisher)
WHERE d.doc_number BETWEEN $first AND $last
