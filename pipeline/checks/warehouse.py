"""Checks on the warehouse marts: schema and keys, provenance back to claims and figures,
referential integrity of places and actors, and the control rules."""

import dagster as dg

from pipeline.checks.common import LayerChecks, TableContract, offending_rows_check
from pipeline.checks.nlp import SIDES
from pipeline.resources import Warehouse

checks = LayerChecks("warehouse")

V, I, F, D, B, L = "VARCHAR", "BIGINT", "DOUBLE", "DATE", "BOOLEAN", "VARCHAR[]"

# The design's columns of each mart (DESIGN.md), plus the few extra columns these checks rely on
# (dim_place.is_resolved, control_daily.evidence_date/basis, fact_figure.figure_key/is_historical).
MART_CONTRACTS = [
    TableContract(
        "warehouse.dim_place",
        {"place_id": V, "name": V, "feature_type": V, "governorate": V, "district": V, "lat": F, "lon": F,
         "geonames_id": None, "aliases": L, "is_resolved": B},
        keys=(("place_id",),), not_null=("place_id",),
    ),
    TableContract(
        "warehouse.dim_actor",
        {"actor_id": V, "name": V, "side": V, "kind": V, "aliases": L},
        keys=(("actor_id",),), not_null=("actor_id",),
    ),
    TableContract(
        "warehouse.dim_article",
        {"article_id": V, "title": V, "publisher": V, "url": V, "published_date": D},
        keys=(("article_id",),), not_null=("article_id",),
    ),
    TableContract(
        "warehouse.unresolved_places",
        {"place_id": V, "name": V, "n_mentions": I, "n_articles": I},
        keys=(("place_id",),), not_null=("place_id",),
    ),
    TableContract(
        "warehouse.fact_control_event",
        {"event_id": V, "place_id": V, "event_date": D, "event": V, "side": V, "certainty": V, "n_claims": I,
         "n_articles": I, "n_publishers": I, "claim_ids": L},
        keys=(("event_id",), ("place_id", "event_date", "event", "side")),
        not_null=("event_id", "place_id", "event_date", "event", "side"),
    ),
    TableContract(
        "warehouse.control_daily",
        {"place_id": V, "date": D, "controller_side": V, "status": V, "since_date": D, "evidence_event_id": V,
         "confidence": F, "evidence_date": D, "basis": V},
        keys=(("place_id", "date"),), not_null=("place_id", "date", "controller_side", "status"),
    ),
    TableContract(
        "warehouse.control_disputes",
        {"place_id": V, "date": D, "sides": L, "claim_ids": L, "publishers": L},
        keys=(("place_id", "date"),), not_null=("place_id", "date"),
    ),
    TableContract(
        "warehouse.fact_figure",
        {"figure_key": V, "metric": V, "side": V, "place_id": V, "event_date": D, "is_historical": B,
         "value_low": F, "value_best": F, "value_high": F, "n_articles": I, "n_publishers": I, "figure_ids": L},
        # NULL place_id / event_date are one value of the grain, as in the mart's GROUP BY
        keys=(("figure_key",), ("metric", "side", "place_id", "event_date", "is_historical")),
        not_null=("figure_key", "metric", "side"),
    ),
]

dim_place_schema, dim_actor_schema, dim_article_schema, unresolved_places_schema, fact_control_event_schema, \
    control_daily_schema, control_disputes_schema, fact_figure_schema = (
        checks.schema(c) for c in MART_CONTRACTS
    )

CONTROL_EVENTS = ("captured", "recaptured", "withdrew", "contested")
SUPPORTING_CERTAINTY = ("asserted", "attributed", "claimed", "unverified")
CONTROL_STATUS = ("confirmed", "reported", "claimed", "disputed", "carried", "baseline")
# how the marts read a claim's certainty: blank means the reporter's own voice
_CERTAINTY = "coalesce(nullif(lower(trim({0}.certainty)), ''), 'asserted')"


@checks.check(["warehouse", "control_daily"], blocking=True,
                description="Exactly one row per place and day, with no gaps between a place's first and last day.")
def control_daily_grain(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select place_id, date, count(*) as n, 'duplicate day' as problem
        from warehouse.control_daily group by place_id, date having count(*) > 1
        union all
        select place_id, null, datediff('day', min(date), max(date)) + 1 - count(distinct date), 'gap'
        from warehouse.control_daily group by place_id
        having datediff('day', min(date), max(date)) + 1 <> count(distinct date)
        """,
        "duplicate or missing (place, day) rows",
    )


@checks.check(["warehouse", "control_daily"], blocking=True,
                description="controller_side is a side, contested or unknown; status in the vocabulary; "
                "confidence in [0, 1]; since_date not after date.")
def control_daily_values(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select place_id, date, controller_side, status, confidence, since_date,
               case when not list_contains(?, controller_side) then 'controller_side'
                    when not list_contains(?, status) then 'status'
                    when confidence is null or confidence < 0 or confidence > 1 then 'confidence'
                    else 'since_date after date' end as problem
        from warehouse.control_daily
        where not list_contains(?, controller_side) or not list_contains(?, status)
           or confidence is null or confidence < 0 or confidence > 1
           or since_date > date
        """,
        "control_daily rows with values outside the vocabularies or ranges",
        params=[[*SIDES, "contested"], list(CONTROL_STATUS)] * 2,
    )


@checks.check(["warehouse", "fact_control_event"], blocking=True,
                description="Every control event leads to claims that exist and agree with it on place, date "
                "and event; n_claims counts them (provenance).")
def control_events_have_claims(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select e.event_id, e.place_id, e.event_date, e.event, e.side, null as claim_id, 'no claims' as problem
        from warehouse.fact_control_event e where coalesce(len(e.claim_ids), 0) = 0
        union all
        select e.event_id, e.place_id, e.event_date, e.event, e.side, null, 'n_claims <> len(claim_ids)'
        from warehouse.fact_control_event e where e.n_claims is distinct from len(e.claim_ids)
        union all
        select e.event_id, e.place_id, e.event_date, e.event, e.side, u.claim_id,
               case when c.claim_id is null then 'claim missing from nlp.claims'
                    else 'claim disagrees: ' || concat_ws(' ', c.place_id, c.event_date, c.event) end
        from warehouse.fact_control_event e, unnest(e.claim_ids) as u(claim_id)
        left join nlp.claims c on c.claim_id = u.claim_id
        where c.claim_id is null or c.place_id is distinct from e.place_id
           or c.event_date is distinct from e.event_date or c.event is distinct from e.event
        """,
        "control events without claims, or with claims that are missing or disagree",
    )


@checks.check(["warehouse", "control_daily"], blocking=True,
                description="Every control_daily state leads to a fact_control_event of the same place on its "
                "evidence date (baseline states excepted), and so to claims (provenance).")
def control_daily_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select d.place_id, min(d.date) as first_day, d.evidence_event_id, d.evidence_date, d.basis,
               case when d.evidence_event_id is null then 'no evidence event'
                    when e.event_id is null then 'evidence event missing from fact_control_event'
                    else 'evidence event of ' || e.place_id || ' on ' || e.event_date end as problem
        from warehouse.control_daily d
        left join warehouse.fact_control_event e on e.event_id = d.evidence_event_id
        where (d.evidence_event_id is null and d.basis is distinct from 'baseline')
           or (d.evidence_event_id is not null
               and (e.event_id is null or e.place_id <> d.place_id or e.event_date <> d.evidence_date))
        group by all
        """,
        "control_daily states whose evidence event is missing or belongs to another place or day",
    )


@checks.check(["warehouse", "control_daily"], blocking=True,
                description="No control state rests on a hypothetical, negated or denied claim, nor on an event "
                "that cannot change control (attempted, entered, advanced_to, besieged, airstrike).")
def control_changes_supported(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        f"""
        with states as (
            select place_id, evidence_event_id, min(date) as first_day
            from warehouse.control_daily where evidence_event_id is not null group by all
        ),
        support as (
            select e.event_id,
                   bool_or(list_contains(?, c.event) and list_contains(?, {_CERTAINTY.format('c')})) as supported,
                   string_agg(distinct c.event || '/' || {_CERTAINTY.format('c')}, ', ') as claim_kinds
            from warehouse.fact_control_event e, unnest(e.claim_ids) as u(claim_id)
            join nlp.claims c on c.claim_id = u.claim_id
            group by e.event_id
        )
        select s.place_id, s.first_day, s.evidence_event_id, e.event, e.certainty, p.claim_kinds
        from states s
        join warehouse.fact_control_event e on e.event_id = s.evidence_event_id
        left join support p on p.event_id = s.evidence_event_id
        where not list_contains(?, e.event) or not coalesce(p.supported, false)
        """,
        "control states whose evidence is not a supported control-changing claim",
        params=[list(CONTROL_EVENTS), list(SUPPORTING_CERTAINTY), list(CONTROL_EVENTS)],
    )


@checks.check(["warehouse", "control_disputes"], blocking=True,
                description="Every dispute names two or more sides and leads to claims that exist, at its place "
                "and on its day (provenance).")
def control_disputes_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select d.place_id, d.date, null as claim_id, 'fewer than two sides' as problem
        from warehouse.control_disputes d where coalesce(len(d.sides), 0) < 2
        union all
        select d.place_id, d.date, null, 'no claims' from warehouse.control_disputes d
        where coalesce(len(d.claim_ids), 0) = 0
        union all
        select d.place_id, d.date, u.claim_id,
               case when c.claim_id is null then 'claim missing from nlp.claims'
                    else 'claim is about ' || c.place_id || ' on ' || c.event_date end
        from warehouse.control_disputes d, unnest(d.claim_ids) as u(claim_id)
        left join nlp.claims c on c.claim_id = u.claim_id
        where c.claim_id is null or c.place_id is distinct from d.place_id or c.event_date is distinct from d.date
        """,
        "disputes without two sides, or with claims that are missing or about another place or day",
    )


@checks.check(["warehouse", "fact_figure"], blocking=True,
                description="Every reported figure leads to nlp.figures rows that exist, agree on metric and "
                "place, and are not hypothetical, negated or denied (provenance).")
def fact_figure_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        f"""
        select g.figure_key, g.metric, g.place_id, null as figure_id, 'no figures' as problem
        from warehouse.fact_figure g where coalesce(len(g.figure_ids), 0) = 0
        union all
        select g.figure_key, g.metric, g.place_id, u.figure_id,
               case when f.figure_id is null then 'figure missing from nlp.figures'
                    when {_CERTAINTY.format('f')} in ('hypothetical', 'negated', 'denied')
                        then 'figure is ' || {_CERTAINTY.format('f')}
                    else 'figure disagrees: ' || concat_ws(' ', f.metric, f.place_id) end
        from warehouse.fact_figure g, unnest(g.figure_ids) as u(figure_id)
        left join nlp.figures f on f.figure_id = u.figure_id
        where f.figure_id is null or f.metric is distinct from g.metric or f.place_id is distinct from g.place_id
           or {_CERTAINTY.format('f')} in ('hypothetical', 'negated', 'denied')
        """,
        "reported figures without figures, or with figures that are missing, disagree or are not reports",
    )


@checks.check(["warehouse", "dim_place"], blocking=True,
                description="Every place_id of claims, figures, PLACE mentions and control_daily is a gazetteer "
                "place in dim_place, or an unresolved: id listed in warehouse.unresolved_places.")
def places_resolve(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        with refs as (
            select 'nlp.claims' as source, place_id, count(*) as n from nlp.claims
            where place_id is not null group by all
            union all
            select 'nlp.figures', place_id, count(*) from nlp.figures where place_id is not null group by all
            union all
            select 'nlp.entity_mentions', entity_id, count(*) from nlp.entity_mentions
            where label = 'PLACE' and entity_id is not null group by all
            union all
            select 'warehouse.control_daily', place_id, count(*) from warehouse.control_daily group by all
        )
        select r.source, r.place_id, r.n,
               case when starts_with(r.place_id, 'unresolved:') then 'not listed in warehouse.unresolved_places'
                    when p.place_id is null then 'not in warehouse.dim_place'
                    else 'not a gazetteer place (dim_place.is_resolved is false)' end as problem
        from refs r left join warehouse.dim_place p using (place_id)
        where case when starts_with(r.place_id, 'unresolved:')
                   then r.place_id not in (select place_id from warehouse.unresolved_places)
                   else p.place_id is null or not coalesce(p.is_resolved, true) end
        order by r.source, r.place_id
        """,
        "place ids that lead to no gazetteer place and are not reported as unresolved",
    )


@checks.check(["warehouse", "dim_actor"], blocking=True,
                description="Every actor_id of claims and ACTOR mentions exists in warehouse.dim_actor.")
def actors_resolve(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        with refs as (
            select 'nlp.claims' as source, actor_id, count(*) as n from nlp.claims
            where actor_id is not null group by all
            union all
            select 'nlp.entity_mentions', entity_id, count(*) from nlp.entity_mentions
            where label = 'ACTOR' and entity_id is not null group by all
        )
        select r.source, r.actor_id, r.n from refs r anti join warehouse.dim_actor a using (actor_id)
        order by r.source, r.actor_id
        """,
        "actor ids missing from warehouse.dim_actor",
    )


warehouse_checks = checks.definition()
