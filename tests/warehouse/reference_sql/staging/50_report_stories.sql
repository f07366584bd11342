-- report_stories: the stories a report looks at, for the report filters (see report_documents).
-- A story is in when one of its copies is; its outlets and copies count all of its copies, so a
-- publisher's stories show how widely others carried them too.
CREATE OR REPLACE MACRO report_stories(date_from, date_to, publisher_name, entity_name) AS TABLE
SELECT s.*
FROM stg_stories AS s
WHERE s.cluster_id IN (
    SELECT cluster_id FROM report_documents(date_from, date_to, publisher_name, entity_name)
);
