-- touched_buckets: every row (body_key, band, band_key) of the LSH band buckets that the bodies
-- new in this run fall into, the published bodies' and the new ones', each row once (`member`).
-- It is all a run adding few bodies needs of the published band keys, read in one pass: its
-- candidate pairs (10_candidate_pairs.sql) and the stored pairs whose support it may take
-- (30_unsettled_pairs.sql) are computed from these rows.
-- In the opening bands (from $first_opening on), rows whose key agrees with a new body's in its
-- low 32 bits come too (`member` false when the whole key differs): the screen compares opening
-- keys on those bits, so these rows are all it needs of the published opening keys.
-- The published rows are matched on the probed key alone first, then with their band: a join on
-- one column is the cheaper probe of tens of millions of rows, and it keeps few of them.
-- Parameters: $old (Parquet files of published bodies: body_key, band, band_key), $new (this
-- run's new bodies, same columns), $first_opening (the first opening band; NULL: none).
WITH new_bands AS (
    SELECT DISTINCT body_key, band, band_key FROM read_parquet($new)
),
probes AS (
    SELECT DISTINCT
        band,
        CASE WHEN band >= $first_opening THEN band_key & 4294967295 ELSE band_key END AS probe
    FROM new_bands
),
same_probe AS (
    SELECT
        o.body_key,
        o.band,
        o.band_key,
        CASE WHEN o.band >= $first_opening THEN o.band_key & 4294967295 ELSE o.band_key END
            AS probe
    FROM read_parquet($old) AS o
    SEMI JOIN (SELECT DISTINCT probe FROM probes) AS k
        ON CASE WHEN o.band >= $first_opening THEN o.band_key & 4294967295 ELSE o.band_key END
            = k.probe
),
found AS (
    SELECT body_key, band, band_key FROM new_bands
    UNION
    SELECT o.body_key, o.band, o.band_key
    FROM same_probe AS o
    SEMI JOIN probes AS p ON o.band = p.band AND o.probe = p.probe
)
SELECT f.body_key, f.band, f.band_key, b.band IS NOT NULL AS member
FROM found AS f
LEFT JOIN (SELECT DISTINCT band, band_key FROM new_bands) AS b
    ON f.band = b.band AND f.band_key = b.band_key
