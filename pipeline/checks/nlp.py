"""Checks on the NLP layer: schema and keys, provenance, vocabularies, plausibility, coverage."""

import dagster as dg

from pipeline.checks.common import (
    METRICS,
    LayerChecks,
    load_config,
    offending_rows_check,
    python_contract,
    share_check,
)
from pipeline.resources import Warehouse

checks = LayerChecks("nlp")

EVENTS = ("captured", "withdrew", "recaptured", "entered", "advanced_to", "besieged", "contested", "attempted", "airstrike")
SIDES = ("opposition", "government", "sdf", "isis", "israel", "turkey", "russia", "usa", "other", "unknown")
CERTAINTY = ("asserted", "attributed", "claimed", "unverified", "denied", "negated", "hypothetical")
DATE_PRECISION = ("day", "week", "month", "unknown")
QUALIFIERS = ("exact", "at_least", "over", "approximately", "up_to", "range", "vague")
RESOLUTIONS = ("exact", "alias", "fuzzy", "unresolved")

ENTITY_MENTIONS = python_contract(
    "nlp.entity_mentions",
    # spaCy entities never overlap, so a span with its label is one mention
    keys=(("article_id", "start_char", "end_char", "label"),),
    not_null=("article_id", "sentence_id", "start_char", "end_char", "label"),
)
CLAIMS = python_contract(
    "nlp.claims", keys=(("claim_id",),), not_null=("claim_id", "article_id", "sentence_id", "start_char", "end_char")
)
FIGURES = python_contract(
    "nlp.figures", keys=(("figure_id",),), not_null=("figure_id", "article_id", "sentence_id", "start_char", "end_char")
)

entity_mentions_schema = checks.schema(ENTITY_MENTIONS)
claims_schema = checks.schema(CLAIMS)
figures_schema = checks.schema(FIGURES)


# DuckDB's substr and length count characters, walking each string from its start: on the
# article body that cost ~1 µs per row per call (0.45 s for the mentions of 2,000 articles). The
# row filters below read the sentence's own text instead, which the blocking check
# clean_sentence_offsets holds equal to its slice of the body, and each body's length once;
# the body is sliced only in the output columns, that is for offending rows.
_INSIDE = "x.start_char >= s.start_char and x.end_char <= s.end_char"
_SENTENCE_SLICE = "substr(s.text, x.start_char - s.start_char + 1, x.end_char - x.start_char)"  # rows _INSIDE


def _evidence_outside_sentence_sql(table: str, id_cols: str) -> str:
    """Rows of `table` whose [start_char, end_char) is empty, outside its sentence, or whose sentence
    or article is missing. Sentence offsets themselves are checked against body_text on clean.sentences."""
    return f"""
        select {id_cols}, x.article_id, x.sentence_id, x.start_char, x.end_char,
               s.start_char as sentence_start, s.end_char as sentence_end,
               substr(a.body_text, x.start_char + 1, x.end_char - x.start_char) as evidence,
               case when a.article_id is null then 'article missing'
                    when s.sentence_id is null then 'sentence missing'
                    when x.end_char <= x.start_char then 'empty span'
                    when regexp_full_match(substr(a.body_text, x.start_char + 1, x.end_char - x.start_char), '\\s*') then 'blank evidence'
                    when x.start_char >= s.start_char and x.end_char > s.end_char
                         and regexp_full_match(substr(a.body_text, s.end_char + 1, x.end_char - s.end_char), '\\s*')
                        then 'runs past its sentence into whitespace'
                    else 'outside its sentence' end as problem
        from {table} x
        left join clean.sentences s on s.article_id = x.article_id and s.sentence_id = x.sentence_id
        left join (select article_id, body_text, length(body_text) as body_chars from clean.articles) a
               on a.article_id = x.article_id
        where a.article_id is null or s.sentence_id is null
           or x.start_char is null or x.end_char is null or x.end_char <= x.start_char
           or not ({_INSIDE}) or s.end_char > a.body_chars
           or regexp_full_match({_SENTENCE_SLICE}, '\\s*')
    """


@checks.check(["nlp", "claims"], blocking=True,
                description="Claim evidence lies inside its sentence, which lies inside its article (provenance).")
def claims_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        _evidence_outside_sentence_sql("nlp.claims", "x.claim_id"),
        "claims whose evidence offsets are empty or fall outside their sentence or article",
    )


@checks.check(["nlp", "figures"], blocking=True,
                description="Figure offsets lie inside their sentence, which lies inside its article (provenance).")
def figures_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        _evidence_outside_sentence_sql("nlp.figures", "x.figure_id, x.metric"),
        "figures whose offsets are empty or fall outside their sentence or article",
    )


@checks.check(["nlp", "entity_mentions"], blocking=True,
                description="Each mention's offsets return its text and lie inside its sentence; PLACE/ACTOR "
                "resolutions are in the vocabulary and unresolved places carry an unresolved: id.")
def entity_mentions_provenance(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        f"""
        select * from ({_evidence_outside_sentence_sql("nlp.entity_mentions", "x.label, x.text")})
        union all
        select x.label, x.text, x.article_id, x.sentence_id, x.start_char, x.end_char, null, null,
               {_SENTENCE_SLICE}, 'offsets do not return text'
        from nlp.entity_mentions x join clean.sentences s using (article_id, sentence_id)
        where {_INSIDE}  -- the others are reported above
          and {_SENTENCE_SLICE} is distinct from x.text
        union all
        select m.label, m.text, m.article_id, m.sentence_id, m.start_char, m.end_char, null, null, m.entity_id,
               'resolution ' || coalesce(m.resolution, 'NULL')
        from nlp.entity_mentions m
        where m.label in ('PLACE', 'ACTOR') and (m.resolution is null or not list_contains(?, m.resolution))
        union all
        select m.label, m.text, m.article_id, m.sentence_id, m.start_char, m.end_char, null, null, m.entity_id,
               'unresolved place without an unresolved: id'
        from nlp.entity_mentions m
        where m.label = 'PLACE' and m.resolution = 'unresolved'
          and not starts_with(coalesce(m.entity_id, ''), 'unresolved:')
        """,
        "entity mentions whose offsets do not return their text, or with an invalid resolution",
        params=[list(RESOLUTIONS)],
    )


@checks.check(["nlp", "claims"], blocking=True,
                description="event, side, certainty and date_precision within the design's vocabularies.")
def claims_vocabulary(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select claim_id, 'event ' || coalesce(event, 'NULL') as problem from nlp.claims
        where event is null or not list_contains(?, event)
        union all
        select claim_id, 'side ' || coalesce(side, 'NULL') from nlp.claims where side is null or not list_contains(?, side)
        union all
        select claim_id, 'certainty ' || coalesce(certainty, 'NULL') from nlp.claims
        where certainty is null or not list_contains(?, certainty)
        union all
        select claim_id, 'date_precision ' || date_precision from nlp.claims
        where date_precision is not null and not list_contains(?, date_precision)
        union all
        select claim_id, 'event_date without date_precision' from nlp.claims
        where event_date is not null and coalesce(date_precision, 'unknown') = 'unknown'
        """,
        "claims with values outside the vocabularies",
        params=[list(EVENTS), list(SIDES), list(CERTAINTY), list(DATE_PRECISION)],
    )


@checks.check(["nlp", "figures"], blocking=True,
                description="metric, qualifier, side and certainty within the design's vocabularies.")
def figures_vocabulary(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select figure_id, 'metric ' || coalesce(metric, 'NULL') as problem from nlp.figures
        where metric is null or not list_contains(?, metric)
        union all
        select figure_id, 'qualifier ' || qualifier from nlp.figures
        where qualifier is not null and not list_contains(?, qualifier)
        union all
        select figure_id, 'side ' || side from nlp.figures where side is not null and not list_contains(?, side)
        union all
        select figure_id, 'certainty ' || certainty from nlp.figures
        where certainty is not null and not list_contains(?, certainty)
        """,
        "figures with values outside the vocabularies",
        params=[list(METRICS), list(QUALIFIERS), list(SIDES), list(CERTAINTY)],
    )


@checks.check(["nlp", "figures"],
                description="Figures are non-negative with low <= best <= high, counts within per-metric bounds "
                "(FRONTLINE_CHECK_MAX_<METRIC>, e.g. killed <= 1,000,000) and distances within Syria's extent "
                "(FRONTLINE_CHECK_MAX_DISTANCE_KM, default 900).")
def figures_plausible(warehouse: Warehouse) -> dg.AssetCheckResult:
    cfg = load_config()
    bounds = {**cfg.metric_max, "distance_km": cfg.max_distance_km}
    return offending_rows_check(
        warehouse,
        """
        with f as (
            select f.*, cast(map_extract(map(?, ?), f.metric)[1] as double) as max_value from nlp.figures f
        )
        select figure_id, metric, value_low, value_best, value_high, max_value,
               case when least(value_low, value_best, value_high) < 0 then 'negative'
                    when value_best is null then 'no best value'
                    when value_low > value_best or value_best > value_high or value_low > value_high
                        then 'not low <= best <= high'
                    else 'above ' || cast(max_value as varchar) end as problem
        from f
        where least(value_low, value_best, value_high) < 0
           or value_best is null
           or value_low > value_best or value_best > value_high or value_low > value_high
           or greatest(value_low, value_best, value_high) > max_value
        """,
        "figures that are negative, out of order or beyond plausible bounds",
        params=[list(bounds), [float(v) for v in bounds.values()]],
        metadata={"bounds": dg.MetadataValue.json(bounds)},
    )


def _dates_sql(table: str, id_col: str) -> str:
    # A week or month date stands for its first day, so it may lie up to that much earlier.
    return f"""
        select x.{id_col} as id, x.article_id, x.event_date, a.published_date, x.date_precision,
               x.is_historical,
               case when x.event_date > a.published_date + ? then 'after publication'
                    else 'too long before publication' end as problem
        from {table} x join clean.articles a using (article_id)
        where x.event_date is not null and a.published_date is not null
          and (x.event_date > a.published_date + ?
               or (not coalesce(x.is_historical, false)
                   and x.event_date + case x.date_precision when 'week' then 6 when 'month' then 30 else 0 end
                       < a.published_date - ?))
    """


@checks.check(["nlp", "claims"],
                description="Event dates are not after the article's publication date (plus "
                "FRONTLINE_CHECK_EVENT_FUTURE_DAYS, default 0) nor more than FRONTLINE_CHECK_EVENT_WINDOW_DAYS "
                "(default 30) before it; historical claims are exempt from the window.")
def claims_dates_plausible(warehouse: Warehouse) -> dg.AssetCheckResult:
    cfg = load_config()
    return offending_rows_check(
        warehouse,
        _dates_sql("nlp.claims", "claim_id"),
        f"claims dated after publication or more than {cfg.event_window_days} days before it",
        params=[cfg.event_future_days, cfg.event_future_days, cfg.event_window_days],
    )


@checks.check(["nlp", "figures"],
                description="As claims_dates_plausible, for figures' event dates.")
def figures_dates_plausible(warehouse: Warehouse) -> dg.AssetCheckResult:
    cfg = load_config()
    return offending_rows_check(
        warehouse,
        _dates_sql("nlp.figures", "figure_id").replace("x.date_precision", "null::varchar"),
        f"figures dated after publication or more than {cfg.event_window_days} days before it",
        params=[cfg.event_future_days, cfg.event_future_days, cfg.event_window_days],
    )


@checks.check(["nlp", "entity_mentions"],
                description="Warns when the share of PLACE mentions the gazetteer could not resolve exceeds "
                "FRONTLINE_CHECK_MAX_UNRESOLVED_PLACE_SHARE (default 35%).")
def unresolved_place_share(warehouse: Warehouse) -> dg.AssetCheckResult:
    return share_check(
        warehouse,
        """
        select text, entity_id, article_id, sentence_id from nlp.entity_mentions
        where label = 'PLACE'
          and (entity_id is null or resolution = 'unresolved' or starts_with(entity_id, 'unresolved:'))
        order by text, article_id, start_char
        """,
        "select count(*) from nlp.entity_mentions where label = 'PLACE'",
        load_config().max_unresolved_place_share,
        "PLACE mentions are unresolved",
    )


@checks.check(["nlp", "claims"],
                description="Warns when English, non-duplicate articles yield no claim (share above "
                "FRONTLINE_CHECK_MAX_ARTICLES_WITHOUT_CLAIMS_SHARE, default 0: any).")
def articles_without_claims(warehouse: Warehouse) -> dg.AssetCheckResult:
    eligible = """
        from clean.articles a
        where coalesce(a.is_english, true)
          and (a.duplicate_of is null or a.duplicate_of = a.article_id)
    """
    return share_check(
        warehouse,
        f"""
        select a.article_id, a.publisher, a.title, a.n_words {eligible}
          and not exists (select 1 from nlp.claims c where c.article_id = a.article_id)
        order by a.article_id
        """,
        f"select count(*) {eligible}",
        load_config().max_articles_without_claims_share,
        "English articles yield no claim",
    )


nlp_checks = checks.definition()
