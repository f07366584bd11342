-- outlet_pairs: who copies whom. Per ordered pair of outlets and lag in days, the stories the
-- follower ran that many days after the leader had run them (each outlet on the first day it ran
-- the story, as story_outlets has it). Copies of the same day are not ordered either way, and an
-- undated copy is in no pair; `unknown` is no outlet: pages whose publisher is not known may be
-- many sites.
SELECT
    leader.publisher AS leader,
    follower.publisher AS follower,
    CAST(follower.first_seen - leader.first_seen AS INTEGER) AS lag_days,
    count(*) AS stories
FROM story_outlets AS leader
JOIN story_outlets AS follower
    ON follower.cluster_number = leader.cluster_number
    AND follower.first_seen > leader.first_seen
WHERE leader.publisher <> 'unknown' AND follower.publisher <> 'unknown'
GROUP BY ALL
ORDER BY leader, follower, lag_days
