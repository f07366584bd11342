-- census_rows: the chrome census of the next snapshot, one row per file and distinct edge line
-- (its site, its story's key, the line's key and the site it names): the previous snapshot's
-- rows of the files this run does not process again, plus, with `with_new`, this run's rows.
-- Arguments: previous (census files of the previous snapshot; this run's again when there are
-- none, with has_previous false: read_parquet needs a file), new (this run's census files),
-- with_new; registered table `processed` (source_path of the files this run processes).
CREATE OR REPLACE TEMP MACRO census_rows(previous, has_previous, new, with_new) AS TABLE
    SELECT c.site, c.story_key, c.line_key, c.name
    FROM read_parquet(previous) AS c
    ANTI JOIN processed AS p ON c.source_path = p.source_path
    WHERE has_previous
    UNION ALL
    SELECT site, story_key, line_key, name
    FROM read_parquet(new)
    WHERE with_new;
