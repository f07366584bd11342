-- still_supported: of the stored pairs a run may have taken the support of (`unsettled`,
-- 30_unsettled_pairs.sql), those that lose it, checked as 20_supported_pairs.sql checks every
-- pair: a pair keeps its support while it shares a bucket of at most $max_bodies distinct
-- bodies, and the published bands are read through filters on the buckets and bodies
-- concerned (a bucket's rows matched on the band key alone first, the cheaper probe). The last
-- statement gives the stored pairs that stay.
-- Statements run in order, each into a temporary table that the next ones read (as common table
-- expressions of one query they were planned worse: BENCHMARKS.md, "Increments").
-- Relations: unsettled (left_key, right_key). Parameters: $bands (every body's band keys, this
-- run's included), $pairs (the stored pairs: left_key, right_key, jaccard, containment, run_id),
-- $max_bodies.
CREATE TEMP TABLE suspect_bands AS
SELECT DISTINCT b.body_key, b.band, b.band_key
FROM read_parquet($bands) AS b
SEMI JOIN (SELECT left_key AS body_key FROM unsettled UNION SELECT right_key FROM unsettled) AS s
    ON b.body_key = s.body_key;

CREATE TEMP TABLE shared AS
SELECT s.left_key, s.right_key, l.band, l.band_key
FROM unsettled AS s
JOIN suspect_bands AS l ON l.body_key = s.left_key
JOIN suspect_bands AS r
  ON r.body_key = s.right_key AND r.band = l.band AND r.band_key = l.band_key;

CREATE TEMP TABLE dropped AS
WITH same_key AS (
    SELECT b.body_key, b.band, b.band_key
    FROM read_parquet($bands) AS b
    SEMI JOIN (SELECT DISTINCT band_key FROM shared) AS k ON b.band_key = k.band_key
),
sizes AS (
    SELECT b.band, b.band_key, count(DISTINCT b.body_key) AS bodies
    FROM same_key AS b
    SEMI JOIN shared AS s ON b.band = s.band AND b.band_key = s.band_key
    GROUP BY b.band, b.band_key
)
SELECT left_key, right_key FROM unsettled
EXCEPT
SELECT s.left_key, s.right_key
FROM shared AS s
JOIN sizes AS z ON s.band = z.band AND s.band_key = z.band_key
WHERE z.bodies <= $max_bodies;

SELECT p.left_key, p.right_key, p.jaccard, p.containment, p.run_id
FROM read_parquet($pairs) AS p
ANTI JOIN dropped AS d ON p.left_key = d.left_key AND p.right_key = d.right_key
