-- frequent_lines: which edge lines (a file's first or last short lines, case and spacing folded)
-- stand in at least $min files of the chrome census? Those are learned chrome.
-- The census is the previous snapshot's rows of the files this run does not process again, plus,
-- with $with_new, this run's rows (one row per file and line).
-- Parameters: $previous (census files of the previous snapshot; this run's again when there are
-- none, with $has_previous false), $new (this run's census files), $with_new, $min; registered
-- table `processed` (source_path of the files this run processes).
WITH kept AS (
    SELECT c.line_key
    FROM read_parquet($previous) AS c
    ANTI JOIN processed AS p ON c.source_path = p.source_path
    WHERE $has_previous
),
census AS (
    SELECT line_key FROM kept
    UNION ALL
    SELECT line_key FROM read_parquet($new) WHERE $with_new
)
SELECT line_key
FROM census
GROUP BY line_key
HAVING count(*) >= $min
ORDER BY line_key
