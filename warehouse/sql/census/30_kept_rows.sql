-- kept_rows: the previous census rows of the files this run does not process again, to be
-- written into the next snapshot when this run supersedes some of the previous files' paths.
-- Parameters: $previous (census files of the previous snapshot); registered table `processed`.
SELECT c.source_path, c.site, c.story_key, c.line_key, c.name, c.run_id
FROM read_parquet($previous) AS c
ANTI JOIN processed AS p ON c.source_path = p.source_path
