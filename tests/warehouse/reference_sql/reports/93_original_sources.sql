-- Top original sources: which outlets ran stories first that others then carried, how far those
-- stories went, and what share of each outlet's output was wire copy, copied from another
-- outlet, its own story, or unclear (story_outlets.role; a story's copies take its outlet's part).
WITH chosen AS (
    SELECT * FROM ref_story_outlets
    WHERE cluster_id IN (SELECT cluster_id FROM report_stories($from, $to, $publisher, $entity))
)
SELECT
    publisher,
    CAST(sum(copies) AS BIGINT) AS documents,
    count(*) FILTER (WHERE outlet_rank = 1) AS first_seen_stories,
    count(*) FILTER (WHERE outlet_rank = 1 AND outlets > 1) AS picked_up,
    round(avg(outlets) FILTER (WHERE outlet_rank = 1), 2) AS mean_outlets_reached,
    round(sum(CASE WHEN role = 'wire' THEN copies ELSE 0 END) / sum(copies), 3) AS wire_share,
    round(sum(CASE WHEN role = 'copied' THEN copies ELSE 0 END) / sum(copies), 3) AS copied_share,
    round(sum(CASE WHEN role = 'own' THEN copies ELSE 0 END) / sum(copies), 3) AS own_share,
    round(sum(CASE WHEN role = 'unclear' THEN copies ELSE 0 END) / sum(copies), 3)
        AS unclear_share
FROM chosen
GROUP BY publisher
ORDER BY picked_up DESC, first_seen_stories DESC, documents DESC, publisher;
