"""Clean layer: normalised body text, headline/heading/body sentences, datelines, duplicates."""

from collections.abc import Iterable

import dagster as dg
import duckdb

from pipeline.assets.common import POOL, counts_markdown, spec, table_metadata
from pipeline.db import has_schema, replace_rows, replace_table
from pipeline.parallel import default_n_process
from pipeline.resources import Warehouse
from pipeline.tables import conform, schema
from pipeline.text.corpus import CleanPlan, clean_rows, kept_articles, plan_cleaning, stale_articles
from pipeline.text.language import load_identifier_in_background


_PREVIEW = ["article_id", "title", "publisher", "published_date", "published_date_source", "n_words", "duplicate_of"]
# what the metadata shows of stored articles: the preview columns and the one the counts need
_STORED_ARTICLES = (
    "select article_id, title, publisher, published_date, published_date_source, n_words, duplicate_of, is_english "
    "from clean.articles order by article_id"
)
_STORED_SENTENCES = "select article_id, sentence_id, kind, text from clean.sentences order by article_id, sentence_id"


def _stored_keys(warehouse: Warehouse) -> dict[str, str]:
    if not (warehouse.table_exists("clean.articles") and warehouse.table_exists("clean.sentences")):
        return {}
    if "clean_key" not in warehouse.query("select * from clean.articles limit 0").columns:
        return {}
    frame = warehouse.query("select article_id, clean_key from clean.articles")
    return dict(zip(frame["article_id"], frame["clean_key"]))


def _previous(warehouse: Warehouse) -> dict[str, dict]:
    """The stored clean.articles rows, if both tables have this code's schema (else every
    article is cleaned again and both tables written whole)."""
    with warehouse.connect() as con:
        if not all(has_schema(con, t, schema(t)) for t in ("clean.articles", "clean.sentences")):
            return {}
    return {a["article_id"]: a for a in warehouse.query("select * from clean.articles").iter_rows(named=True)}


def _verdicts(warehouse: Warehouse) -> set[tuple]:
    return set(warehouse.query("select article_id, clean_key, duplicate_of, minhash from clean.articles").iter_rows())


def _verdicts_of(rows: Iterable[dict]) -> set[tuple]:
    return {(r["article_id"], r["clean_key"], r["duplicate_of"], r["minhash"]) for r in rows}


def _write(con: duckdb.DuckDBPyConnection, plan: CleanPlan, previous: dict[str, dict], article_rows: list[dict],
           sentence_rows: list[dict]) -> None:
    if not previous:
        replace_table(con, "clean.articles", conform("clean.articles", article_rows))
        replace_table(con, "clean.sentences", conform("clean.sentences", sentence_rows))
        return
    # Only the rows that change (new, cleaned again, a new duplicate verdict, gone): rewriting
    # both tables whole was most of an incremental clean step.
    changed = [a for a in article_rows if previous.get(a["article_id"]) != a]
    gone = previous.keys() - plan.keys.keys()
    replace_rows(con, "clean.articles", conform("clean.articles", changed), "article_id",
                 sorted({a["article_id"] for a in changed} | gone))
    replace_rows(con, "clean.sentences", conform("clean.sentences", sentence_rows), "article_id",
                 stale_articles(plan, previous))


@dg.multi_asset(
    specs=[
        spec(
            "clean.articles",
            "One row per article: cleaned body text (the reference of every offset), title, "
            "publisher, publication date and where it came from, dateline, language, duplicate_of.",
            deps=[["raw", "articles"]],
        ),
        spec(
            "clean.sentences",
            "One row per sentence of an English article, typed headline/heading/body, with offsets into body_text.",
            deps=[["raw", "articles"]],
        ),
    ],
    pool=POOL,
)
def clean_layer(warehouse: Warehouse):
    # The language classifier unpacks while the plan below is worked out (cleaning needs it).
    load_identifier_in_background()
    # Sessions: one open of the file per group of reads (each open costs ~20 ms), none held
    # while Python works out the plan or cleans.
    with warehouse.session():
        raw = warehouse.query("select * from raw.articles where status = 'active' order by article_id").to_dicts()
        stored_keys = _stored_keys(warehouse)
    plan = plan_cleaning(raw)
    if plan.keys and plan.keys == stored_keys:
        # Nothing to clean and no duplicate verdict to revisit (each depends only on clean keys
        # and ingestion order): the stored tables stand as they are, unwritten.
        with warehouse.session():
            articles = warehouse.query(_STORED_ARTICLES)
            sentences = warehouse.query(_STORED_SENTENCES)
        cleaned = 0
    else:
        with warehouse.session():
            previous = _previous(warehouse)
        rows = clean_rows(raw, previous, n_process=default_n_process(), plan=plan)
        with warehouse.session():
            with warehouse.write() as con:
                if previous and _verdicts(warehouse) != _verdicts_of(previous.values()):
                    # Another run wrote the tables since they were read: the rows to change are
                    # worked out again against what it left, holding the file (rare; little to clean).
                    previous = _previous(warehouse)
                    rows = clean_rows(raw, previous, plan=plan)
                _write(con, plan, previous, *rows)
            articles = warehouse.query(_STORED_ARTICLES)
            sentences = warehouse.query(_STORED_SENTENCES)
        cleaned = len(plan.keys) - len(kept_articles(plan, previous))
    yield dg.MaterializeResult(
        asset_key=["clean", "articles"],
        metadata=table_metadata(
            "clean.articles",
            articles,
            _PREVIEW,
            articles_cleaned=cleaned,
            n_duplicates=int(articles["duplicate_of"].is_not_null().sum()),
            n_not_english=int((~articles["is_english"].fill_null(True)).sum()),
        ),
    )
    yield dg.MaterializeResult(
        asset_key=["clean", "sentences"],
        metadata=table_metadata(
            "clean.sentences", sentences, ["article_id", "sentence_id", "kind", "text"],
            by_kind=counts_markdown(sentences, ["kind"]),
        ),
    )
