-- ref_story_outlets: the outlets of each story as the syndication reports define them, counted
-- straight from the documents (stg_wire_documents), with joins and ordered aggregates where the
-- report tables use window functions. A table: its documents do not change in a test.
CREATE OR REPLACE TABLE ref_story_outlets AS
WITH outlet AS (
    SELECT
        cluster_id,
        publisher,
        count(*) AS copies,
        min(seen_by) AS first_seen,
        max(seen_by) AS last_seen,
        max(CAST(is_canonical AS INTEGER)) AS holds_canonical
    FROM stg_wire_documents
    GROUP BY cluster_id, publisher
),
credited AS (
    SELECT cluster_id, agency, count(*) AS documents, min(seen_by) AS first_credit
    FROM stg_wire_documents
    WHERE agency IS NOT NULL
    GROUP BY cluster_id, agency
),
wire AS (
    SELECT
        cluster_id,
        first(agency ORDER BY documents DESC, first_credit NULLS LAST, agency) AS agency,
        max(documents) AS agency_documents
    FROM credited
    GROUP BY cluster_id
),
story AS (
    SELECT
        cluster_id,
        min(first_seen) AS first_seen,
        count(*) AS outlets,
        first(publisher ORDER BY first_seen NULLS LAST, holds_canonical DESC, publisher)
            AS first_publisher
    FROM outlet
    GROUP BY cluster_id
),
first_day AS (
    SELECT s.cluster_id, count(o.publisher) AS first_day_outlets
    FROM story AS s
    LEFT JOIN outlet AS o ON o.cluster_id = s.cluster_id AND o.first_seen = s.first_seen
    GROUP BY s.cluster_id
),
ranked AS (
    -- An outlet's rank: 1 + the outlets of its story that ran it before it (undated last, then
    -- the one holding the canonical document, then by name).
    SELECT o.cluster_id, o.publisher, 1 + count(other.publisher) AS outlet_rank
    FROM outlet AS o
    LEFT JOIN outlet AS other
        ON other.cluster_id = o.cluster_id
        AND (
            (other.first_seen IS NOT NULL AND o.first_seen IS NULL)
            OR other.first_seen < o.first_seen
            OR (
                other.first_seen IS NOT DISTINCT FROM o.first_seen
                AND (
                    other.holds_canonical > o.holds_canonical
                    OR (
                        other.holds_canonical = o.holds_canonical
                        AND other.publisher < o.publisher
                    )
                )
            )
        )
    GROUP BY o.cluster_id, o.publisher
)
SELECT
    o.*,
    s.first_seen AS story_first_seen,
    s.outlets,
    w.agency,
    coalesce(w.agency_documents, 0) AS agency_documents,
    s.first_publisher,
    f.first_day_outlets,
    r.outlet_rank,
    CASE
        WHEN w.agency IS NOT NULL AND coalesce(wire_agency(o.publisher), '') <> w.agency
            THEN 'wire'
        WHEN o.publisher = s.first_publisher AND (s.outlets = 1 OR f.first_day_outlets = 1)
            THEN 'own'
        WHEN o.first_seen > s.first_seen THEN 'copied'
        ELSE 'unclear'
    END AS role
FROM outlet AS o
JOIN story AS s USING (cluster_id)
JOIN first_day AS f USING (cluster_id)
JOIN ranked AS r USING (cluster_id, publisher)
LEFT JOIN wire AS w USING (cluster_id);

-- ref_stories: one row per story and how it spread, from ref_story_outlets.
CREATE OR REPLACE TABLE ref_stories AS
SELECT
    cluster_id,
    any_value(agency) AS agency,
    min(first_seen) AS first_seen_date,
    any_value(first_publisher) AS first_seen_publisher,
    count(*) AS outlets,
    sum(copies) AS copies,
    max(last_seen) - min(first_seen) AS spread_days,
    list(first_seen - story_first_seen ORDER BY outlet_rank)[2] AS days_to_2_outlets,
    list(first_seen - story_first_seen ORDER BY outlet_rank)[5] AS days_to_5_outlets,
    list(first_seen - story_first_seen ORDER BY outlet_rank)[10] AS days_to_10_outlets,
    coalesce(strftime(min(first_seen), '%Y-%m'), 'undated') AS month
FROM ref_story_outlets
GROUP BY cluster_id;
