-- stg_stories: one row per story (cluster of copies) with how many outlets carried it, as
-- story_stats counted them at publish from the documents themselves.
CREATE OR REPLACE VIEW stg_stories AS
SELECT cluster_id, title, copies, outlets, first_date, last_date
FROM story_stats;
