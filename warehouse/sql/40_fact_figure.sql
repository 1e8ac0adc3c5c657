-- warehouse.fact_figure: one row per distinct reported figure, i.e. per (metric, side, place_id,
-- event_date, is_historical) across articles. NULL place_id / event_date group together (GROUP BY
-- treats NULLs as one value); a NULL side is 'unknown'. Historical figures ("in 2016 ...") form
-- their own rows. Hypothetical, negated and denied figures ("could displace a million") are not
-- reported figures and stay only in nlp.figures. Copies count for their original.
CREATE OR REPLACE TABLE warehouse.fact_figure AS
WITH f AS (
    SELECT
        f.*,
        coalesce(nullif(lower(trim(f.side)), ''), 'unknown') AS side_norm,
        coalesce(f.is_historical, FALSE) AS hist,
        coalesce(nullif(lower(trim(f.certainty)), ''), 'asserted') AS certainty_norm,
        coalesce(a.canonical_article_id, f.article_id) AS canonical_article_id,
        coalesce(a.publisher_key, warehouse.publisher_key(NULL)) AS publisher_key
    FROM nlp.figures AS f
    LEFT JOIN warehouse.dim_article AS a USING (article_id)
    WHERE f.metric IS NOT NULL
      AND coalesce(nullif(lower(trim(f.certainty)), ''), 'asserted')
          NOT IN ('hypothetical', 'negated', 'denied')
)
SELECT
    md5(concat_ws('|', metric, side_norm, coalesce(place_id, ''),
                  coalesce(strftime(event_date, '%Y-%m-%d'), ''), CAST(hist AS VARCHAR)))
        AS figure_key,
    metric,
    side_norm AS side,
    place_id,
    event_date,
    hist AS is_historical,
    min(value_low) AS value_low,
    median(value_best) AS value_best,
    max(value_high) AS value_high,
    warehouse.certainty_label(min(warehouse.certainty_rank(certainty_norm))) AS certainty,
    count(*) AS n_figures,
    count(DISTINCT canonical_article_id) AS n_articles,
    count(DISTINCT publisher_key) AS n_publishers,
    list(figure_id ORDER BY figure_id) AS figure_ids,
    list(DISTINCT canonical_article_id ORDER BY canonical_article_id) AS article_ids,
    list(DISTINCT publisher_key ORDER BY publisher_key) AS publishers,
    list(DISTINCT qualifier ORDER BY qualifier) FILTER (WHERE qualifier IS NOT NULL) AS qualifiers,
    list(DISTINCT unit ORDER BY unit) FILTER (WHERE unit IS NOT NULL) AS units
FROM f
GROUP BY metric, side_norm, place_id, event_date, hist
ORDER BY metric, side, place_id NULLS LAST, event_date NULLS LAST, is_historical;
