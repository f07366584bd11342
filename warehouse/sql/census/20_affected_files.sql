-- affected_files: which unchanged files must be parsed again because one of their edge lines
-- became learned chrome or stopped being (a registered table `changed` of line_key), among the
-- files still present (registered `present`) and not processed by this run (`processed`)?
-- Parameters: $previous (census files of the previous snapshot).
SELECT DISTINCT c.source_path
FROM read_parquet($previous) AS c
SEMI JOIN changed AS k ON c.line_key = k.line_key
SEMI JOIN present AS n ON c.source_path = n.source_path
ANTI JOIN processed AS p ON c.source_path = p.source_path
ORDER BY c.source_path
