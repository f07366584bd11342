-- report_stories: the stories a report looks at, for the report filters (see report_documents).
-- A story is in when one of its copies is; its outlets and copies count all of its copies, so a
-- publisher's stories show how widely others carried them too. Without filters, every story.
CREATE OR REPLACE MACRO report_stories(date_from, date_to, publisher_name, entity_name) AS TABLE
SELECT s.*
FROM story_stats AS s
WHERE report_unfiltered(date_from, date_to, publisher_name, entity_name)
UNION ALL
SELECT s.*
FROM story_stats AS s
WHERE NOT report_unfiltered(date_from, date_to, publisher_name, entity_name)
  AND s.cluster_number IN (
      SELECT cluster_number FROM report_documents(date_from, date_to, publisher_name, entity_name)
  );
