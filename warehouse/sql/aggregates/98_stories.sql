-- stories: one row per story (cluster of copies) and how it spread: the wire that wrote it, when
-- and where it was first seen, how many outlets and copies carried it, over how many days, and
-- how long it took to reach 2, 5 and 10 outlets (from story_outlets, whose rules say which day a
-- copy counts on and which outlet was first).
SELECT
    cluster_number,
    any_value(cluster_id) AS cluster_id,
    any_value(title) FILTER (WHERE canonical_doc_id IS NOT NULL) AS title,
    any_value(canonical_doc_id) FILTER (WHERE canonical_doc_id IS NOT NULL) AS canonical_doc_id,
    any_value(agency) AS agency,
    any_value(agency_documents) AS agency_documents,
    any_value(first_seen) FILTER (WHERE outlet_rank = 1) AS first_seen_date,
    any_value(publisher) FILTER (WHERE outlet_rank = 1) AS first_seen_publisher,
    any_value(first_day_outlets) AS first_day_outlets,
    count(*) AS outlets,
    sum(copies) AS copies,
    max(last_seen) AS last_seen_date,
    CAST(max(last_seen) - min(first_seen) AS INTEGER) AS spread_days,
    any_value(lag_days) FILTER (WHERE outlet_rank = 2) AS days_to_2_outlets,
    any_value(lag_days) FILTER (WHERE outlet_rank = 5) AS days_to_5_outlets,
    any_value(lag_days) FILTER (WHERE outlet_rank = 10) AS days_to_10_outlets,
    coalesce(strftime(min(first_seen), '%Y-%m'), 'undated') AS month
FROM story_outlets
GROUP BY cluster_number
-- One file per month the story was first seen in (aggregates.STORY_TABLES).
ORDER BY month, cluster_number
