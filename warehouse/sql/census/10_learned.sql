-- learned: what the census teaches (transforms/census.py says why).
-- A line is a site's chrome when at least $min_stories distinct stories of the site carry it at
-- their edges, and at least $min_share of the site's distinct stories: rows (site, line_key)
-- with a null name. A site's name is the name its chrome gives on as many of its stories, the
-- one most of them give: rows (site, name) with a null line_key.
-- Parameters: those of census_rows (05_census_rows.sql), $min_stories, $min_share.
WITH census AS (
    SELECT * FROM census_rows($previous, $has_previous, $new, $with_new)
),
site_stories AS (
    SELECT site, count(DISTINCT story_key) AS stories
    FROM census
    GROUP BY site
),
-- Lines in fewer files than $min_stories cannot be in enough stories: most lines are in one
-- file, and counting files first leaves the distinct stories to count for a few.
candidates AS (
    SELECT site, line_key
    FROM census
    GROUP BY site, line_key
    HAVING count(*) >= $min_stories
),
line_stories AS (
    SELECT c.site, c.line_key, count(DISTINCT c.story_key) AS stories
    FROM census AS c
    SEMI JOIN candidates AS k ON c.site = k.site AND c.line_key = k.line_key
    GROUP BY c.site, c.line_key
),
name_stories AS (
    SELECT site, name, count(DISTINCT story_key) AS stories
    FROM census
    WHERE name IS NOT NULL
    GROUP BY site, name
),
learned_lines AS (
    SELECT l.site, l.line_key, CAST(NULL AS VARCHAR) AS name
    FROM line_stories AS l
    JOIN site_stories AS s USING (site)
    WHERE l.stories >= $min_stories AND l.stories >= $min_share * s.stories
),
learned_names AS (
    SELECT n.site, CAST(NULL AS UBIGINT) AS line_key, n.name
    FROM name_stories AS n
    JOIN site_stories AS s USING (site)
    WHERE n.stories >= $min_stories AND n.stories >= $min_share * s.stories
    QUALIFY row_number() OVER (PARTITION BY n.site ORDER BY n.stories DESC, n.name) = 1
)
SELECT site, line_key, name FROM learned_lines
UNION ALL
SELECT site, line_key, name FROM learned_names
ORDER BY site, line_key, name
