-- warehouse.dim_place: the gazetteer (ref.places) plus one row for every place_id that claims,
-- figures, PLACE mentions or the baseline use but the gazetteer lacks (normally the
-- `unresolved:<name>` ids), so every place_id in the warehouse joins to a row here.
CREATE OR REPLACE TABLE warehouse.dim_place AS
WITH surface AS (
    SELECT entity_id AS place_id, text AS surface
    FROM nlp.entity_mentions
    WHERE label = 'PLACE' AND entity_id IS NOT NULL
    UNION ALL
    SELECT place_id, place_text FROM nlp.claims WHERE place_id IS NOT NULL
),
used AS (
    SELECT place_id FROM surface
    UNION SELECT place_id FROM nlp.figures WHERE place_id IS NOT NULL
    UNION SELECT place_id FROM ref.baseline_control WHERE place_id IS NOT NULL
),
missing AS (
    SELECT u.place_id FROM used AS u ANTI JOIN ref.places AS p USING (place_id)
),
surface_counts AS (
    SELECT place_id, trim(surface) AS surface, count(*) AS n
    FROM surface
    WHERE nullif(trim(surface), '') IS NOT NULL
    GROUP BY ALL
),
names AS (
    SELECT
        place_id,
        -- the most frequent spelling; a tie goes to the alphabetically first, for a stable build
        first(surface ORDER BY n DESC, surface) AS name,
        list(surface ORDER BY surface) AS aliases
    FROM surface_counts
    GROUP BY place_id
)
SELECT
    p.place_id,
    -- Admin units share their seat's name ("Hama" the city, the district and the governorate);
    -- the unit is spelled out so a name picks one row in SQL, maps and timelines.
    CASE
        WHEN p.feature_type IN ('governorate', 'district', 'subdistrict')
             AND NOT contains(lower(p.name), p.feature_type)
        THEN p.name || ' ' || upper(p.feature_type[1]) || p.feature_type[2:]
        ELSE p.name
    END AS name,
    p.feature_type, p.governorate, p.district, p.lat, p.lon,
    p.geonames_id, p.aliases, TRUE AS is_resolved
FROM ref.places AS p
UNION ALL
SELECT
    m.place_id,
    coalesce(n.name, regexp_replace(m.place_id, '^unresolved:', '')) AS name,
    NULL::VARCHAR AS feature_type,
    NULL::VARCHAR AS governorate,
    NULL::VARCHAR AS district,
    NULL::DOUBLE AS lat,
    NULL::DOUBLE AS lon,
    NULL AS geonames_id,
    coalesce(n.aliases, []::VARCHAR[]) AS aliases,
    FALSE AS is_resolved
FROM missing AS m
LEFT JOIN names AS n USING (place_id)
ORDER BY is_resolved DESC, place_id;
