-- report_cut_documents: with an entity filter, the documents a report looks at
-- (report_documents) that it counts one by one, given counted_ahead, the number the filter's name
-- goes by in the counts made at publish (NULL: none): those in months the date range cuts (the
-- counts have the rest), or all of them when the name has no counts. Without an entity filter,
-- none: reports read the daily counts then.
-- The months are looked up first: with counts and without a date filter none is left, and then no
-- row group of document_facts is read.
CREATE OR REPLACE MACRO report_cut_documents(
    date_from, date_to, publisher_name, entity_name, counted_ahead
) AS TABLE
SELECT d.*
FROM report_documents(date_from, date_to, publisher_name, entity_name) AS d
WHERE entity_name IS NOT NULL
  AND d.month IN (
      SELECT DISTINCT p.month
      FROM publisher_days AS p
      WHERE counted_ahead IS NULL OR NOT report_whole_month(p.month, date_from, date_to)
  );

-- report_single_documents: the documents whose entities and months a report counts one by one:
-- every name has its counts (report_name_months), so those in the months the date range cuts.
CREATE OR REPLACE MACRO report_single_documents(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT *
FROM report_cut_documents(
    date_from, date_to, publisher_name, entity_name, report_filter_name(entity_name)
);

-- report_pair_documents: the documents whose pairs of countries a report counts one by one: for
-- a frequent name (report_frequent_name) without a publisher filter, those in months the date
-- range cuts (name_comentions has the rest, per month of all publishers), otherwise all of them. The pairs of countries of every other name's
-- documents would be too many rows to count ahead (19M at a million documents, more than the
-- build's memory), and reading them from its few documents is within the reports' time.
CREATE OR REPLACE MACRO report_pair_documents(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT *
FROM report_cut_documents(
    date_from,
    date_to,
    publisher_name,
    entity_name,
    CASE WHEN publisher_name IS NULL THEN report_frequent_name(entity_name) END
);
