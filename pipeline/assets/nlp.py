"""NLP layer: one model-heavy step that parses every article (cached) and runs the rules."""


import time

import dagster as dg

from pipeline.assets.common import POOL, counts_markdown, spec, table_metadata
from pipeline.nlp.corpus import analyse_documents, article_texts
from pipeline.nlp.pipeline import DocCache
from pipeline.resources import NlpModel, Warehouse, replace_table
from pipeline.tables import conform

_DEPS = [["clean", "articles"], ["clean", "sentences"], ["ref", "places"], ["ref", "actors"]]
_KINDS = {"duckdb", "polars", "spacy"}


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
    articles = warehouse.query("select * from clean.articles order by article_id").to_dicts()
    sentences = warehouse.query("select * from clean.sentences order by article_id, sentence_id").to_dicts()
    cache = DocCache(nlp_model.cache_path(warehouse.database))
    started = time.perf_counter()
    rows = analyse_documents(
        nlp_model.nlp,
        article_texts(articles, sentences),
        cache=cache,
        batch_size=nlp_model.batch_size,
        n_process=nlp_model.n_process,
    )
    elapsed = time.perf_counter() - started
    mentions = conform("nlp.entity_mentions", rows.mentions)
    claims = conform("nlp.claims", rows.claims)
    figures = conform("nlp.figures", rows.figures)
    with warehouse.write() as con:
        replace_table(con, "nlp.entity_mentions", mentions)
        replace_table(con, "nlp.claims", claims)
        replace_table(con, "nlp.figures", figures)
    context.log.info(
        f"{rows.n_docs} docs, {rows.n_tokens} tokens in {elapsed:.1f}s; doc cache {cache.hits} hits, {cache.misses} parsed"
    )
    run_stats = {
        "docs": rows.n_docs,
        "tokens": rows.n_tokens,
        "seconds": round(elapsed, 2),
        "docs_parsed": cache.misses,
        "docs_from_cache": cache.hits,
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
