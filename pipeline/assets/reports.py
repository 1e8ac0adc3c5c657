"""Reports layer: the control map, the timeline and the self-contained HTML report.

Thin assets: open the warehouse, call pipeline.reports, write files under
`<warehouse folder>/reports/`, attach paths and a small inline preview.
"""
# No `from __future__ import annotations`: Dagster inspects the context annotation at definition time.

import base64
from pathlib import Path

import dagster as dg

from pipeline.assets.common import OWNERS, POOL
from pipeline.resources import Warehouse

MART_DEPS = [
    ["warehouse", "control_daily"],
    ["warehouse", "dim_place"],
    ["warehouse", "fact_control_event"],
    ["warehouse", "control_disputes"],
    ["warehouse", "fact_figure"],
]
KINDS = {"duckdb", "matplotlib", "html"}
# Previews live in the run's event log, so they are rendered at a low DPI to stay a few tens of KB.
THUMBNAIL_DPI = 36


def reports_dir(warehouse: Warehouse) -> Path:
    return warehouse.output_dir("reports")


def _report_asset(name: str, description: str):
    return dg.asset(
        key=["reports", name], deps=MART_DEPS, group_name="reports", kinds=KINDS, owners=OWNERS, pool=POOL,
        description=description,
    )


def _preview(png: bytes, alt: str) -> dg.MetadataValue:
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})")


@_report_asset(
    "control_map",
    "Map of the latest day's control (PNG + SVG): places coloured by controller side, "
    "marker edge by status, opacity by confidence; places without coordinates listed beside it.",
)
def control_map(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pipeline.reports import render_control_map  # imported late: loading Definitions skips matplotlib

    out = reports_dir(warehouse)
    with warehouse.connect(read_only=True) as con:
        meta = render_control_map(con, None, out / "control_map_latest.png", out / "control_map_latest.svg",
                                  thumbnail_dpi=THUMBNAIL_DPI)
    if meta["unmapped_place_ids"]:
        context.log.info(f"{len(meta['unmapped_place_ids'])} places have no coordinates: {meta['unmapped_place_ids']}")
    return dg.MaterializeResult(
        metadata={
            "day": str(meta["date"]),
            "places": meta["n_places"],
            "places_on_map": meta["n_mapped"],
            "places_without_coordinates": dg.MetadataValue.json(meta["unmapped_place_ids"]),
            "labels_left_out": len(meta["unlabelled"]),
            "places_by_side": dg.MetadataValue.json(meta["sides"]),
            "png": dg.MetadataValue.path(str(meta["png"])),
            "svg": dg.MetadataValue.path(str(meta["svg"])),
            "preview": _preview(meta["thumbnail_png"], "control map"),
        }
    )


@_report_asset(
    "control_timeline",
    "Place-by-day control chart for the corpus period (PNG + SVG): cells coloured by "
    "controller side, hatched when disputed or claimed, lighter when carried forward.",
)
def control_timeline(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pipeline.reports import render_timeline  # imported late: loading Definitions skips matplotlib

    out = reports_dir(warehouse)
    with warehouse.connect(read_only=True) as con:
        meta = render_timeline(con, out / "control_timeline.png", out_svg=out / "control_timeline.svg",
                               thumbnail_dpi=THUMBNAIL_DPI)
    return dg.MaterializeResult(
        metadata={
            "first_day": str(meta["first_day"]),
            "last_day": str(meta["last_day"]),
            "days": meta["n_days"],
            "places": meta["n_places"],
            "png": dg.MetadataValue.path(str(meta["png"])),
            "svg": dg.MetadataValue.path(str(meta["svg"])),
            "preview": _preview(meta["thumbnail_png"], "control timeline"),
        }
    )


@_report_asset(
    "html_report",
    "Self-contained offline HTML report (warehouse/reports/index.html): per-day maps with a "
    "slider, the timeline, evidence for every control cell, disputes and figures.",
)
def html_report(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pipeline.reports import render_report  # imported late: loading Definitions skips matplotlib

    with warehouse.connect(read_only=True) as con:
        path = render_report(con, reports_dir(warehouse))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_kb": round(path.stat().st_size / 1024, 1),
            "open": dg.MetadataValue.md(f"Open `{path.resolve()}` in a browser (works offline)."),
        }
    )
