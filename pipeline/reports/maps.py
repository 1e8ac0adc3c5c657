"""The control map: every place with a control state on a day, coloured by who holds it.

Offline by design: coordinates from the gazetteer on a plain lon/lat frame (equirectangular, with
the aspect corrected for latitude), governorate names at their centroids. No basemap tiles and no
boundaries are drawn: the project ships no boundary geometry, and the map says so.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import polars as pl
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from pipeline.reports import data
from pipeline.reports.labels import MAX_LABELS, LabelRequest, place_labels
from pipeline.reports.palette import (
    SIDE_COLOURS,
    STATUS_STYLES,
    hex_to_rgb,
    marker_alpha,
    side_colour,
    status_style,
)
from pipeline.reports.render import new_figure, png_bytes, save, style

# Marker area (pt^2) by kind of place: cities read as the anchors of a front.
_SIZES = {"city": 110, "town": 70, "military_site": 70, "airport": 70, "governorate": 120, "district": 100}
_DEFAULT_SIZE = 45
_MIN_SPAN_DEG = 0.35
_NOTE_LIMIT = 25
# A translucent box rather than a stroke path effect: path effects turn SVG text into outlines,
# which would make the SVG's labels unsearchable.
_LABEL_BOX = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75}


def _extent(lats: list[float], lons: list[float]) -> tuple[float, float, float, float]:
    if not lats:
        # Nothing to show: a neutral frame around Syria's centre, so the map still renders.
        return 32.0, 37.5, 35.0, 42.5
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    pad_lat = max((lat1 - lat0) * 0.12, _MIN_SPAN_DEG / 2)
    pad_lon = max((lon1 - lon0) * 0.12, _MIN_SPAN_DEG / 2)
    return lat0 - pad_lat, lat1 + pad_lat, lon0 - pad_lon, lon1 + pad_lon


def _status_of(row: dict) -> str:
    return (row.get("status") or "").lower()


_FRESH = ("confirmed", "disputed", "reported", "claimed")
_KIND_RANK = {"city": 0, "governorate": 0, "district": 1, "town": 1, "military_site": 2, "airport": 2}


def label_priority(r: dict, day: dt.date | None) -> tuple:
    """Which places get a label first: new evidence that day, then the most recent change of
    controller (since_date), then cities before towns before villages, then confidence."""
    fresh = 0 if _status_of(r) in _FRESH else 1
    since = r.get("since_date")
    age = (day - since).days if day is not None and since is not None else 10_000
    return (fresh, max(age, 0), _KIND_RANK.get(r.get("feature_type") or "", 3), -(r.get("confidence") or 0.0),
            str(r.get("name") or ""), str(r.get("place_id") or ""))


def _draw(frame: pl.DataFrame, governorates: pl.DataFrame, day: dt.date | None, *, title_extra: str = ""):
    """Build the figure; returns (figure, meta)."""
    rows = frame.to_dicts()
    mapped = [r for r in rows if r["lat"] is not None and r["lon"] is not None]
    unmapped = [r for r in rows if r["lat"] is None or r["lon"] is None]

    fig = new_figure(11.0, 8.0)
    ax = fig.add_axes((0.055, 0.07, 0.63, 0.85))
    side_ax = fig.add_axes((0.71, 0.07, 0.28, 0.85))
    side_ax.set_axis_off()

    lat0, lat1, lon0, lon1 = _extent([r["lat"] for r in mapped], [r["lon"] for r in mapped])
    # Widen the shorter span so the data fill the axes box at the latitude-corrected aspect.
    k = math.cos(math.radians((lat0 + lat1) / 2))
    box = ax.get_position()
    box_ratio = (box.width * fig.get_figwidth()) / (box.height * fig.get_figheight())
    if (lon1 - lon0) * k / (lat1 - lat0) < box_ratio:
        grow = ((lat1 - lat0) * box_ratio / k - (lon1 - lon0)) / 2
        lon0, lon1 = lon0 - grow, lon1 + grow
    else:
        grow = ((lon1 - lon0) * k / box_ratio - (lat1 - lat0)) / 2
        lat0, lat1 = lat0 - grow, lat1 + grow
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / k, adjustable="box")
    ax.set_facecolor("#f7f5ef")
    ax.grid(True, color="#dddddd", lw=0.5, zorder=0)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.tick_params(labelsize=7)
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()

    # Governorate names sit under everything else, as orientation only.
    gov_labels = []
    for g in governorates.iter_rows(named=True):
        if x0 <= g["lon"] <= x1 and y0 <= g["lat"] <= y1:
            gov_labels.append(ax.text(g["lon"], g["lat"], str(g["name"]).upper(), fontsize=10, color="#b9b2a0",
                    ha="center", va="center", zorder=1, fontweight="bold", alpha=0.9))

    # Weaker states first, so confirmed and disputed markers end up on top. One collection per
    # status (edge style), not one per place: hundreds of places stay a handful of artists.
    order = {"carried": 0, "baseline": 1, "claimed": 2, "reported": 3, "confirmed": 4, "disputed": 5}
    by_status: dict[str, list[dict]] = {}
    for r in mapped:
        by_status.setdefault(_status_of(r), []).append(r)
    for status in sorted(by_status, key=lambda s: (order.get(s, 0), s)):
        group = sorted(by_status[status], key=lambda r: r["name"])
        st = status_style(status)
        ax.scatter([r["lon"] for r in group], [r["lat"] for r in group],
                   s=[_SIZES.get(r.get("feature_type") or "", _DEFAULT_SIZE) for r in group],
                   c=[(*hex_to_rgb(side_colour(r["controller_side"])), marker_alpha(r["confidence"])) for r in group],
                   edgecolors=st["edge"], linewidths=st["lw"], linestyles=st["ls"],
                   zorder=3 + order.get(status, 0) / 10)
        if status == "disputed":
            ax.scatter([r["lon"] for r in group], [r["lat"] for r in group], s=22, marker="x", c="#6a0dad",
                       linewidths=1.2, zorder=4)

    ranked = sorted(mapped, key=lambda r: label_priority(r, day))
    requests = [
        LabelRequest(r["lon"], r["lat"], str(r["name"]),
                     marker_radius_pt=math.sqrt(_SIZES.get(r.get("feature_type") or "", _DEFAULT_SIZE)) / 2 + 1)
        for r in ranked
    ]
    _, skipped = place_labels(ax, requests, fontsize=7.5, always=min(len(requests), 12),
                              text_kwargs={"bbox": _LABEL_BOX, "color": "#111111"}, avoid=gov_labels,
                              cap=MAX_LABELS)
    unlabelled = [ranked[i]["name"] for i in skipped]

    when = day.isoformat() if day else "no control data"
    ax.set_title(f"Control of places on {when}{title_extra}", loc="left", fontweight="bold")
    fig.text(0.055, 0.015,
             "Points: gazetteer coordinates (GeoNames / OpenSyria / curated). Grey capitals: governorate "
             "centroids (labels only; boundaries are not shipped). Fill opacity = confidence.",
             fontsize=6.5, color="#555555")

    present = {(r["controller_side"] or "unknown") for r in rows}
    side_handles = [
        Line2D([], [], marker="o", ls="", ms=8, mfc=colour, mec="#000000", mew=0.6,
               label=side + ("" if side in present else " (none today)"))
        for side, colour in SIDE_COLOURS.items()
        if side in present or side in ("opposition", "government", "contested")
    ]
    status_present = {_status_of(r) for r in rows}
    status_handles = [
        Line2D([], [], marker="o", ls="", ms=8, mfc="#ffffff", mec=st["edge"], mew=st["lw"], label=st["label"])
        for name, st in STATUS_STYLES.items()
        if name in status_present or name in ("confirmed", "reported", "carried")
    ]
    # Stack legend, legend, note top-down in the side panel, measuring each block.
    renderer = fig.canvas.get_renderer()
    top = 1.0
    for handles, title in ((side_handles, "controller side"), (status_handles, "status (marker edge)")):
        # Legend objects added as artists: ax.legend() keeps only one legend per axes.
        leg = Legend(side_ax, handles, [h.get_label() for h in handles], title=title, loc="upper left",
                     fontsize=7.5, title_fontsize=8, frameon=False, bbox_to_anchor=(0.0, top),
                     alignment="left")
        side_ax.add_artist(leg)
        extent = leg.get_window_extent(renderer).transformed(side_ax.transAxes.inverted())
        top = extent.y0 - 0.03

    note = [f"{len(mapped)} of {len(rows)} places with a control state are on the map."]
    if unmapped:
        note.append(f"Not on the map (no coordinates), {len(unmapped)}:")
        for r in unmapped[:_NOTE_LIMIT]:
            note.append(f"  • {r['name']}: {r['controller_side']} ({r['status']})")
        if len(unmapped) > _NOTE_LIMIT:
            note.append(f"  … and {len(unmapped) - _NOTE_LIMIT} more (see the HTML report)")
    if unlabelled:
        note.append(f"{len(unlabelled)} labels left out (crowded, or beyond the {MAX_LABELS} most important):")
        note.append("  " + ", ".join(unlabelled[:8]) + (" …" if len(unlabelled) > 8 else ""))
    side_ax.text(0.0, top, "\n".join(note), fontsize=7, va="top", ha="left",
                 transform=side_ax.transAxes)

    counts: dict[str, int] = {}
    for r in rows:
        counts[r["controller_side"]] = counts.get(r["controller_side"], 0) + 1
    meta = {
        "date": day,
        "n_places": len(rows),
        "n_mapped": len(mapped),
        "unmapped_place_ids": [r["place_id"] for r in unmapped],
        "unlabelled": unlabelled,
        "sides": dict(sorted(counts.items())),
        "n_governorate_labels": len(gov_labels),
    }
    return fig, meta


def control_map_figure(con: duckdb.DuckDBPyConnection, day: dt.date | None):
    """The map figure for `day` (None: the latest day with control data) and its meta."""
    requested = day
    if day is None:
        day = data.latest_day(con)
    frame = data.control_on(con, day) if day is not None else data.control_on(con, dt.date(1, 1, 1))
    extra = ""
    if requested is not None and frame.height == 0:
        extra = " (no control state recorded for this day)"
    return _draw(frame, data.governorate_centroids(con), day, title_extra=extra)


def render_control_map(con: duckdb.DuckDBPyConnection, day: dt.date | None, out_png: Path, out_svg: Path,
                       *, dpi: int = 150, thumbnail_dpi: int | None = None) -> dict:
    """Write the control map for `day` (None: latest) as PNG and SVG; return what it shows.

    With `thumbnail_dpi`, the meta also carries `thumbnail_png` (bytes) for previews.
    """
    with style(), data.own_cursor(con) as cur:
        fig, meta = control_map_figure(cur, day)
        save(fig, out_png=Path(out_png), out_svg=Path(out_svg), dpi=dpi)
        if thumbnail_dpi:
            meta["thumbnail_png"] = png_bytes(fig, thumbnail_dpi)
    meta.update(png=Path(out_png), svg=Path(out_svg))
    return meta


def control_map_png(con: duckdb.DuckDBPyConnection, day: dt.date, dpi: int = 90) -> tuple[bytes, dict]:
    """The map for one day as PNG bytes (for the HTML report's per-day slider)."""
    with style():
        fig, meta = control_map_figure(con, day)
        return png_bytes(fig, dpi), meta
