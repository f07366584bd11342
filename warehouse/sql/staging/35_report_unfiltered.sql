-- report_unfiltered: whether a report has no filter at all, so that it can read the totals of
-- whole stories (story_stats) instead of looking for the documents in. Bound values are
-- constants to DuckDB's optimiser: the branch a report does not take is never run.
CREATE OR REPLACE MACRO report_unfiltered(date_from, date_to, publisher_name, entity_name) AS
    date_from IS NULL AND date_to IS NULL AND publisher_name IS NULL AND entity_name IS NULL;
