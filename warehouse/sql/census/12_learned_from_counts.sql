-- learned_from_counts: the end of 10_learned.sql and of 15_learned_increment.sql, which each
-- count, with and without this run's rows, the distinct stories of every site (site_stories),
-- of the lines (line_stories) and of the names (name_stories) that may be learned, and are
-- followed by this text (census_plan.learned_sql): what those counts teach, and the rows of
-- census_learned.
learned_lines AS (
    SELECT
        l.site,
        l.line_key,
        CAST(NULL AS VARCHAR) AS name,
        l.before > 0 AND l.before >= $min_stories AND l.before >= $min_share * s.before
            AS before,
        l.after >= $min_stories AND l.after >= $min_share * s.after AS after,
        l.after AS stories
    FROM line_stories AS l
    JOIN site_stories AS s USING (site)
),
name_scores AS (
    SELECT
        n.site,
        n.name,
        n.before,
        n.after,
        n.before > 0 AND n.before >= $min_stories AND n.before >= $min_share * s.before
            AS before_ok,
        n.after >= $min_stories AND n.after >= $min_share * s.after AS after_ok,
        n.after AS stories
    FROM name_stories AS n
    JOIN site_stories AS s USING (site)
),
-- A site's name with and without this run's rows: among the names that qualify, the one most
-- of its stories give (ties to the first name).
learned_names AS (
    SELECT
        site,
        CAST(NULL AS UBIGINT) AS line_key,
        name,
        before_ok
        AND row_number() OVER (PARTITION BY site ORDER BY before_ok DESC, before DESC, name) = 1
            AS before,
        after_ok
        AND row_number() OVER (PARTITION BY site ORDER BY after_ok DESC, after DESC, name) = 1
            AS after,
        after_ok AS kept,
        stories
    FROM name_scores
)
SELECT site, line_key, name, before, after, after AS kept, stories
FROM learned_lines
WHERE before OR after
UNION ALL
SELECT site, line_key, name, before, after, kept, stories
FROM learned_names
WHERE before OR after OR kept
UNION ALL
SELECT site, CAST(NULL AS UBIGINT), CAST(NULL AS VARCHAR), false, false, true, after
FROM site_stories
WHERE after > 0
ORDER BY site, line_key, name
