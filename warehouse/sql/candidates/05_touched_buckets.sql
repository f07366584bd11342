-- touched_buckets: every row (body_key, band, band_key) of the LSH band buckets that the bodies
-- new in this run fall into, the published bodies' and the new ones', each row once. It is all a
-- run adding few bodies needs of the published band keys, read in one pass: its candidate pairs
-- (10_candidate_pairs.sql) and the stored pairs whose support it may take (30_unsettled_pairs.sql)
-- are computed from these rows.
-- The published rows are matched on the band key alone first, then on the whole bucket: a join
-- on one column is the cheaper probe of tens of millions of rows, and it keeps few of them.
-- Parameters: $old (Parquet files of published bodies: body_key, band, band_key), $new (this
-- run's new bodies, same columns).
WITH new_bands AS (
    SELECT DISTINCT body_key, band, band_key FROM read_parquet($new)
),
new_buckets AS (
    SELECT DISTINCT band, band_key FROM new_bands
),
same_key AS (
    SELECT o.body_key, o.band, o.band_key
    FROM read_parquet($old) AS o
    SEMI JOIN (SELECT DISTINCT band_key FROM new_buckets) AS k ON o.band_key = k.band_key
)
SELECT body_key, band, band_key FROM new_bands
UNION
SELECT o.body_key, o.band, o.band_key
FROM same_key AS o
SEMI JOIN new_buckets AS b ON o.band = b.band AND o.band_key = b.band_key
