"""Read what the reports draw from the warehouse: parameterised SQL, polars frames out.

Only the contract columns of /work/shared/DESIGN.md are read, so a warehouse built by an older or
newer mart SQL (extra columns) renders the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipeline.db import fetch_frame


@contextmanager
def own_cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the caller's connection: same database, but the caller's pending results (duckdb 2
    refuses new work on a connection with an unfinished execute()) and ours never collide."""
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    # duckdb 2 keeps an execute() result open until fully fetched; a relation's fetchall() does not.
    rows = con.sql(sql, params=params or None).fetchall()
    return rows[0] if rows else ()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    row = _one(
        con,
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    )
    return bool(row and row[0])


def latest_day(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    return _one(con, "select max(date) from warehouse.control_daily")[0]


def corpus_period(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First to last day of the corpus: earliest event or publication to the last control day.

    Baseline rows can be dated long before the corpus; starting at the first event or article
    keeps the timeline about the reported period (the baseline state still shows on day one,
    carried forward).
    """
    first_candidates = ["select min(event_date) as d from warehouse.fact_control_event"]
    if table_exists(con, "clean.articles"):
        first_candidates.append("select min(published_date) as d from clean.articles")
    row = _one(
        con,
        f"""
        select
            coalesce(least_or_null, (select min(date) from warehouse.control_daily)) as first_day,
            (select max(date) from warehouse.control_daily) as last_day
        from (select min(d) as least_or_null from ({' union all '.join(first_candidates)}))
        """,
    )
    first, last = row
    if first is None or last is None:
        return None
    if first > last:
        first = last
    return first, last


def control_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> pl.DataFrame:
    """One row per place with a control state on `day`, with its name and coordinates."""
    return fetch_frame(
        con,
        """
        select c.place_id, coalesce(p.name, c.place_id) as name, p.feature_type, p.governorate,
               p.lat, p.lon, coalesce(c.controller_side, 'unknown') as controller_side, case when c.basis = 'baseline' then 'baseline' else c.status end as status,
               c.since_date, c.evidence_event_id, c.confidence
        from warehouse.control_daily as c
        left join warehouse.dim_place as p using (place_id)
        where c.date = ?
        order by name, c.place_id
        """,
        [day],
    )


def control_between(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> pl.DataFrame:
    return fetch_frame(
        con,
        """
        select c.place_id, coalesce(p.name, c.place_id) as name, p.feature_type, p.governorate, p.lat, p.lon,
               c.date, coalesce(c.controller_side, 'unknown') as controller_side, case when c.basis = 'baseline' then 'baseline' else c.status end as status,
               c.since_date, c.evidence_event_id, c.confidence
        from warehouse.control_daily as c
        left join warehouse.dim_place as p using (place_id)
        where c.date between ? and ?
        order by c.place_id, c.date
        """,
        [first, last],
    )


def place_order(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> pl.DataFrame:
    """Places ordered by their first change of controller within the period.

    A change is a day with new evidence (not carried, not baseline) whose controller differs from
    the previous day's (or that is the place's first row). Places that never change (baseline
    only) follow, by first day, then name.
    """
    return fetch_frame(
        con,
        """
        with d as (
            select c.place_id, c.date, c.controller_side, case when c.basis = 'baseline' then 'baseline' else c.status end as status,
                   lag(c.controller_side) over (partition by c.place_id order by c.date) as prev_side,
                   row_number() over (partition by c.place_id order by c.date) as rn
            from warehouse.control_daily as c
        )
        select d.place_id, coalesce(p.name, d.place_id) as name,
               min(d.date) filter (
                   where d.status not in ('carried', 'baseline')
                     and (d.rn = 1 or d.controller_side is distinct from d.prev_side)
                     and d.date between ? and ?) as first_change,
               min(d.date) as first_day
        from d left join warehouse.dim_place as p using (place_id)
        group by d.place_id, p.name
        having max(d.date) >= ?
        order by first_change nulls last, first_day, name, d.place_id
        """,
        [first, last, first],
    )


def governorate_centroids(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    source = "ref.places" if table_exists(con, "ref.places") else "warehouse.dim_place"
    return fetch_frame(
        con,
        f"""
        select name, lat, lon from {source}
        where feature_type = ? and lat is not null and lon is not null
        order by name
        """,
        ["governorate"],
    )


@dataclass
class Evidence:
    """One supporting sentence with where it comes from."""

    text: str
    publisher: str | None
    title: str | None
    published_date: dt.date | None
    url: str | None
    article_id: str
    certainty: str | None = None
    attribution: str | None = None
    extra: dict = field(default_factory=dict)


def _evidence_rows(con: duckdb.DuckDBPyConnection, id_table: str, id_col: str, source: str, ids: list[str]) -> pl.DataFrame:
    """Sentences behind claim or figure ids: id → source row → clean.sentences / clean.articles."""
    if not ids or not table_exists(con, source):
        return pl.DataFrame()
    has_sentences = table_exists(con, "clean.sentences")
    has_articles = table_exists(con, "clean.articles")
    sentence_sql = "s.text" if has_sentences else "NULL"
    join_sentences = (
        "left join clean.sentences as s on s.article_id = x.article_id and s.sentence_id = x.sentence_id"
        if has_sentences else ""
    )
    art_cols = "a.title, a.publisher, a.published_date, a.url" if has_articles else (
        "NULL as title, NULL as publisher, NULL::DATE as published_date, NULL as url")
    join_articles = "left join clean.articles as a on a.article_id = x.article_id" if has_articles else ""
    # The span itself is the fallback when the sentence row is missing (and a cheap sanity check).
    span_sql = (
        "substr(a.body_text, x.start_char + 1, x.end_char - x.start_char)" if has_articles else "NULL"
    )
    return fetch_frame(
        con,
        f"""
        select x.{id_col} as item_id, x.article_id, x.certainty, x.attribution_text,
               coalesce({sentence_sql}, {span_sql}) as text, {art_cols}
        from {source} as x
        {join_sentences}
        {join_articles}
        where list_contains(?, x.{id_col})
        order by x.article_id, x.start_char, x.{id_col}
        """,
        [ids],
    )


def _group_evidence(frame: pl.DataFrame) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = defaultdict(list)
    for r in frame.iter_rows(named=True):
        out[r["item_id"]].append(
            Evidence(
                text=r["text"] or "",
                publisher=r["publisher"],
                title=r["title"],
                published_date=r["published_date"],
                url=r["url"],
                article_id=r["article_id"],
                certainty=r["certainty"],
                attribution=r["attribution_text"],
            )
        )
    return dict(out)


def claim_evidence(con: duckdb.DuckDBPyConnection, claim_ids: list[str]) -> dict[str, list[Evidence]]:
    return _group_evidence(_evidence_rows(con, "nlp.claims", "claim_id", "nlp.claims", sorted(set(claim_ids))))


def figure_evidence(con: duckdb.DuckDBPyConnection, figure_ids: list[str]) -> dict[str, list[Evidence]]:
    return _group_evidence(_evidence_rows(con, "nlp.figures", "figure_id", "nlp.figures", sorted(set(figure_ids))))


def control_events(con: duckdb.DuckDBPyConnection, event_ids: list[str]) -> pl.DataFrame:
    """The events behind control states (evidence_event_id), with their claim ids."""
    return fetch_frame(
        con,
        """
        select event_id, place_id, event_date, event, side, certainty, n_claims, n_articles,
               n_publishers, claim_ids
        from warehouse.fact_control_event
        where list_contains(?, event_id)
        order by event_id
        """,
        [sorted(set(event_ids))],
    )


def disputes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return fetch_frame(
        con,
        """
        select d.place_id, coalesce(p.name, d.place_id) as name, d.date, d.sides, d.claim_ids,
               d.publishers
        from warehouse.control_disputes as d
        left join warehouse.dim_place as p using (place_id)
        order by d.date, name, d.place_id
        """,
    )


def figures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return fetch_frame(
        con,
        """
        select f.metric, f.side, f.place_id, p.name as place_name, f.event_date, f.value_low,
               f.value_best, f.value_high, f.n_articles, f.n_publishers, f.figure_ids
        from warehouse.fact_figure as f
        left join warehouse.dim_place as p using (place_id)
        order by f.metric, f.event_date nulls last, p.name nulls last, f.side
        """,
    )
