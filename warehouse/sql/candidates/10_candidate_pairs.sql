-- candidate_pairs of a run adding few bodies to a published set (warehouse/candidates.py picks
-- this or the numpy sorts of every band): which bodies share an LSH band bucket with a body new
-- in this run, each pair once (left_key < right_key), in ascending order. Bodies are keyed by
-- content hash, so exact copies are one body here.
-- A bucket (band, band_key) holding more than $max_bodies distinct bodies, counted over all
-- bodies old and new, is stock text (a phrase every few articles use fills the band's rows), not
-- evidence of a copy: it yields no pairs. This keeps the candidates linear in the corpus.
-- The new rows are cut to the buckets that yield pairs before they are joined (materialised,
-- so that the planner keeps that order): a stock bucket's rows joined first multiply.
-- Only the buckets of new bodies matter: `members` holds their rows, old and new, each once
-- (05_touched_buckets.sql), so a run adding 1% of the bodies groups the rows of their buckets,
-- not every body's.
-- Relations: members (05_touched_buckets.sql), new_bands (this run's new bodies' rows:
-- body_key, band, band_key). Parameters: $max_bodies.
WITH touched AS (
    SELECT band, band_key
    FROM members
    GROUP BY band, band_key
    HAVING count(*) BETWEEN 2 AND $max_bodies
),
new_in_touched AS MATERIALIZED (
    SELECT n.body_key, n.band, n.band_key
    FROM new_bands AS n
    SEMI JOIN touched AS t ON n.band = t.band AND n.band_key = t.band_key
)
SELECT DISTINCT
    least(n.body_key, o.body_key) AS left_key,
    greatest(n.body_key, o.body_key) AS right_key
FROM new_in_touched AS n
JOIN members AS o
  ON n.band = o.band AND n.band_key = o.band_key AND n.body_key <> o.body_key
ORDER BY left_key, right_key
