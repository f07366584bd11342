-- candidate_pairs: which bodies share an LSH band bucket with a body new in this run, each pair
-- once (left_key < right_key), in no particular order. Bodies are keyed by content hash, so
-- exact copies are one body here.
-- A bucket (band, band_key) holding more than $max_bodies distinct bodies, counted over all
-- bodies old and new, is stock text (a phrase every few articles use fills the band's rows), not
-- evidence of a copy: it yields no pairs. This keeps the candidates linear in the corpus.
-- DuckDB joins the band keys and spills to disk when they do not fit in memory.
-- Parameters: $old (Parquet files of published bodies: body_key, band, band_key; when there are
-- none, the new files again with $old_is_new true), $new (this run's new bodies), $max_bodies.
WITH new_bands AS (
    SELECT DISTINCT body_key, band, band_key FROM read_parquet($new)
),
all_bands AS (
    SELECT body_key, band, band_key FROM new_bands
    UNION
    SELECT body_key, band, band_key FROM read_parquet($old) WHERE NOT $old_is_new
),
touched AS (
    SELECT a.band, a.band_key
    FROM all_bands AS a
    SEMI JOIN new_bands AS n ON a.band = n.band AND a.band_key = n.band_key
    GROUP BY a.band, a.band_key
    HAVING count(*) BETWEEN 2 AND $max_bodies
)
SELECT DISTINCT
    least(n.body_key, o.body_key) AS left_key,
    greatest(n.body_key, o.body_key) AS right_key
FROM new_bands AS n
SEMI JOIN touched AS t ON n.band = t.band AND n.band_key = t.band_key
JOIN all_bands AS o
  ON n.band = o.band AND n.band_key = o.band_key AND n.body_key <> o.body_key
