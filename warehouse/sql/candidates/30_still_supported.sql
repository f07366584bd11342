-- still_supported: 20_supported_pairs.sql for a run that adds bodies to a published set. Every
-- stored pair was supported when its run published it (it shared a bucket of at most
-- $max_bodies bodies), buckets only grow, and only those this run's bodies ($new) fall into grow
-- now. A bucket already over the cap before this run supported no pair, so a pair can lose its
-- support only where it shares a bucket this run pushed over the cap: one holding more than
-- $max_bodies bodies now and at most $max_bodies without those this run brought to it (a new
-- body already published would make that count smaller, so more pairs would be checked, never
-- fewer). Only such pairs are checked again, as 20_supported_pairs.sql checks
-- every pair, and the published bands are read through filters on the buckets and bodies
-- concerned.
-- Statements run in order, each into a temporary table that the next ones read (as common table
-- expressions of one query they were planned worse: BENCHMARKS.md, "Increments"); the last gives
-- the pairs that stay.
-- Parameters: $bands (every body's band keys, this run's included), $new (this run's new
-- bodies'), $pairs (the stored pairs: left_key, right_key, jaccard, containment, run_id),
-- $max_bodies.
CREATE TEMP TABLE grown AS
SELECT b.body_key, b.band, b.band_key
FROM read_parquet($bands) AS b
SEMI JOIN (SELECT DISTINCT band, band_key FROM read_parquet($new)) AS n
    ON b.band = n.band AND b.band_key = n.band_key;

CREATE TEMP TABLE pushed_bodies AS
WITH arrived AS (
    SELECT band, band_key, count(DISTINCT body_key) AS arrived
    FROM read_parquet($new)
    GROUP BY band, band_key
),
pushed AS (
    SELECT g.band, g.band_key
    FROM grown AS g
    JOIN arrived AS a ON g.band = a.band AND g.band_key = a.band_key
    GROUP BY g.band, g.band_key, a.arrived
    HAVING count(DISTINCT g.body_key) > $max_bodies
       AND count(DISTINCT g.body_key) - a.arrived <= $max_bodies
)
SELECT DISTINCT g.body_key, g.band, g.band_key
FROM grown AS g
SEMI JOIN pushed AS c ON g.band = c.band AND g.band_key = c.band_key;

CREATE TEMP TABLE suspect AS
SELECT DISTINCT p.left_key, p.right_key
FROM read_parquet($pairs) AS p
JOIN pushed_bodies AS l ON l.body_key = p.left_key
JOIN pushed_bodies AS r
  ON r.body_key = p.right_key AND r.band = l.band AND r.band_key = l.band_key;

CREATE TEMP TABLE suspect_bands AS
SELECT DISTINCT b.body_key, b.band, b.band_key
FROM read_parquet($bands) AS b
SEMI JOIN (SELECT left_key AS body_key FROM suspect UNION SELECT right_key FROM suspect) AS s
    ON b.body_key = s.body_key;

CREATE TEMP TABLE shared AS
SELECT s.left_key, s.right_key, l.band, l.band_key
FROM suspect AS s
JOIN suspect_bands AS l ON l.body_key = s.left_key
JOIN suspect_bands AS r
  ON r.body_key = s.right_key AND r.band = l.band AND r.band_key = l.band_key;

CREATE TEMP TABLE dropped AS
WITH sizes AS (
    SELECT b.band, b.band_key, count(DISTINCT b.body_key) AS bodies
    FROM read_parquet($bands) AS b
    SEMI JOIN shared AS s ON b.band = s.band AND b.band_key = s.band_key
    GROUP BY b.band, b.band_key
)
SELECT left_key, right_key FROM suspect
EXCEPT
SELECT s.left_key, s.right_key
FROM shared AS s
JOIN sizes AS z ON s.band = z.band AND s.band_key = z.band_key
WHERE z.bodies <= $max_bodies;

SELECT p.left_key, p.right_key, p.jaccard, p.containment, p.run_id
FROM read_parquet($pairs) AS p
ANTI JOIN dropped AS d ON p.left_key = d.left_key AND p.right_key = d.right_key
