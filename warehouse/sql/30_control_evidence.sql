-- warehouse.control_evidence: one row per (place_id, date) on which evidence sets the control
-- state; control_daily carries these rows forward and control_disputes lists the disputed ones.
-- The rules (warehouse/README.md has worked examples):
--   * only claims whose certainty supports control (asserted/attributed/claimed/unverified) count;
--     hypothetical, negated and denied claims never move control;
--   * captured/recaptured by side S proposes S; entered/advanced_to/besieged/airstrike/attempted
--     propose nothing;
--   * withdrew by side X proposes the side that the same article says captured, recaptured,
--     entered or advanced to that place that day, else 'contested';
--   * a 'contested' event (fighting inside the place) proposes 'contested';
--   * proposals have levels: 2 = a known side (capture by a known side, or a withdrawal with a
--     named taker), 1 = a capture by an unknown side ('unknown'), 0 = 'contested'. Only the
--     highest level present that day counts, as the weaker proposals agree with it ("X withdrew"
--     is consistent with "Y captured"), except that a withdrawal by X stays in when every
--     level-2 proposal is X itself: then the sources contradict each other;
--   * one proposed side -> that side; several sides from two or more publishers -> 'disputed',
--     won by the side with more publishers, then stronger certainty, 'contested' on a tie;
--     several sides from one publisher only -> a sequence within the day: the latest event wins
--     (recaptured > captured > withdrew > contested, then later publication / text position);
--   * a baseline row (ref.baseline_control) is a state of its own on its as_of day (or on the
--     corpus's first event day when as_of is empty) unless claims decide that same day.
CREATE OR REPLACE TABLE warehouse.control_evidence AS
WITH sup AS (
    SELECT * FROM warehouse.control_claims WHERE supports_control
),
takeover AS (
    SELECT
        w.claim_id,
        first(t.side ORDER BY CASE WHEN t.event IN ('captured', 'recaptured') THEN 0 ELSE 1 END,
              t.side) AS takeover_side
    FROM sup AS w
    JOIN sup AS t
        ON t.article_id = w.article_id
       AND t.place_id = w.place_id
       AND t.event_date = w.event_date
       AND t.event IN ('captured', 'recaptured', 'entered', 'advanced_to')
       AND t.side NOT IN ('unknown', w.side)
    WHERE w.event = 'withdrew'
    GROUP BY w.claim_id
),
prop AS (
    SELECT
        c.*,
        CASE
            WHEN c.event IN ('captured', 'recaptured') THEN c.side
            WHEN c.event = 'withdrew' THEN coalesce(tk.takeover_side, 'contested')
            ELSE 'contested'
        END AS proposed_side,
        CASE
            WHEN c.event IN ('captured', 'recaptured') AND c.side <> 'unknown' THEN 2
            WHEN c.event = 'withdrew' AND tk.takeover_side IS NOT NULL THEN 2
            WHEN c.event IN ('captured', 'recaptured') THEN 1
            ELSE 0
        END AS level,
        CASE WHEN c.event = 'withdrew' AND tk.takeover_side IS NULL THEN c.side END
            AS withdrawn_side,
        CASE c.event WHEN 'recaptured' THEN 4 WHEN 'captured' THEN 3 WHEN 'withdrew' THEN 2 ELSE 1 END
            AS event_prio
    FROM sup AS c
    LEFT JOIN takeover AS tk USING (claim_id)
    WHERE c.event IN ('captured', 'recaptured', 'withdrew', 'contested')
),
day_levels AS (
    SELECT
        place_id,
        event_date,
        max(level) AS day_level,
        list(DISTINCT proposed_side ORDER BY proposed_side) FILTER (WHERE level = 2) AS strong_sides
    FROM prop
    GROUP BY place_id, event_date
),
kept AS (
    SELECT p.*
    FROM prop AS p
    JOIN day_levels AS d USING (place_id, event_date)
    WHERE p.level = d.day_level
       OR (p.withdrawn_side IS NOT NULL AND d.day_level = 2
           AND len(list_filter(d.strong_sides, lambda s: s <> p.withdrawn_side)) = 0)
),
pub_side AS (
    SELECT
        place_id, event_date, proposed_side, publisher_key,
        max(warehouse.certainty_weight(certainty)) AS w,
        min(certainty_rank) AS r
    FROM kept
    GROUP BY ALL
),
side_agg AS (
    SELECT
        place_id, event_date, proposed_side,
        count(*) AS n_pub,
        count(*) FILTER (WHERE r <= 2) AS n_pub_firm,
        min(r) AS best_rank,
        -- independent witnesses: 1 - prod(1 - w); rounded so that summation order cannot change
        -- the last bits between two builds
        round(1 - exp(sum(ln(1 - w))), 6) AS combined
    FROM pub_side
    GROUP BY ALL
),
side_ranked AS (
    SELECT *, rank() OVER (PARTITION BY place_id, event_date ORDER BY n_pub DESC, best_rank) AS rnk
    FROM side_agg
),
day_agg AS (
    SELECT
        place_id, event_date,
        count(*) AS n_sides,
        count(*) FILTER (WHERE rnk = 1) AS n_top,
        first(proposed_side ORDER BY rnk, proposed_side) AS top_side,
        max(combined) AS max_combined
    FROM side_ranked
    GROUP BY ALL
),
day_claims AS (
    SELECT
        place_id, event_date,
        count(DISTINCT publisher_key) AS day_pubs,
        list(DISTINCT proposed_side ORDER BY proposed_side) AS sides,
        list(claim_id ORDER BY claim_id) AS claim_ids,
        list(DISTINCT publisher_key ORDER BY publisher_key) AS publishers,
        first(proposed_side ORDER BY event_prio DESC, published_date DESC NULLS LAST,
              article_id DESC, start_char DESC, claim_id DESC) AS sequence_winner
    FROM kept
    GROUP BY ALL
),
decided AS (
    SELECT
        d.place_id, d.event_date, c.day_pubs, c.sides, c.claim_ids, c.publishers,
        d.n_sides > 1 AND c.day_pubs > 1 AS is_disputed,
        CASE
            WHEN d.n_sides = 1 THEN d.top_side
            WHEN c.day_pubs = 1 THEN c.sequence_winner
            WHEN d.n_top = 1 THEN d.top_side
            ELSE 'contested'
        END AS controller_side,
        d.n_top, d.max_combined
    FROM day_agg AS d
    JOIN day_claims AS c USING (place_id, event_date)
),
scored AS (
    SELECT
        x.*,
        s.n_pub, s.n_pub_firm, s.best_rank, s.combined,
        CASE
            WHEN x.is_disputed THEN 'disputed'
            WHEN s.best_rank <= 2 AND s.n_pub_firm >= 2 THEN 'confirmed'
            WHEN s.best_rank <= 2 THEN 'reported'
            ELSE 'claimed'
        END AS status,
        CASE
            WHEN NOT x.is_disputed THEN s.combined
            WHEN x.n_top = 1 THEN round(s.combined * s.n_pub / x.day_pubs, 6)
            ELSE round(0.5 * x.max_combined, 6)
        END AS confidence
    FROM decided AS x
    LEFT JOIN side_agg AS s
        ON s.place_id = x.place_id AND s.event_date = x.event_date
       AND s.proposed_side = x.controller_side
),
event_stats AS (
    SELECT
        place_id, event_date, proposed_side, event_id,
        count(DISTINCT publisher_key) AS n_pub,
        min(certainty_rank) AS best_rank,
        max(event_prio) AS event_prio
    FROM kept
    GROUP BY ALL
),
chosen_event AS (
    -- the event behind the state: one backing the controller side if any (a tie yields
    -- 'contested', which may have none), best corroborated first
    SELECT
        e.place_id, e.event_date,
        first(e.event_id ORDER BY (e.proposed_side = x.controller_side) DESC, e.n_pub DESC,
              e.best_rank, e.event_prio DESC, e.event_id) AS evidence_event_id
    FROM event_stats AS e
    JOIN decided AS x USING (place_id, event_date)
    GROUP BY e.place_id, e.event_date
),
from_claims AS (
    SELECT
        s.place_id,
        s.event_date AS date,
        s.controller_side,
        s.status,
        s.confidence,
        ce.evidence_event_id,
        'claims' AS basis,
        CASE WHEN s.is_disputed AND s.n_top > 1 THEN s.day_pubs ELSE s.n_pub END AS n_publishers,
        s.sides,
        s.claim_ids,
        s.publishers,
        s.is_disputed,
        NULL::VARCHAR AS baseline_source
    FROM scored AS s
    JOIN chosen_event AS ce USING (place_id, event_date)
),
corpus_start AS (
    SELECT coalesce(
        (SELECT min(event_date) FROM warehouse.control_claims),
        (SELECT min(published_date) FROM warehouse.dim_article)
    ) AS first_day
),
baseline AS (
    SELECT
        b.place_id,
        coalesce(b.as_of::DATE, cs.first_day) AS date,
        CASE
            WHEN count(DISTINCT coalesce(nullif(lower(trim(b.side)), ''), 'unknown')) > 1
                THEN 'contested'
            ELSE min(coalesce(nullif(lower(trim(b.side)), ''), 'unknown'))
        END AS controller_side,
        string_agg(DISTINCT coalesce(b.source, 'baseline'), '; ' ORDER BY coalesce(b.source, 'baseline'))
            AS baseline_source
    FROM ref.baseline_control AS b, corpus_start AS cs
    WHERE b.place_id IS NOT NULL
    GROUP BY b.place_id, coalesce(b.as_of::DATE, cs.first_day)
)
SELECT * FROM from_claims
UNION ALL
SELECT
    b.place_id,
    b.date,
    b.controller_side,
    -- the design's status vocabulary has no baseline value: a baseline state is one reported
    -- source's word; `basis` tells it apart from article evidence.
    'reported' AS status,
    0.9::DOUBLE AS confidence,
    NULL::VARCHAR AS evidence_event_id,
    'baseline' AS basis,
    NULL::BIGINT AS n_publishers,
    [b.controller_side] AS sides,
    []::VARCHAR[] AS claim_ids,
    []::VARCHAR[] AS publishers,
    FALSE AS is_disputed,
    b.baseline_source
FROM baseline AS b
ANTI JOIN from_claims AS f ON f.place_id = b.place_id AND f.date = b.date
WHERE b.date IS NOT NULL
ORDER BY place_id, date;
