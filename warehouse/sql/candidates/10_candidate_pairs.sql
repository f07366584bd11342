-- candidate_pairs of a run adding few bodies to a published set (warehouse/candidates.py picks
-- this or the numpy sorts of every band): which bodies share an LSH band bucket with a body new
-- in this run, each pair once (left_key < right_key), in ascending order. Bodies are keyed by
-- content hash, so exact copies are one body here.
-- A bucket (band, band_key) holding more than $max_bodies distinct bodies, counted over all
-- bodies old and new, is stock text (a phrase every few articles use fills the band's rows), not
-- evidence of a copy: it yields no pairs. This keeps the candidates linear in the corpus.
-- Only the buckets of new bodies matter: the published bodies are read through a semi join on
-- them, so a run adding 1% of the bodies groups the rows of their buckets, not every body's.
-- DuckDB spills to disk what does not fit in memory.
-- Parameters: $old (Parquet files of published bodies: body_key, band, band_key), $new (this
-- run's new bodies, same columns), $max_bodies.
WITH new_bands AS (
    SELECT DISTINCT body_key, band, band_key FROM read_parquet($new)
),
new_buckets AS (
    SELECT DISTINCT band, band_key FROM new_bands
),
members AS (
    SELECT body_key, band, band_key FROM new_bands
    UNION
    SELECT o.body_key, o.band, o.band_key
    FROM read_parquet($old) AS o
    SEMI JOIN new_buckets AS b ON o.band = b.band AND o.band_key = b.band_key
),
touched AS (
    SELECT band, band_key
    FROM members
    GROUP BY band, band_key
    HAVING count(*) BETWEEN 2 AND $max_bodies
)
SELECT DISTINCT
    least(n.body_key, o.body_key) AS left_key,
    greatest(n.body_key, o.body_key) AS right_key
FROM new_bands AS n
SEMI JOIN touched AS t ON n.band = t.band AND n.band_key = t.band_key
JOIN members AS o
  ON n.band = o.band AND n.band_key = o.band_key AND n.body_key <> o.body_key
ORDER BY left_key, right_key
