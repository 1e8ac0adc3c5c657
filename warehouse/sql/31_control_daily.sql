-- warehouse.control_daily: exactly one row per (place_id, date) from the place's first evidence
-- day (a claim that set its control state, or a baseline row) to the end date:
-- getvariable('control_end_date') when set, else the later of the last publication date and the
-- last evidence day. A place whose first evidence falls after an explicit end date has no rows.
-- Days without new evidence carry the last state (status 'carried') with confidence halving every
-- getvariable('control_half_life_days') days (default 7).
CREATE OR REPLACE TABLE warehouse.control_daily AS
WITH ev AS (
    SELECT * FROM warehouse.control_evidence
),
runs AS (
    -- gaps and islands: a new run starts whenever the controller changes
    SELECT
        *,
        CASE WHEN controller_side IS DISTINCT FROM
                  lag(controller_side) OVER (PARTITION BY place_id ORDER BY date)
             THEN 1 ELSE 0 END AS is_change
    FROM ev
),
runs2 AS (
    SELECT
        *,
        sum(is_change) OVER (PARTITION BY place_id ORDER BY date ROWS UNBOUNDED PRECEDING) AS run_no
    FROM runs
),
states AS (
    SELECT *, min(date) OVER (PARTITION BY place_id, run_no) AS since_date
    FROM runs2
),
bounds AS (
    SELECT coalesce(
        CAST(getvariable('control_end_date') AS DATE),
        greatest((SELECT max(published_date) FROM warehouse.dim_article),
                 (SELECT max(date) FROM ev))
    ) AS end_date
),
first_days AS (
    SELECT place_id, min(date) AS first_day FROM ev GROUP BY place_id
),
calendar AS (
    SELECT f.place_id, CAST(unnest(generate_series(f.first_day, b.end_date, INTERVAL 1 DAY)) AS DATE) AS date
    FROM first_days AS f, bounds AS b
    WHERE f.first_day <= b.end_date
),
carried AS (
    SELECT
        c.place_id,
        c.date,
        max(e.date) OVER (PARTITION BY c.place_id ORDER BY c.date ROWS UNBOUNDED PRECEDING)
            AS evidence_date
    FROM calendar AS c
    LEFT JOIN ev AS e ON e.place_id = c.place_id AND e.date = c.date
),
half_life AS (
    SELECT coalesce(CAST(getvariable('control_half_life_days') AS DOUBLE), 7.0) AS days
)
SELECT
    c.place_id,
    c.date,
    s.controller_side,
    CASE WHEN c.date = s.date THEN s.status ELSE 'carried' END AS status,
    s.since_date,
    s.evidence_event_id,
    CASE
        WHEN c.date = s.date THEN s.confidence
        ELSE round(s.confidence * pow(0.5, (c.date - s.date) / h.days), 6)
    END AS confidence,
    s.date AS evidence_date,
    c.date - s.date AS days_since_evidence,
    s.basis,
    s.n_publishers
FROM carried AS c
JOIN states AS s ON s.place_id = c.place_id AND s.date = c.evidence_date
CROSS JOIN half_life AS h
ORDER BY c.place_id, c.date;
