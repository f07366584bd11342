-- learned: what the census teaches (transforms/census.py says why), with and without this run's
-- rows, in one pass: `after` is learned from every row of census_rows, `before` from its rows
-- that are not fresh (the previous snapshot's that stay), so a run finds what it changes
-- without counting the census twice.
-- A line is a site's chrome when at least $min_stories distinct stories of the site carry it at
-- their edges, and at least $min_share of the site's distinct stories: rows (site, line_key)
-- with a null name. A site's name is the name its chrome gives on as many of its stories, the
-- one most of them give: rows (site, name) with a null line_key. A row comes out when it is
-- learned with or without this run's rows; `before` and `after` say which.
-- Each count is of distinct stories, each story marked fresh when only this run's rows carry it
-- (grouping by the story, then counting, costs about what one count(DISTINCT) does; two, with
-- and without the fresh rows, cost twice that). The census is read where each part needs it,
-- not materialised: a million files have some 15 million rows.
-- Each row also says what the next run needs to count its own rows into this one without
-- reading the census whole (census_plan, 15_learned_increment.sql): `stories` counted with this
-- run's rows, and `kept` for the rows of the next snapshot's census_learned: the lines learned,
-- the names that qualify, and every site (rows with neither line_key nor name) with its stories.
-- Parameters: those of census_rows (05_census_rows.sql), $min_stories, $min_share.
WITH census AS NOT MATERIALIZED (
    SELECT * FROM census_rows($previous, $has_previous, $new, $has_new)
),
site_story AS (
    SELECT site, story_key, bool_and(fresh) AS fresh
    FROM census
    GROUP BY site, story_key
),
site_stories AS (
    SELECT site, count(*) FILTER (WHERE NOT fresh) AS before, count(*) AS after
    FROM site_story
    GROUP BY site
),
-- Lines in fewer files than $min_stories cannot be in enough stories: most lines are in one
-- file, and counting files first leaves the distinct stories to count for a few. A line in too
-- few files with this run's rows is in too few without them.
candidates AS (
    SELECT site, line_key
    FROM census
    GROUP BY site, line_key
    HAVING count(*) >= $min_stories
),
line_story AS (
    SELECT c.site, c.line_key, c.story_key, bool_and(c.fresh) AS fresh
    FROM census AS c
    SEMI JOIN candidates AS k ON c.site = k.site AND c.line_key = k.line_key
    GROUP BY c.site, c.line_key, c.story_key
),
line_stories AS (
    SELECT site, line_key, count(*) FILTER (WHERE NOT fresh) AS before, count(*) AS after
    FROM line_story
    GROUP BY site, line_key
),
name_story AS (
    SELECT site, name, story_key, bool_and(fresh) AS fresh
    FROM census
    WHERE name IS NOT NULL
    GROUP BY site, name, story_key
),
name_stories AS (
    SELECT site, name, count(*) FILTER (WHERE NOT fresh) AS before, count(*) AS after
    FROM name_story
    GROUP BY site, name
),
-- continued by 12_learned_from_counts.sql
