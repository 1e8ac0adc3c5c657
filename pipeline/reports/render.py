"""Matplotlib set-up shared by the map and the timeline: offline Agg backend, stable output."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=True)  # never a GUI or a network-backed backend, also on a desktop

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Text stays text in SVG (searchable, small); no timestamps so re-rendering gives identical files.
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "frontline",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 11,
}
SVG_META = {"Date": None, "Creator": "Frontline"}
PNG_META = {"Software": "Frontline (matplotlib)"}


@contextmanager
def style():
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> Figure:
    # Figure() rather than pyplot.figure(): no global figure registry, nothing to leak in long runs.
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # an Agg canvas, so text extents can be measured before saving
    return fig


def save(fig: Figure, out_png: Path | None = None, out_svg: Path | None = None, dpi: int = 150) -> None:
    for path in (out_png, out_svg):
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    if out_png is not None:
        fig.savefig(out_png, format="png", dpi=dpi, metadata=PNG_META, facecolor="white")
    if out_svg is not None:
        fig.savefig(out_svg, format="svg", metadata=SVG_META, facecolor="white")


def png_bytes(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=PNG_META, facecolor="white")
    return buf.getvalue()


__all__ = ["style", "new_figure", "save", "png_bytes"]
