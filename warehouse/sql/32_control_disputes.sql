-- warehouse.control_disputes: one row per (place_id, date) on which publishers disagree about the
-- controller (status 'disputed' in control_daily).
CREATE OR REPLACE TABLE warehouse.control_disputes AS
WITH d AS (
    SELECT * FROM warehouse.control_evidence WHERE is_disputed
),
events AS (
    SELECT d.place_id, d.date, list(DISTINCT cc.event_id ORDER BY cc.event_id) AS event_ids
    FROM (SELECT place_id, date, unnest(claim_ids) AS claim_id FROM d) AS d
    JOIN warehouse.control_claims AS cc USING (claim_id)
    GROUP BY d.place_id, d.date
)
SELECT
    d.place_id,
    d.date,
    d.sides,
    d.claim_ids,
    d.publishers,
    d.controller_side AS resolved_side,
    d.confidence,
    d.evidence_event_id,
    e.event_ids
FROM d
LEFT JOIN events AS e USING (place_id, date)
ORDER BY d.place_id, d.date;
