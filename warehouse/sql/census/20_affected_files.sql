-- affected_files: which unchanged files must be parsed again because one of their edge lines
-- became learned chrome of their site or stopped being (a registered table `changed` of site
-- and line_key), or their site's learned name changed (registered `renamed` of site), among
-- the files still present (registered `present`) and not processed by this run (`processed`)?
-- Parameters: $previous (census files of the previous snapshot).
WITH hit AS (
    SELECT c.source_path
    FROM read_parquet($previous) AS c
    SEMI JOIN changed AS k ON c.site = k.site AND c.line_key = k.line_key
    UNION
    SELECT c.source_path
    FROM read_parquet($previous) AS c
    SEMI JOIN renamed AS r ON c.site = r.site
)
SELECT DISTINCT h.source_path
FROM hit AS h
SEMI JOIN present AS n ON h.source_path = n.source_path
ANTI JOIN processed AS p ON h.source_path = p.source_path
ORDER BY h.source_path
