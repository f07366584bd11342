-- story_outlets: one row per story and outlet that carried it (stg_wire_documents): its copies,
-- the day it first ran one (null when all its copies are undated), its days after the story was
-- first seen, its place in the order outlets ran the story, and the part it played:
--   wire     the story is a wire's (stories.agency) and the outlet is not that wire;
--   own      it ran the story first, and no other outlet ran it that day;
--   copied   it ran the story on a later day than another outlet;
--   unclear  it ran it the same day as the first outlet, or undated beside other outlets.
-- Outlets are ordered by their first day (undated last), then the one holding the canonical
-- document (the fullest version of that day), then by name: the first is the story's first-seen
-- outlet. The story's agency is the one most of its copies credit; between agencies credited
-- equally, the one credited first, then by name.
WITH by_outlet AS (
    SELECT
        cluster_id,
        publisher,
        count(*) AS copies,
        min(seen_by) AS first_seen,
        max(seen_by) AS last_seen,
        bool_or(is_canonical) AS has_canonical,
        any_value(doc_id) FILTER (WHERE is_canonical) AS canonical_doc_id,
        any_value(title) FILTER (WHERE is_canonical) AS title
    FROM stg_wire_documents
    GROUP BY cluster_id, publisher
),
votes AS (
    SELECT cluster_id, agency, count(*) AS documents, min(seen_by) AS first_seen
    FROM stg_wire_documents
    WHERE agency IS NOT NULL
    GROUP BY cluster_id, agency
),
story_agency AS (
    SELECT cluster_id, agency, documents AS agency_documents
    FROM votes
    QUALIFY row_number() OVER (
        PARTITION BY cluster_id ORDER BY documents DESC, first_seen NULLS LAST, agency
    ) = 1
),
ordered AS (
    SELECT
        o.*,
        CAST(row_number() OVER (
            PARTITION BY o.cluster_id
            ORDER BY o.first_seen NULLS LAST, o.has_canonical DESC, o.publisher
        ) AS INTEGER) AS outlet_rank,
        min(o.first_seen) OVER (PARTITION BY o.cluster_id) AS story_first_seen,
        count(*) OVER (PARTITION BY o.cluster_id) AS outlets
    FROM by_outlet AS o
),
placed AS (
    SELECT
        o.*,
        count(*) FILTER (WHERE o.first_seen = o.story_first_seen)
            OVER (PARTITION BY o.cluster_id) AS first_day_outlets
    FROM ordered AS o
)
SELECT
    s.cluster_number,
    p.cluster_id,
    p.publisher,
    p.outlet_rank,
    p.copies,
    p.first_seen,
    p.last_seen,
    CAST(p.first_seen - p.story_first_seen AS INTEGER) AS lag_days,
    CASE
        WHEN a.agency IS NOT NULL AND wire_agency(p.publisher) IS DISTINCT FROM a.agency
            THEN 'wire'
        WHEN p.outlet_rank = 1 AND (p.outlets = 1 OR p.first_day_outlets = 1) THEN 'own'
        WHEN p.first_seen > p.story_first_seen THEN 'copied'
        ELSE 'unclear'
    END AS role,
    a.agency,
    CAST(coalesce(a.agency_documents, 0) AS INTEGER) AS agency_documents,
    CAST(p.first_day_outlets AS INTEGER) AS first_day_outlets,
    p.outlets,
    coalesce(strftime(p.story_first_seen, '%Y-%m'), 'undated') AS month,
    p.canonical_doc_id,
    p.title
FROM placed AS p
LEFT JOIN story_agency AS a USING (cluster_id)
JOIN story_numbers AS s USING (cluster_id)
-- One file per month the story was first seen in (aggregates.STORY_TABLES): months in order as
-- numbers, cheaper to sort than their names.
ORDER BY year(p.story_first_seen) * 12 + month(p.story_first_seen) NULLS LAST, cluster_number, p.outlet_rank
