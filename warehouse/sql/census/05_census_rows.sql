-- census_rows: the chrome census of the next snapshot, one row per file and distinct edge line
-- (its site, its story's key, the line's key, the site it names, and whether the row is this
-- run's): the previous snapshot's rows of the files this run does not process again, plus this
-- run's rows.
-- Arguments: previous (census files of the previous snapshot; this run's again when there are
-- none, with has_previous false: read_parquet needs a file), has_previous, new (this run's
-- census files; the previous ones again when there are none, with has_new false), has_new;
-- registered table `processed` (source_path of the files this run processes).
CREATE OR REPLACE TEMP MACRO census_rows(previous, has_previous, new, has_new) AS TABLE
    SELECT c.site, c.story_key, c.line_key, c.name, false AS fresh
    FROM read_parquet(previous) AS c
    ANTI JOIN processed AS p ON c.source_path = p.source_path
    WHERE has_previous
    UNION ALL
    SELECT site, story_key, line_key, name, true AS fresh
    FROM read_parquet(new)
    WHERE has_new;
