-- warehouse.control_claims: one row per claim that can be placed on the calendar, with its
-- evidence text and the article/publisher it counts for. Left out (they stay in nlp.claims):
--   * historical claims (is_historical: background such as "rebels held Hama in 2012");
--   * claims without place_id or event_date: without both a claim has no (place, day) cell;
--   * claims without an event.
-- A copy's claim keeps its own article_id but counts for canonical_article_id / publisher_key.
-- Claims about areas (a country, governorate, district, subdistrict, region or plain: "rebels
-- secured northern Hama countryside") are kept, but an area is never held as one unit, so they do
-- not set control_daily states (supports_control is false; is_area says why).
CREATE OR REPLACE TABLE warehouse.control_claims AS
WITH c AS (
    SELECT
        c.*,
        coalesce(nullif(lower(trim(c.side)), ''), 'unknown') AS side_norm,
        coalesce(nullif(lower(trim(c.certainty)), ''), 'asserted') AS certainty_norm
    FROM nlp.claims AS c
    WHERE NOT coalesce(c.is_historical, FALSE)
      AND c.place_id IS NOT NULL
      AND c.event_date IS NOT NULL
      AND c.event IS NOT NULL
)
SELECT
    c.claim_id,
    md5(concat_ws('|', c.place_id, strftime(c.event_date, '%Y-%m-%d'), c.event, c.side_norm))
        AS event_id,
    c.place_id,
    c.event_date,
    c.event,
    c.side_norm AS side,
    c.certainty_norm AS certainty,
    warehouse.certainty_rank(c.certainty_norm) AS certainty_rank,
    warehouse.supports_control(c.certainty_norm) AND NOT coalesce(p.is_area, FALSE) AS supports_control,
    coalesce(p.is_area, FALSE) AS is_area,
    c.actor_id,
    c.actor_text,
    c.place_text,
    c.date_text,
    c.date_precision,
    c.attribution_text,
    c.extractor,
    c.article_id,
    coalesce(a.canonical_article_id, c.article_id) AS canonical_article_id,
    coalesce(a.is_copy, FALSE) AS is_copy,
    a.canonical_publisher AS publisher,
    coalesce(a.publisher_key, warehouse.publisher_key(NULL)) AS publisher_key,
    a.published_date,
    a.url,
    c.sentence_id,
    c.start_char,
    c.end_char,
    s.text AS sentence_text,
    substr(b.body_text, c.start_char + 1, c.end_char - c.start_char) AS evidence_text
FROM c
LEFT JOIN warehouse.dim_article AS a USING (article_id)
LEFT JOIN (
    SELECT place_id,
           feature_type IN ('country', 'governorate', 'district', 'subdistrict', 'region', 'plain') AS is_area
    FROM warehouse.dim_place
) AS p ON p.place_id = c.place_id
LEFT JOIN clean.articles AS b USING (article_id)
LEFT JOIN clean.sentences AS s
    ON s.article_id = c.article_id AND s.sentence_id = c.sentence_id
ORDER BY c.place_id, c.event_date, c.event, c.side_norm, c.claim_id;
