-- Top original sources: which outlets ran stories first that others then carried, how far those
-- stories went, and what share of each outlet's output was wire copy, copied from another
-- outlet, its own story, or unclear (story_outlets.role; a story's copies take its outlet's part).
SELECT
    publisher,
    CAST(sum(copies) AS BIGINT) AS documents,
    count(*) FILTER (WHERE outlet_rank = 1) AS first_seen_stories,
    count(*) FILTER (WHERE outlet_rank = 1 AND outlets > 1) AS picked_up,
    round(avg(outlets) FILTER (WHERE outlet_rank = 1), 2) AS mean_outlets_reached,
    round(coalesce(sum(copies) FILTER (WHERE role = 'wire'), 0) / sum(copies), 3)
        AS wire_share,
    round(coalesce(sum(copies) FILTER (WHERE role = 'copied'), 0) / sum(copies), 3)
        AS copied_share,
    round(coalesce(sum(copies) FILTER (WHERE role = 'own'), 0) / sum(copies), 3)
        AS own_share,
    round(coalesce(sum(copies) FILTER (WHERE role = 'unclear'), 0) / sum(copies), 3)
        AS unclear_share
FROM report_story_outlets($from, $to, $publisher, $entity)
GROUP BY publisher
ORDER BY picked_up DESC, first_seen_stories DESC, documents DESC, publisher;
