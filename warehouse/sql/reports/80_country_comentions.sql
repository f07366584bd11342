-- Country co-mentions: which pairs of countries are named in the same documents most often
-- (Russia with Myanmar...), each pair once, alphabetically.
WITH pairs AS (
    -- Summed by the countries' numbers first: the names are joined to the few pairs left, not put
    -- in order on every row of the counts.
    SELECT country_number, other_country_number, sum(documents) AS documents
    FROM report_comentions($from, $to, $publisher, $entity)
    GROUP BY country_number, other_country_number
)
SELECT
    -- A pair is stored once, the lower entity number first; the names are put in order here.
    least(country.entity, other.entity) AS country,
    greatest(country.entity, other.entity) AS other_country,
    CAST(pairs.documents AS BIGINT) AS documents
FROM pairs
JOIN entities AS country ON country.entity_number = pairs.country_number
JOIN entities AS other ON other.entity_number = pairs.other_country_number
ORDER BY documents DESC, country, other_country
LIMIT 30;
