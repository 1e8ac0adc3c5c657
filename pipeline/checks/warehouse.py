"""Checks on the warehouse marts."""

import dagster as dg

from pipeline.assets.common import POOL
from pipeline.checks.common import offending_rows_check
from pipeline.resources import Warehouse


@dg.asset_check(asset=["warehouse", "control_daily"], blocking=True, pool=POOL,
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


@dg.asset_check(asset=["warehouse", "fact_control_event"], blocking=True, pool=POOL,
                description="Every control event leads to claims that exist (provenance).")
def control_events_have_claims(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select e.event_id, e.place_id, e.event_date, e.event, e.side
        from warehouse.fact_control_event e
        where len(e.claim_ids) = 0
           or exists (select 1 from unnest(e.claim_ids) as u(claim_id)
                      where u.claim_id not in (select claim_id from nlp.claims))
        """,
        "control events with no claims or with claim ids missing from nlp.claims",
    )
