"""Clean layer: normalised body text, headline/heading/body sentences, datelines, duplicates."""


import dagster as dg

from pipeline.assets.common import POOL, counts_markdown, spec, table_metadata
from pipeline.parallel import default_n_process
from pipeline.resources import Warehouse, replace_table
from pipeline.tables import conform
from pipeline.text.corpus import clean_rows, plan_cleaning
from pipeline.text.language import load_identifier_in_background


_PREVIEW = ["article_id", "title", "publisher", "published_date", "published_date_source", "n_words", "duplicate_of"]
# what the metadata shows of stored articles: the preview columns and the one the counts need
_STORED_ARTICLES = (
    "select article_id, title, publisher, published_date, published_date_source, n_words, duplicate_of, is_english "
    "from clean.articles order by article_id"
)


def _stored_keys(warehouse: Warehouse) -> dict[str, str]:
    if not (warehouse.table_exists("clean.articles") and warehouse.table_exists("clean.sentences")):
        return {}
    if "clean_key" not in warehouse.query("select * from clean.articles limit 0").columns:
        return {}
    frame = warehouse.query("select article_id, clean_key from clean.articles")
    return dict(zip(frame["article_id"], frame["clean_key"]))


def _previous(warehouse: Warehouse) -> dict[str, tuple[dict, list[dict]]]:
    if not (warehouse.table_exists("clean.articles") and warehouse.table_exists("clean.sentences")):
        return {}
    articles = warehouse.query("select * from clean.articles")
    if "clean_key" not in articles.columns:  # a warehouse from before incremental cleaning
        return {}
    sentences: dict[str, list[dict]] = {}
    for row in warehouse.query("select * from clean.sentences order by article_id, sentence_id").iter_rows(named=True):
        sentences.setdefault(row["article_id"], []).append(row)
    return {a["article_id"]: (a, sentences.get(a["article_id"], [])) for a in articles.iter_rows(named=True)}


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
            sentences = warehouse.query(
                "select article_id, sentence_id, kind, text from clean.sentences order by article_id, sentence_id"
            )
        cleaned = 0
    else:
        with warehouse.session():
            previous = _previous(warehouse)
        article_rows, sentence_rows = clean_rows(raw, previous, n_process=default_n_process(), plan=plan)
        articles = conform("clean.articles", article_rows)
        sentences = conform("clean.sentences", sentence_rows)
        with warehouse.write() as con:
            replace_table(con, "clean.articles", articles)
            replace_table(con, "clean.sentences", sentences)
        cleaned = sum(previous.get(a, ({},))[0].get("clean_key") != k for a, k in plan.keys.items())
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
