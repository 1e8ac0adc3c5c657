-- warehouse.control_disputes: one row per (place_id, date) on which publishers disagree about the
-- controller (status 'disputed' in control_daily).
CREATE OR REPLACE TABLE warehouse.control_disputes AS
SELECT
    e.place_id,
    e.date,
    e.sides,
    e.claim_ids,
    e.publishers,
    e.controller_side AS resolved_side,
    e.confidence,
    e.evidence_event_id,
    (SELECT list(DISTINCT cc.event_id ORDER BY cc.event_id)
     FROM warehouse.control_claims AS cc
     WHERE list_contains(e.claim_ids, cc.claim_id)) AS event_ids
FROM warehouse.control_evidence AS e
WHERE e.is_disputed
ORDER BY e.place_id, e.date;
