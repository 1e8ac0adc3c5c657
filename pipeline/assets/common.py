"""Shared bits of the thin assets: the write pool, kinds, owners and UI metadata."""


import dagster as dg
import polars as pl

from pipeline.tables import TABLES

# Every step that opens the warehouse shares this pool; the shipped dagster.yaml limits it to 1
# because DuckDB admits one writer process at a time.
POOL = "duckdb"
OWNERS = ["team:frontline"]
_DTYPE_NAMES = {pl.Utf8: "string", pl.Int64: "int", pl.Float64: "float", pl.Date: "date", pl.Boolean: "bool",
                pl.Binary: "bytes"}


def column_schema(table: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, _DTYPE_NAMES.get(c.dtype, str(c.dtype)), description=c.description)
            for c in TABLES[table]
        ]
    )


def downstream_condition() -> dg.AutomationCondition:
    # Imported lazily: automation.py builds jobs and sensors, assets only need the conditions.
    from pipeline.automation import automation_condition

    return automation_condition()


def source_condition() -> dg.AutomationCondition:
    from pipeline.automation import source_condition

    return source_condition()


def spec(table: str, description: str, deps: list | None = None, kinds: set[str] | None = None, **kwargs) -> dg.AssetSpec:
    schema, name = table.split(".")
    metadata = {"dagster/column_schema": column_schema(table)} if table in TABLES else {}
    metadata["dagster/table_name"] = table
    return dg.AssetSpec(
        key=[schema, name],
        description=description,
        deps=deps or [],
        group_name=schema,
        kinds=kinds or {"duckdb", "polars"},
        owners=OWNERS,
        metadata=metadata,
        automation_condition=downstream_condition() if deps else source_condition(),
        **kwargs,
    )


def markdown_preview(frame: pl.DataFrame, n: int = 5, max_chars: int = 80) -> str:
    if frame.height == 0:
        return "_(no rows)_"
    head = frame.head(n)
    cols = head.columns

    def cell(v) -> str:
        s = "" if v is None else str(v)
        s = s.replace("\n", " ").replace("|", "\\|")
        return s if len(s) <= max_chars else s[: max_chars - 1] + "…"

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in head.iter_rows():
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def table_metadata(table: str, frame: pl.DataFrame, preview_columns: list[str] | None = None, **extra) -> dict:
    shown = frame.select(preview_columns) if preview_columns else frame
    return {
        "dagster/row_count": frame.height,
        "preview": dg.MetadataValue.md(markdown_preview(shown)),
        **extra,
    }


def counts_markdown(frame: pl.DataFrame, by: list[str]) -> dg.MetadataValue:
    if frame.height == 0:
        return dg.MetadataValue.md("_(no rows)_")
    counts = frame.group_by(by).len("n").sort(["n", *by], descending=[True, *([False] * len(by))])
    return dg.MetadataValue.md(markdown_preview(counts, n=50))
