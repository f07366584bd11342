-- Country co-mentions: which pairs of countries are named in the same documents most often
-- (Russia with Myanmar...), each pair once, alphabetically.
SELECT
    -- A pair is stored once, the lower entity number first; the names are put in order here.
    least(country.entity, other.entity) AS country,
    greatest(country.entity, other.entity) AS other_country,
    CAST(sum(pairs.documents) AS BIGINT) AS documents
FROM report_comentions($from, $to, $publisher, $entity) AS pairs
JOIN entities AS country ON country.entity_number = pairs.country_number
JOIN entities AS other ON other.entity_number = pairs.other_country_number
GROUP BY ALL
ORDER BY documents DESC, country, other_country
LIMIT 30;
