"""The control timeline: places as rows (ordered by their first change of controller), days as
columns, each cell coloured by the controller side that day.

Cells with new evidence carry a dot; carried days are a lighter tint of the side colour, because
they are inferred from the last evidence rather than observed; disputed days are cross-hatched,
claimed days diagonally hatched, baseline days dotted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from pipeline.reports import data
from pipeline.reports.palette import SIDE_COLOURS, STATUS_STYLES, side_colour, status_style, tinted
from pipeline.reports.render import new_figure, png_bytes, save, style

_HATCHED = ("disputed", "claimed", "baseline")
_MAX_HEIGHT_IN = 60.0
# A tall timeline (hundreds of places) at full DPI is tens of megapixels and ~1 GB of raster
# buffers; above this the DPI is lowered so the PNG stays within it.
MAX_PIXELS = 8_000_000


def capped_dpi(fig, dpi: float) -> float:
    w, h = fig.get_size_inches()
    return min(float(dpi), (MAX_PIXELS / (w * h)) ** 0.5)


def timeline_grid(con: duckdb.DuckDBPyConnection) -> tuple[list[dt.date], pl.DataFrame, pl.DataFrame]:
    """(days, ordered places, control rows) for the corpus period; empty when there is no control."""
    period = data.corpus_period(con)
    if period is None:
        return [], pl.DataFrame(), pl.DataFrame()
    first, last = period
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    order = data.place_order(con, first, last)
    cells = data.control_between(con, first, last)
    return days, order, cells


def _date_labels(days: list[dt.date]) -> tuple[list[int], list[str]]:
    step = max(1, len(days) // 40)
    idx = list(range(0, len(days), step))
    return idx, [days[i].strftime("%d %b") if i == 0 or days[i].day == 1 or step > 1 or days[i].weekday() == 0
                 else days[i].strftime("%d") for i in idx]


SUB = 8
_HATCH_RGB = np.array([0x3A, 0x2A, 0x4A], dtype=np.float32)
_HATCH_ALPHA = 0.7


def _hatch_masks() -> dict[str, np.ndarray]:
    y, x = np.mgrid[0:SUB, 0:SUB]
    diag = (x + y) % 4 == 0
    anti = (x - y) % 4 == 0
    return {"///": diag, "xxx": diag | anti, "..": (x % 3 == 1) & (y % 3 == 1)}


def _textured(rgba: np.ndarray, hatches: list[tuple[int, int, str]]) -> np.ndarray:
    """Each cell as SUB × SUB pixels: its colour, its status hatch, a white line on its right and
    bottom edge (the cell grid, so neighbouring days of one colour still read as days)."""
    img = np.repeat(np.repeat(rgba, SUB, axis=0), SUB, axis=1)
    masks = _hatch_masks()
    for i, j, hatch in hatches:
        mask = masks.get(hatch)
        if mask is None:
            continue
        block = img[i * SUB:(i + 1) * SUB, j * SUB:(j + 1) * SUB, :3]
        mixed = block[mask].astype(np.float32) * (1 - _HATCH_ALPHA) + _HATCH_RGB * _HATCH_ALPHA
        block[mask] = mixed.round().astype(np.uint8)
    img[SUB - 1::SUB, :, :] = 255
    img[:, SUB - 1::SUB, :] = 255
    return img


def timeline_figure(con: duckdb.DuckDBPyConnection):
    days, order, cells = timeline_grid(con)
    n_days, n_places = len(days), order.height
    row_h = 0.24 if n_places * 0.24 <= _MAX_HEIGHT_IN else _MAX_HEIGHT_IN / max(n_places, 1)
    label_w, legend_w = 2.4, 2.6
    width = label_w + max(4.0, 0.3 * n_days) + legend_w
    height = max(4.8, 2.2 + n_places * row_h)  # tall enough for the legend even with few places
    fig = new_figure(width, height)
    left, right = label_w / width, 1 - legend_w / width
    bottom, top = 0.9 / height, 1 - 1.3 / height
    ax = fig.add_axes((left, bottom, right - left, top - bottom))
    leg_ax = fig.add_axes((right + 0.01, bottom, 1 - right - 0.02, top - bottom))
    leg_ax.set_axis_off()

    row_of = {pid: i for i, pid in enumerate(order["place_id"].to_list())} if n_places else {}
    col_of = {d: j for j, d in enumerate(days)}
    # uint8, not float: matplotlib converts float images per draw, costly on a big place × day grid.
    rgba = np.full((max(n_places, 1), max(n_days, 1), 4), 255, dtype=np.uint8)
    hatches: list[tuple[int, int, str]] = []
    dots_x, dots_y = [], []
    status_seen: set[str] = set()
    sides_seen: set[str] = set()
    for r in cells.iter_rows(named=True) if cells.height else []:
        i, j = row_of.get(r["place_id"]), col_of.get(r["date"])
        if i is None or j is None:
            continue
        status = (r["status"] or "").lower()
        st = status_style(status)
        rgba[i, j, :3] = [round(c * 255) for c in tinted(side_colour(r["controller_side"]), st["tint"])]
        status_seen.add(status)
        sides_seen.add(r["controller_side"])
        if status in _HATCHED:
            hatches.append((i, j, st["hatch"]))
        if status not in ("carried", "baseline"):
            dots_x.append(j)
            dots_y.append(i)

    # Hatching and the cell grid are painted into the raster (SUB × SUB pixels per cell) rather
    # than drawn as a patch per hatched cell and a tick per row: a few hundred places × a few
    # weeks are tens of thousands of cells, which as artists took most of the rendering time.
    ax.imshow(_textured(rgba, hatches), aspect="auto", interpolation="nearest",
              extent=(-0.5, max(n_days, 1) - 0.5, max(n_places, 1) - 0.5, -0.5), zorder=1)
    if dots_x:
        ax.scatter(dots_x, dots_y, s=6, c="#111111", zorder=3, linewidths=0)
    ax.tick_params(which="minor", length=0)

    if n_places:
        fontsize = 7.5 if row_h >= 0.2 else max(3.0, row_h * 36)
        ax.set_yticks(range(n_places))
        ax.set_yticklabels([str(n) for n in order["name"].to_list()], fontsize=fontsize)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no control data in the warehouse", transform=ax.transAxes, ha="center")
    idx, labels = _date_labels(days)
    ax.set_xticks(idx)
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.xaxis.set_ticks_position("both")
    ax.tick_params(axis="x", labeltop=True, labelbottom=True)
    span = f"{days[0].isoformat()} to {days[-1].isoformat()}" if days else "no period"
    ax.set_title(f"Control by place and day, {span}", loc="left", fontweight="bold", pad=28)

    side_handles = [Patch(facecolor=c, edgecolor="#555555", lw=0.4, label=s) for s, c in SIDE_COLOURS.items()
                    if s in sides_seen or s in ("opposition", "government", "contested")]
    status_handles = [Line2D([], [], marker="o", ls="", ms=3, color="#111111", label="new evidence that day")]
    status_handles.append(Patch(facecolor="#2e8b3e", lw=0, label="full colour: the state that day"))
    status_handles += [
        Patch(facecolor=tinted("#2e8b3e", st["tint"]), hatch=st["hatch"], edgecolor="#3a2a4a", lw=0,
              label=st["label"])
        for name, st in STATUS_STYLES.items()
        if name not in ("confirmed", "reported") and (name in status_seen or name in ("carried", "disputed"))
    ]
    renderer = fig.canvas.get_renderer()
    y = 1.0
    for handles, title in ((side_handles, "controller side"), (status_handles, "cell style")):
        leg = Legend(leg_ax, handles, [h.get_label() for h in handles], title=title, loc="upper left",
                     bbox_to_anchor=(0.0, y), fontsize=7, title_fontsize=8, frameon=False, alignment="left")
        leg_ax.add_artist(leg)
        y = leg.get_window_extent(renderer).transformed(leg_ax.transAxes.inverted()).y0 - 0.02

    meta = {
        "first_day": days[0] if days else None,
        "last_day": days[-1] if days else None,
        "n_days": n_days,
        "n_places": n_places,
        "n_cells": cells.height,
        "n_hatched": len(hatches),
    }
    return fig, meta


def render_timeline(con: duckdb.DuckDBPyConnection, out_png: Path, *, out_svg: Path | None = None,
                    dpi: int = 150, thumbnail_dpi: int | None = None) -> dict:
    """Write the place-by-day control timeline (PNG, optionally SVG); return what it shows."""
    with style(), data.own_cursor(con) as cur:
        fig, meta = timeline_figure(cur)
        save(fig, out_png=Path(out_png), out_svg=Path(out_svg) if out_svg else None, dpi=capped_dpi(fig, dpi))
        if thumbnail_dpi:
            meta["thumbnail_png"] = png_bytes(fig, thumbnail_dpi)
    meta.update(png=Path(out_png))
    if out_svg:
        meta["svg"] = Path(out_svg)
    return meta


def timeline_png(con: duckdb.DuckDBPyConnection, dpi: int = 110) -> tuple[bytes, dict]:
    with style():
        fig, meta = timeline_figure(con)
        return png_bytes(fig, capped_dpi(fig, dpi)), meta
