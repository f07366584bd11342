-- unsettled_pairs: the stored copy pairs whose support a run adding bodies to a published set may
-- have taken. Every stored pair was supported when its run published it (it shared a bucket of
-- at most $max_bodies bodies), buckets only grow, and only those this run's bodies fall into
-- grow now (`members`, 05_touched_buckets.sql, holds all their rows). A bucket already over the
-- cap before this run supported no pair, so a pair can lose its support only where it shares a
-- bucket this run pushed over the cap: one holding more than $max_bodies bodies now and at most
-- $max_bodies without those this run brought to it (a new body already published would make
-- that count smaller, so more pairs would be looked at, never fewer). Such a pair that also
-- shares a bucket of this run's rows holding at most $max_bodies bodies keeps its support; the
-- others are unsettled, and 40_still_supported.sql checks them against every bucket. Only the
-- suspect pairs' bodies' rows of the small buckets are joined: given all of them, DuckDB joined
-- the buckets with themselves first (BENCHMARKS.md, "Increments").
-- Statements run in order, each into a temporary table that the next ones read; the last gives
-- the unsettled pairs.
-- Relations: members, new_bands (this run's new bodies' rows: body_key, band, band_key).
-- Parameters: $pairs (the stored pairs: left_key, right_key, ...), $max_bodies.
CREATE TEMP TABLE bucket_sizes AS
WITH arrived AS (
    SELECT band, band_key, count(DISTINCT body_key) AS arrived
    FROM new_bands
    GROUP BY band, band_key
)
SELECT m.band, m.band_key, count(DISTINCT m.body_key) AS bodies, any_value(a.arrived) AS arrived
FROM members AS m
JOIN arrived AS a ON m.band = a.band AND m.band_key = a.band_key
GROUP BY m.band, m.band_key;

CREATE TEMP TABLE pushed_bodies AS
SELECT m.body_key, m.band, m.band_key
FROM members AS m
SEMI JOIN (
    SELECT band, band_key FROM bucket_sizes
    WHERE bodies > $max_bodies AND bodies - arrived <= $max_bodies
) AS p ON m.band = p.band AND m.band_key = p.band_key;

CREATE TEMP TABLE suspect AS
SELECT DISTINCT p.left_key, p.right_key
FROM read_parquet($pairs) AS p
JOIN pushed_bodies AS l ON l.body_key = p.left_key
JOIN pushed_bodies AS r
  ON r.body_key = p.right_key AND r.band = l.band AND r.band_key = l.band_key;

WITH suspect_bodies AS (
    SELECT left_key AS body_key FROM suspect UNION SELECT right_key FROM suspect
),
small AS (
    SELECT m.body_key, m.band, m.band_key
    FROM members AS m
    SEMI JOIN suspect_bodies AS b ON m.body_key = b.body_key
    SEMI JOIN (SELECT band, band_key FROM bucket_sizes WHERE bodies <= $max_bodies) AS z
        ON m.band = z.band AND m.band_key = z.band_key
)
SELECT left_key, right_key FROM suspect
EXCEPT
SELECT s.left_key, s.right_key
FROM suspect AS s
JOIN small AS l ON l.body_key = s.left_key
JOIN small AS r ON r.body_key = s.right_key AND r.band = l.band AND r.band_key = l.band_key
