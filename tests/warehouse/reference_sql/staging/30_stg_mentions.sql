-- stg_mentions: entity mentions with their document's publisher and month, one row per
-- (document, kind, entity).
CREATE OR REPLACE VIEW stg_mentions AS
SELECT
    m.doc_id,
    m.kind,
    m.entity,
    m.mentions,
    d.publisher,
    d.published_date,
    d.month,
    d.cluster_id
FROM mentions AS m
JOIN stg_documents AS d USING (doc_id);
