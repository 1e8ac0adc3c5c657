-- warehouse.fact_control_event: one row per (place_id, event_date, event, side), merging the
-- placed claims of every article. Copies count for their original (n_articles, n_publishers).
CREATE OR REPLACE TABLE warehouse.fact_control_event AS
SELECT
    event_id,
    place_id,
    event_date,
    event,
    side,
    warehouse.certainty_label(min(certainty_rank)) AS certainty,
    count(*) AS n_claims,
    count(DISTINCT canonical_article_id) AS n_articles,
    count(DISTINCT publisher_key) AS n_publishers,
    list(claim_id ORDER BY claim_id) AS claim_ids,
    list(DISTINCT canonical_article_id ORDER BY canonical_article_id) AS article_ids,
    list(DISTINCT publisher_key ORDER BY publisher_key) AS publishers,
    count(DISTINCT publisher_key) FILTER (WHERE supports_control) AS n_supporting_publishers,
    -- could this event move control at all (the day rules in control_evidence decide if it did)
    event IN ('captured', 'recaptured', 'withdrew', 'contested') AND bool_or(supports_control)
        AS control_bearing,
    CASE
        WHEN bool_or(date_precision = 'day') THEN 'day'
        WHEN bool_or(date_precision = 'week') THEN 'week'
        WHEN bool_or(date_precision = 'month') THEN 'month'
        ELSE 'unknown'
    END AS date_precision,
    min(published_date) AS first_published_date,
    -- the claim to quote: strongest certainty, earliest publication, then corpus order
    first(claim_id ORDER BY certainty_rank, published_date NULLS LAST, article_id, start_char,
          claim_id) AS example_claim_id
FROM warehouse.control_claims
GROUP BY event_id, place_id, event_date, event, side
ORDER BY place_id, event_date, event, side;
