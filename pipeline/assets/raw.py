"""Raw layer: every article record as received, and every file that could not be used."""


import dagster as dg
import polars as pl

from pipeline.assets.common import POOL, spec, table_metadata
from pipeline.db import fetch_frame, has_schema, replace_rows, replace_table
from pipeline.resources import SeedsConfig, Warehouse
from pipeline.tables import conform, schema
from pipeline.text.corpus import raw_rows, rejected_rows
from pipeline.text.reading import read_corpus


def _previous(warehouse: Warehouse, current_ids: set[str]) -> tuple[dict, dict]:
    articles, rejected = {}, {}
    if warehouse.table_exists("raw.articles"):
        # Whole rows (raw text included) only of the articles whose file is gone, which stay in
        # the table marked removed; of the others `raw_rows` needs only the ingestion time.
        light = warehouse.query("select * exclude (raw_text) from raw.articles")
        gone = sorted(set(light["article_id"]) - current_ids)
        if gone:
            light = pl.concat([
                light.filter(~pl.col("article_id").is_in(gone)),
                warehouse.query("select * from raw.articles where list_contains(?, article_id)", [gone]),
            ], how="diagonal")
        for row in light.iter_rows(named=True):
            articles[(row["article_id"], row["content_sha256"])] = row
    if warehouse.table_exists("raw.rejected_files"):
        for row in warehouse.query("select * from raw.rejected_files").iter_rows(named=True):
            rejected[(row["source_path"], row["reason"])] = row["detected_at"]
    return articles, rejected


# the stored rows are read without their text, which the content hash stands for
_COMPARED = [column for column in schema("raw.articles") if column != "raw_text"]


def _differs(row: dict, stored: dict | None) -> bool:
    return stored is None or any(row.get(column) != stored.get(column) for column in _COMPARED)


# what the metadata shows of the stored articles
_STORED_ARTICLES = (
    "select article_id, source_path, encoding, meta_published, meta_publisher, status from raw.articles order by article_id"
)


@dg.multi_asset(
    specs=[
        spec(
            "raw.articles",
            "One row per article record (a .txt file with its sidecar, or one JSONL line), keyed by "
            "content hash. Files that disappear stay, marked `removed`.",
        ),
        spec("raw.rejected_files", "Every file or record that could not be ingested, with a specific reason."),
    ],
    pool=POOL,
)
def raw_layer(context: dg.AssetExecutionContext, seeds: SeedsConfig, warehouse: Warehouse):
    records, rejections = read_corpus(seeds.path, max_bytes=seeds.max_file_bytes)
    with warehouse.session():  # one open of the file for the step's reads and its write
        previous_articles, previous_rejected = _previous(warehouse, {r.article_id for r in records})
        rows = raw_rows(records, previous_articles)
        rejected = conform("raw.rejected_files", rejected_rows(rejections, previous_rejected))
        with warehouse.write() as con:
            if previous_articles and has_schema(con, "raw.articles", schema("raw.articles")):
                # only the records that are new or changed, or whose file went
                stored = {row["article_id"]: row for row in previous_articles.values()}
                changed = [row for row in rows if _differs(row, stored.get(row["article_id"]))]
                replace_rows(con, "raw.articles", conform("raw.articles", changed), "article_id",
                             [row["article_id"] for row in changed])
            else:
                replace_table(con, "raw.articles", conform("raw.articles", rows))
            replace_table(con, "raw.rejected_files", rejected)
            articles = fetch_frame(con, _STORED_ARTICLES)
    for r in rejections:
        context.log.warning(f"rejected {r.source_path}: {r.reason}")
    yield dg.MaterializeResult(
        asset_key=["raw", "articles"],
        metadata=table_metadata(
            "raw.articles",
            articles,
            ["article_id", "source_path", "encoding", "meta_published", "meta_publisher", "status"],
            seeds_dir=str(seeds.path.resolve()),
            n_removed=int((articles["status"] == "removed").sum()),
        ),
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "rejected_files"],
        metadata=table_metadata("raw.rejected_files", rejected),
    )
