-- report_syndicated_stories, report_story_outlets: the rows of `stories` and of `story_outlets`
-- a report looks at, for the report filters: the stories report_stories takes in (a story is in
-- when one of its copies is), looked up from the documents in directly rather than through
-- story_stats. Without filters, the tables whole: no lookup of the documents.
CREATE OR REPLACE MACRO report_syndicated_stories(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT s.*
FROM stories AS s
WHERE report_unfiltered(date_from, date_to, publisher_name, entity_name)
UNION ALL
SELECT s.*
FROM stories AS s
WHERE NOT report_unfiltered(date_from, date_to, publisher_name, entity_name)
  AND s.cluster_number IN (
      SELECT cluster_number FROM report_documents(date_from, date_to, publisher_name, entity_name)
  );

CREATE OR REPLACE MACRO report_story_outlets(date_from, date_to, publisher_name, entity_name)
AS TABLE
SELECT o.*
FROM story_outlets AS o
WHERE report_unfiltered(date_from, date_to, publisher_name, entity_name)
UNION ALL
SELECT o.*
FROM story_outlets AS o
WHERE NOT report_unfiltered(date_from, date_to, publisher_name, entity_name)
  AND o.cluster_number IN (
      SELECT cluster_number FROM report_documents(date_from, date_to, publisher_name, entity_name)
  );
