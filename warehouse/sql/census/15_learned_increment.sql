-- learned_increment: what 10_learned.sql learns, for a run none of whose files had census rows
-- before (new files only: no previous row goes), without counting the whole census. The
-- previous snapshot's census_learned (registered `state`: its lines learned, its names that
-- qualify and its sites, each with its distinct stories) is what 10_learned.sql counted over
-- the rows that all stay; this run's rows change the counts of their own sites, lines and
-- names only. A line or name this run's rows do not carry keeps its count; its site's count
-- can only grow, so only the lines and names learned before can stop being, and they are in
-- `state` with their counts. Distinct stories are counted as 10_learned.sql counts them: grouped
-- by story first, each marked fresh when only this run's rows carry it, then counted once with
-- and once without the fresh ones. The output has 10_learned.sql's rows and columns.
-- Parameters: $previous (census files of the previous snapshot), $new (this run's),
-- $min_stories, $min_share.
WITH fresh AS (
    SELECT site, story_key, line_key, name FROM read_parquet($new)
),
fresh_stories AS (
    SELECT DISTINCT site, story_key FROM fresh
),
-- The previous rows of the stories this run's rows carry (copies of old stories): what they
-- carried before.
known_rows AS MATERIALIZED (
    SELECT c.site, c.story_key, c.line_key, c.name
    FROM read_parquet($previous) AS c
    SEMI JOIN fresh_stories AS f ON c.site = f.site AND c.story_key = f.story_key
),
added_stories AS (
    SELECT site, count(*) AS added
    FROM fresh_stories AS f
    ANTI JOIN known_rows AS k ON f.site = k.site AND f.story_key = k.story_key
    GROUP BY site
),
site_stories AS (
    SELECT
        site,
        coalesce(b.stories, 0) AS before,
        coalesce(b.stories, 0) + coalesce(a.added, 0) AS after
    FROM (SELECT site, stories FROM state WHERE line_key IS NULL AND name IS NULL) AS b
    FULL JOIN added_stories AS a USING (site)
),
-- A line learned before has its count in `state`: this run's rows add the stories that did not
-- carry it before. Chrome lines are in most files, so their previous rows are never read.
learned_lines_before AS (
    SELECT site, line_key, stories FROM state WHERE line_key IS NOT NULL
),
added_to_lines AS (
    SELECT f.site, f.line_key, count(DISTINCT f.story_key) AS added
    FROM fresh AS f
    ANTI JOIN known_rows AS k
        ON f.site = k.site AND f.story_key = k.story_key AND f.line_key = k.line_key
    GROUP BY f.site, f.line_key
),
-- Another line this run's rows carry is counted from the previous rows that carry it, each
-- line by a number of its own: the stories are counted per number and story, two integers,
-- where a site's name and a line key would be grouped.
other_lines AS MATERIALIZED (
    SELECT site, line_key, CAST(row_number() OVER () AS INTEGER) AS line_number
    FROM (
        SELECT DISTINCT f.site, f.line_key
        FROM fresh AS f
        ANTI JOIN learned_lines_before AS l ON f.site = l.site AND f.line_key = l.line_key
    )
),
line_story AS (
    SELECT o.line_number, c.story_key, false AS fresh
    FROM read_parquet($previous) AS c
    JOIN other_lines AS o ON c.site = o.site AND c.line_key = o.line_key
    UNION ALL
    SELECT o.line_number, f.story_key, true AS fresh
    FROM fresh AS f
    JOIN other_lines AS o ON f.site = o.site AND f.line_key = o.line_key
),
line_story_fresh AS (
    SELECT line_number, story_key, bool_and(fresh) AS fresh
    FROM line_story
    GROUP BY line_number, story_key
),
line_stories AS (
    SELECT o.site, o.line_key, c.before, c.after
    FROM (
        SELECT line_number, count(*) FILTER (WHERE NOT fresh) AS before, count(*) AS after
        FROM line_story_fresh
        GROUP BY line_number
    ) AS c
    JOIN other_lines AS o USING (line_number)
    UNION ALL
    SELECT l.site, l.line_key, l.stories, l.stories + coalesce(a.added, 0)
    FROM learned_lines_before AS l
    LEFT JOIN added_to_lines AS a ON l.site = a.site AND l.line_key = a.line_key
),
-- Names likewise: those that qualified before have their counts in `state`.
names_before AS (
    SELECT site, name, stories FROM state WHERE name IS NOT NULL
),
added_to_names AS (
    SELECT f.site, f.name, count(DISTINCT f.story_key) AS added
    FROM fresh AS f
    ANTI JOIN known_rows AS k
        ON f.site = k.site AND f.story_key = k.story_key AND f.name = k.name
    WHERE f.name IS NOT NULL
    GROUP BY f.site, f.name
),
other_names AS (
    SELECT DISTINCT f.site, f.name
    FROM fresh AS f
    ANTI JOIN names_before AS n ON f.site = n.site AND f.name = n.name
    WHERE f.name IS NOT NULL
),
name_story AS (
    SELECT c.site, c.name, c.story_key, false AS fresh
    FROM read_parquet($previous) AS c
    SEMI JOIN other_names AS o ON c.site = o.site AND c.name = o.name
    UNION ALL
    SELECT f.site, f.name, f.story_key, true AS fresh
    FROM fresh AS f
    SEMI JOIN other_names AS o ON f.site = o.site AND f.name = o.name
),
name_story_fresh AS (
    SELECT site, name, story_key, bool_and(fresh) AS fresh
    FROM name_story
    GROUP BY site, name, story_key
),
name_stories AS (
    SELECT site, name, count(*) FILTER (WHERE NOT fresh) AS before, count(*) AS after
    FROM name_story_fresh
    GROUP BY site, name
    UNION ALL
    SELECT n.site, n.name, n.stories, n.stories + coalesce(a.added, 0)
    FROM names_before AS n
    LEFT JOIN added_to_names AS a ON n.site = a.site AND n.name = a.name
),
-- continued by 12_learned_from_counts.sql
