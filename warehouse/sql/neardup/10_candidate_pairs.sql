-- candidate_pairs: which bodies share an LSH band key with a body new in this run, each pair
-- once (left_key < right_key), in no particular order. Bodies are keyed by content hash, so
-- exact copies are one body here.
-- DuckDB joins the band keys and spills to disk when they do not fit in memory.
-- Parameters: $old (Parquet files of published bodies: body_key, band, band_key; when there are
-- none, the new files again with $old_is_new true), $new (this run's new bodies).
WITH new_bands AS (
    SELECT DISTINCT body_key, band, band_key FROM read_parquet($new)
),
all_bands AS (
    SELECT body_key, band, band_key FROM new_bands
    UNION
    SELECT body_key, band, band_key FROM read_parquet($old) WHERE NOT $old_is_new
)
SELECT DISTINCT
    least(n.body_key, o.body_key) AS left_key,
    greatest(n.body_key, o.body_key) AS right_key
FROM new_bands AS n
JOIN all_bands AS o
  ON n.band = o.band AND n.band_key = o.band_key AND n.body_key <> o.body_key
