-- Quarantine by reason: which files did not become documents, and why. Quarantined files have no
-- date, publisher or entities, so the report filters do not apply to them.
SELECT
    reason,
    count(*) AS files,
    coalesce(sum(bytes), 0) AS bytes,
    any_value(source_path ORDER BY source_path) AS example
FROM quarantine
GROUP BY reason
ORDER BY files DESC, reason;
