"""NLP layer: one model-heavy step that parses every article (cached) and runs the rules."""


import time

import dagster as dg
import polars as pl

from pipeline.assets.common import POOL, counts_markdown, spec, table_metadata
from pipeline.db import fetch_frame, has_schema, replace_rows, replace_table
from pipeline.nlp.corpus import analyse_documents, article_texts
from pipeline.nlp.pipeline import DocCache, analysis_key
from pipeline.resources import NlpModel, Warehouse
from pipeline.tables import conform, schema

_DEPS = [["clean", "articles"], ["clean", "sentences"], ["ref", "places"], ["ref", "actors"]]
_KINDS = {"duckdb", "polars", "spacy"}


def _previous_keys(warehouse: Warehouse) -> dict[str, str]:
    if not warehouse.table_exists("nlp.article_state"):
        return {}
    frame = warehouse.query("select article_id, analysis_key from nlp.article_state")
    return dict(zip(frame["article_id"], frame["analysis_key"]))


# One canonical order for the rows a step writes whole and the frames its metadata shows.
_ORDER = {
    "nlp.entity_mentions": ["article_id", "start_char", "end_char", "label"],
    "nlp.claims": ["article_id", "start_char", "end_char", "claim_id"],
    "nlp.figures": ["article_id", "start_char", "end_char", "figure_id"],
}
_ORDER_BY = {table: ", ".join(columns) for table, columns in _ORDER.items()}


def _merge(table: str, new_rows: list[dict], warehouse: Warehouse, reuse_ids: list[str]) -> pl.DataFrame:
    frames = [conform(table, new_rows)]
    if reuse_ids and warehouse.table_exists(table):
        kept = warehouse.query(f"select * from {table} where list_contains(?, article_id)", [reuse_ids])
        frames.append(conform(table, kept))
    return pl.concat(frames).sort(_ORDER[table], nulls_last=True)


@dg.multi_asset(
    specs=[
        spec(
            "nlp.entity_mentions",
            "Every place, actor, person, organisation, date and quantity mention, with the place_id or "
            "actor_id it resolves to and how (exact/alias/fuzzy/unresolved).",
            deps=_DEPS,
            kinds=_KINDS,
        ),
        spec(
            "nlp.claims",
            "Control claims: who captured, left, entered, besieged or struck which place on which day, "
            "who says so and how sure, each with its evidence offsets.",
            deps=_DEPS,
            kinds=_KINDS,
        ),
        spec(
            "nlp.figures",
            "Reported figures (killed, injured, displaced, distances, places captured, ...) with low/best/high, "
            "qualifier, subject side, attribution and certainty.",
            deps=_DEPS,
            kinds=_KINDS,
        ),
    ],
    pool=POOL,
)
def nlp_layer(context: dg.AssetExecutionContext, nlp_model: NlpModel, warehouse: Warehouse):
    # Only the columns parsing needs: at 10,000 articles the sentence texts and the other
    # article columns as Python dicts were ~0.5 GB, inherited by every worker process.
    # Sessions: one open of the file for the reads before the analysis and one for the merge and
    # write after it (each open costs ~20 ms); none held while the analysis runs.
    with warehouse.session():
        texts = article_texts(
            warehouse.query(
                "select article_id, is_english, body_text, published_date, publisher from clean.articles order by article_id"
            ).to_dicts(),
            warehouse.query(
                "select article_id, sentence_id, start_char, end_char from clean.sentences order by article_id, sentence_id"
            ).to_dicts(),
        )
        previous = _previous_keys(warehouse)
    nlp = nlp_model.nlp
    cache = DocCache(nlp_model.cache_path(warehouse.database))
    cache.bind(nlp)
    model_fp = cache.fingerprint
    keys = {t.article_id: analysis_key(model_fp, t) for t in texts}
    unchanged = sorted(a for a, k in keys.items() if previous.get(a) == k)
    changed = [t for t in texts if previous.get(t.article_id) != keys[t.article_id]]

    started = time.perf_counter()
    rows = analyse_documents(nlp, changed, cache=cache, batch_size=nlp_model.batch_size, n_process=nlp_model.n_process)
    elapsed = time.perf_counter() - started
    new_rows = {"nlp.entity_mentions": rows.mentions, "nlp.claims": rows.claims, "nlp.figures": rows.figures}
    with warehouse.session():
        with warehouse.connect() as con:
            in_place = bool(previous) and all(has_schema(con, t, schema(t)) for t in [*new_rows, "nlp.article_state"])
        if in_place:
            # Only the rows of the articles analysed now, and of those no longer analysed, change:
            # each article's rows in the four tables are written together, from its own text
            # alone, so they never depend on what another run wrote for other articles.
            written = {t: conform(t, new).sort(_ORDER[t], nulls_last=True) for t, new in new_rows.items()}
            ids = sorted(t.article_id for t in changed)
        else:
            written = {t: _merge(t, new, warehouse, unchanged) for t, new in new_rows.items()}
            ids = sorted(keys)
        state = pl.DataFrame({"article_id": ids, "analysis_key": [keys[a] for a in ids]},
                             schema={"article_id": pl.String, "analysis_key": pl.String})
        for column, table in (("n_mentions", "nlp.entity_mentions"), ("n_claims", "nlp.claims"), ("n_figures", "nlp.figures")):
            counts = written[table].group_by("article_id").agg(pl.len().alias(column))
            state = state.join(counts, on="article_id", how="left").with_columns(pl.col(column).fill_null(0))
        written["nlp.article_state"] = conform("nlp.article_state", state)
        stale = sorted(set(ids) | (previous.keys() - keys.keys()))
        with warehouse.write() as con:
            for table, frame in written.items():
                if in_place:
                    replace_rows(con, table, frame, "article_id", stale)
                else:
                    replace_table(con, table, frame)
            # the tables as stored, for the metadata
            mentions, claims, figures = (
                fetch_frame(con, f"select * from {table} order by {_ORDER_BY[table]}") for table in new_rows
            )
    context.log.info(
        f"{len(changed)} of {len(texts)} articles analysed ({rows.n_tokens} tokens) in {elapsed:.1f}s; "
        f"doc cache {cache.hits} hits, {cache.misses} parsed; {cache.resolutions_reused} entity resolutions, "
        f"{cache.claims_reused} claim and {cache.figures_reused} figure extractions reused; "
        f"{len(unchanged)} articles reused unchanged"
    )
    run_stats = {
        "articles_analysed": len(changed),
        "articles_reused": len(unchanged),
        "docs": rows.n_docs,
        "tokens": rows.n_tokens,
        "seconds": round(elapsed, 2),
        "docs_parsed": cache.misses,
        "docs_from_cache": cache.hits,
        "resolutions_reused": cache.resolutions_reused,
        "claims_reused": cache.claims_reused,
        "figures_reused": cache.figures_reused,
        "model": nlp_model.model_name,
    }
    places = mentions.filter(mentions["label"] == "PLACE")
    yield dg.MaterializeResult(
        asset_key=["nlp", "entity_mentions"],
        metadata=table_metadata(
            "nlp.entity_mentions", mentions, ["article_id", "sentence_id", "text", "label", "entity_id", "resolution"],
            by_label=counts_markdown(mentions, ["label"]),
            place_resolution=counts_markdown(places, ["resolution"]),
            **run_stats,
        ),
    )
    yield dg.MaterializeResult(
        asset_key=["nlp", "claims"],
        metadata=table_metadata(
            "nlp.claims", claims, ["article_id", "event", "side", "place_id", "event_date", "certainty"],
            by_event_certainty=counts_markdown(claims, ["event", "certainty"]),
        ),
    )
    yield dg.MaterializeResult(
        asset_key=["nlp", "figures"],
        metadata=table_metadata(
            "nlp.figures", figures, ["article_id", "metric", "value_low", "value_best", "value_high", "qualifier", "side"],
            by_metric=counts_markdown(figures, ["metric", "qualifier"]),
        ),
    )
