-- supported_pairs: the copy pairs found by earlier runs that are still candidates, that is,
-- still share a band bucket of at most $max_bodies distinct bodies. Buckets only grow as bodies
-- arrive, so a pair found while its bucket was small loses its support once every bucket it
-- shares holds too many bodies; dropping it makes runs day by day equal one run over everything
-- (which never sees the pair as a candidate).
-- Parameters: $bands (Parquet files of every body's band keys), $pairs (Parquet files of the
-- pairs: left_key, right_key, jaccard, containment, run_id), $max_bodies.
WITH bands AS (
    SELECT DISTINCT body_key, band, band_key FROM read_parquet($bands)
),
pairs AS (
    SELECT left_key, right_key, jaccard, containment, run_id FROM read_parquet($pairs)
),
shared AS (
    SELECT p.left_key, p.right_key, l.band, l.band_key
    FROM pairs AS p
    JOIN bands AS l ON l.body_key = p.left_key
    JOIN bands AS r
      ON r.body_key = p.right_key AND r.band = l.band AND r.band_key = l.band_key
),
sizes AS (
    SELECT b.band, b.band_key, count(*) AS bodies
    FROM bands AS b
    SEMI JOIN shared AS s ON b.band = s.band AND b.band_key = s.band_key
    GROUP BY b.band, b.band_key
),
supported AS (
    SELECT DISTINCT s.left_key, s.right_key
    FROM shared AS s
    JOIN sizes AS z ON s.band = z.band AND s.band_key = z.band_key
    WHERE z.bodies <= $max_bodies
)
SELECT p.left_key, p.right_key, p.jaccard, p.containment, p.run_id
FROM pairs AS p
SEMI JOIN supported AS s ON p.left_key = s.left_key AND p.right_key = s.right_key
