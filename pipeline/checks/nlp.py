"""Checks on the NLP layer."""

import dagster as dg

from pipeline.assets.common import POOL
from pipeline.checks.common import offending_rows_check
from pipeline.resources import Warehouse

EVENTS = ("captured", "withdrew", "recaptured", "entered", "advanced_to", "besieged", "contested", "attempted", "airstrike")
SIDES = ("opposition", "government", "sdf", "isis", "israel", "turkey", "russia", "usa", "other", "unknown")
CERTAINTY = ("asserted", "attributed", "claimed", "unverified", "denied", "negated", "hypothetical")


@dg.asset_check(asset=["nlp", "claims"], blocking=True, pool=POOL,
                description="Claim evidence lies inside its sentence, which lies inside its article (provenance).")
def claims_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select c.claim_id, c.article_id, c.sentence_id, c.start_char, c.end_char
        from nlp.claims c
        left join clean.sentences s on s.article_id = c.article_id and s.sentence_id = c.sentence_id
        left join clean.articles a on a.article_id = c.article_id
        where s.sentence_id is null or a.article_id is null
           or c.start_char < s.start_char or c.end_char > s.end_char or c.end_char <= c.start_char
           or s.end_char > length(a.body_text)
        """,
        "claims whose offsets fall outside their sentence or article",
    )


@dg.asset_check(asset=["nlp", "claims"], blocking=True, pool=POOL,
                description="claim_id unique; event, side and certainty within the design's vocabularies.")
def claims_vocabulary(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select claim_id, 'duplicate claim_id' as problem from nlp.claims group by claim_id having count(*) > 1
        union all
        select claim_id, 'event ' || coalesce(event, 'NULL') from nlp.claims where event is null or not list_contains(?, event)
        union all
        select claim_id, 'side ' || coalesce(side, 'NULL') from nlp.claims where side is null or not list_contains(?, side)
        union all
        select claim_id, 'certainty ' || coalesce(certainty, 'NULL') from nlp.claims
        where certainty is null or not list_contains(?, certainty)
        """,
        "claims with duplicate ids or values outside the vocabularies",
        params=[list(EVENTS), list(SIDES), list(CERTAINTY)],
    )


@dg.asset_check(asset=["nlp", "figures"], blocking=True, pool=POOL,
                description="Figures are non-negative with low <= best <= high, and their offsets lie in their sentence.")
def figures_plausible(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select f.figure_id, f.metric, f.value_low, f.value_best, f.value_high
        from nlp.figures f
        left join clean.sentences s on s.article_id = f.article_id and s.sentence_id = f.sentence_id
        where f.value_low < 0 or f.value_best < 0
           or f.value_low > f.value_best or f.value_best > f.value_high
           or s.sentence_id is null or f.start_char < s.start_char or f.end_char > s.end_char
        """,
        "figures that are negative, out of order, or outside their sentence",
    )
