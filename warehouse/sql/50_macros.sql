-- Table macros for analysts. Parameters are positional: FROM warehouse.control_on('2024-12-05').

-- Every place with a known state on one day, with the sentence and publisher behind that state
-- (for carried days, the evidence that is being carried).
CREATE OR REPLACE MACRO warehouse.control_on(day) AS TABLE
SELECT
    d.place_id,
    p.name AS place_name,
    p.feature_type,
    p.lat,
    p.lon,
    d.date,
    d.controller_side,
    d.status,
    d.confidence,
    d.since_date,
    d.evidence_date,
    d.evidence_event_id,
    ex.sentence_text AS evidence_text,
    ex.publisher AS evidence_publisher,
    ex.url AS evidence_url,
    fe.publishers AS evidence_publishers
FROM warehouse.control_daily AS d
JOIN warehouse.dim_place AS p USING (place_id)
LEFT JOIN warehouse.fact_control_event AS fe ON fe.event_id = d.evidence_event_id
LEFT JOIN warehouse.control_claims AS ex ON ex.claim_id = fe.example_claim_id
WHERE d.date = CAST(day AS DATE)
ORDER BY d.place_id;

-- The day-by-day timeline of every place whose id, name or any alias equals `name`
-- (case- and surrounding-space-insensitive; an ambiguous name returns each place it names).
CREATE OR REPLACE MACRO warehouse.place_history(name) AS TABLE
WITH wanted AS (
    SELECT dim_place.place_id, dim_place.name AS place_name
    FROM warehouse.dim_place
    WHERE lower(trim(place_id)) = lower(trim(CAST(name AS VARCHAR)))
       OR lower(trim(dim_place.name)) = lower(trim(CAST(name AS VARCHAR)))
       OR list_contains(list_transform(coalesce(aliases, []::VARCHAR[]), lambda a: lower(trim(a))),
                        lower(trim(CAST(name AS VARCHAR))))
)
SELECT
    d.place_id,
    w.place_name,
    d.date,
    d.controller_side,
    d.status,
    d.confidence,
    d.since_date,
    d.evidence_date,
    d.evidence_event_id,
    fe.event AS evidence_event,
    fe.side AS evidence_side,
    fe.certainty AS evidence_certainty,
    fe.publishers AS evidence_publishers,
    ex.sentence_text AS evidence_text
FROM warehouse.control_daily AS d
JOIN wanted AS w USING (place_id)
LEFT JOIN warehouse.fact_control_event AS fe ON fe.event_id = d.evidence_event_id
LEFT JOIN warehouse.control_claims AS ex ON ex.claim_id = fe.example_claim_id
ORDER BY d.place_id, d.date;

-- Every claim behind one fact_control_event row: sentence, publisher, dates, certainty, source.
CREATE OR REPLACE MACRO warehouse.evidence(event_id) AS TABLE
SELECT
    c.event_id,
    c.claim_id,
    c.place_id,
    c.event_date,
    c.event,
    c.side,
    c.certainty,
    c.attribution_text,
    c.actor_text,
    c.article_id,
    c.is_copy,
    c.canonical_article_id,
    c.publisher,
    c.published_date,
    c.url,
    c.sentence_id,
    c.start_char,
    c.end_char,
    c.sentence_text,
    c.evidence_text,
    c.date_text,
    c.date_precision,
    c.extractor
FROM warehouse.control_claims AS c
WHERE c.event_id = CAST(event_id AS VARCHAR)
ORDER BY c.certainty_rank, c.published_date NULLS LAST, c.article_id, c.start_char, c.claim_id;
