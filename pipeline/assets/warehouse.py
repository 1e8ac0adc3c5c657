"""Warehouse layer: marts built by the SQL files in warehouse/sql, all in one transaction."""


import datetime as dt

import dagster as dg

from pipeline.assets.common import OWNERS, POOL, downstream_condition, markdown_preview
from pipeline.marts import MART_TABLES, build_marts, column_docs
from pipeline.db import fetch_frame
from pipeline.exports import export_control_geojson, export_parquet
from pipeline.resources import Warehouse

MARTS = {
    "dim_place": "One row per place: gazetteer places plus the unresolved places claims use.",
    "dim_actor": "One row per actor: armed actors with their side, and information sources.",
    "dim_article": "One row per article: title, publisher, URL, publication date, duplicate_of.",
    "unresolved_places": "Place names the gazetteer does not know, by frequency, for curation.",
    "control_claims": "One row per dated, placed control claim with its sentence: the marts' input, for auditing.",
    "fact_control_event": "One row per (place, date, event, side), merging claims across articles with corroboration counts.",
    "control_evidence": "One row per (place, day) with new evidence: the day's decision before carrying forward.",
    "control_daily": "One row per (place, day): controller side, status, since when, evidence and confidence.",
    "control_disputes": "One row per (place, day) where publishers disagree on who controls it.",
    "fact_figure": "One row per distinct reported figure across articles, with low/best/high.",
}
assert set(MARTS) == set(MART_TABLES), "every mart needs a description here"
_UPSTREAM = [
    ["clean", "articles"], ["clean", "sentences"], ["nlp", "entity_mentions"], ["nlp", "claims"],
    ["nlp", "figures"], ["ref", "places"], ["ref", "actors"], ["ref", "baseline_control"],
]


# Dimensions copy their source's columns by name; lineage for them is cheap and exact.
_COPIED_FROM = {"dim_place": "ref.places", "dim_actor": "ref.actors", "dim_article": "clean.articles"}


def _copied_lineage(source: str, mart_columns: list[str], source_columns) -> dg.TableColumnLineage:
    available = set(source_columns.filter(source_columns["source"] == source)["column_name"].to_list())
    schema, table = source.split(".")
    return dg.TableColumnLineage(
        deps_by_column={
            col: [dg.TableColumnDep(asset_key=dg.AssetKey([schema, table]), column_name=col)]
            for col in mart_columns
            if col in available
        }
    )


class MartsConfig(dg.Config):
    control_end_date: str | None = None  # ISO date; default: the corpus's last publication date


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["warehouse", name], description=text, deps=_UPSTREAM, group_name="warehouse",
            kinds={"duckdb", "sql"}, owners=OWNERS, metadata={"dagster/table_name": f"warehouse.{name}"},
            automation_condition=downstream_condition(),
        )
        for name, text in MARTS.items()
    ],
    pool=POOL,
)
def warehouse_marts(context: dg.AssetExecutionContext, config: MartsConfig, warehouse: Warehouse):
    end = dt.date.fromisoformat(config.control_end_date) if config.control_end_date else None
    with warehouse.session():  # one open of the file for the build and the metadata reads
        with warehouse.write() as con:
            counts = build_marts(con, control_end_date=end)
        with warehouse.connect() as con:
            latest = fetch_frame(
                con,
                """
                select p.name as place, c.controller_side, c.status, c.since_date, round(c.confidence, 2) as confidence
                from warehouse.control_daily c join warehouse.dim_place p using (place_id)
                where c.date = (select max(date) from warehouse.control_daily)
                order by p.name
                """,
            )
            previews = {name: fetch_frame(con, f"select * from warehouse.{name} limit 5") for name in MARTS}
            columns = fetch_frame(
                con,
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'warehouse' order by table_name, ordinal_position",
            )
            source_columns = fetch_frame(
                con,
                "select table_schema || '.' || table_name as source, column_name from information_schema.columns "
                "where table_schema in ('ref', 'clean')",
            )
    docs = column_docs()
    for name in MARTS:
        table_columns = columns.filter(columns["table_name"] == name)
        described = docs.get(f"warehouse.{name}", {})
        metadata = {
            "dagster/row_count": int(counts.get(f"warehouse.{name}", counts.get(name, 0))),
            "preview": dg.MetadataValue.md(markdown_preview(previews[name])),
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(col, dtype.lower(), description=described.get(col))
                    for col, dtype in zip(table_columns["column_name"], table_columns["data_type"])
                ]
            ),
        }
        if name in _COPIED_FROM:
            metadata["dagster/column_lineage"] = _copied_lineage(
                _COPIED_FROM[name], table_columns["column_name"].to_list(), source_columns
            )
        if name == "control_daily":
            metadata["latest_control"] = dg.MetadataValue.md(markdown_preview(latest, n=100))
        yield dg.MaterializeResult(asset_key=["warehouse", name], metadata=metadata)


@dg.asset(
    key=["warehouse", "exports"],
    deps=[["warehouse", name] for name in MARTS],
    group_name="warehouse",
    kinds={"duckdb", "parquet", "geojson"},
    owners=OWNERS,
    pool=POOL,
    automation_condition=downstream_condition(),
    description="Parquet of every mart and GeoJSON of daily control (latest, all days, one file per day), "
    "under warehouse/exports/, for QGIS, kepler.gl or any Arrow tool.",
)
def warehouse_exports(warehouse: Warehouse) -> dg.MaterializeResult:
    out_dir = warehouse.output_dir("exports")
    with warehouse.connect(read_only=True) as con:
        parquet = export_parquet(con, out_dir / "parquet", [f"warehouse.{name}" for name in MARTS])
        geo = export_control_geojson(con, out_dir / "geojson")
    return dg.MaterializeResult(
        metadata={
            "exports_dir": dg.MetadataValue.path(str(out_dir.resolve())),
            "parquet_files": dg.MetadataValue.json(sorted(p.name for p in parquet.values())),
            "geojson_features": geo["n_features"],
            "geojson_days": geo["n_days"],
            "latest_day": geo["latest"] or "",
        }
    )
