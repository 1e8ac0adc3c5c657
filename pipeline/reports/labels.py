"""Greedy point-label placement: try the classic cartographic positions around each point
(right-above first, then the other corners and sides, then further out with a leader line) and
keep the first that overlaps no placed label, marker or the frame; labels that fit nowhere are
left out rather than drawn over others, and the caller reports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.transforms import Bbox

# (dx, dy) in points, with the alignment that keeps the text on the far side of the point.
_NEAR = [(5, 3), (5, -3), (-5, 3), (-5, -3), (0, 7), (0, -7), (7, 0), (-7, 0)]
_FAR_SCALE = (2.6, 4.2)


def _align(dx: float, dy: float) -> tuple[str, str]:
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    return ha, va


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


@dataclass
class LabelRequest:
    x: float
    y: float
    text: str
    marker_radius_pt: float = 4.0


def place_labels(ax: Axes, requests: list[LabelRequest], *, fontsize: float = 7.0, always: int = 0,
                 text_kwargs: dict | None = None, avoid: list | None = None) -> tuple[list, list[int]]:
    """Place labels in request order (callers sort by importance). The first `always` labels are
    drawn even when every position overlaps (at the least-overlapping one); `avoid` lists artists
    already drawn (e.g. region names) that labels should not cover. Returns the text artists and
    the indices of requests left unlabelled."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    px_per_pt = fig.dpi / 72.0
    obstacles: list[Bbox] = []
    for r in requests:
        cx, cy = ax.transData.transform((r.x, r.y))
        rad = r.marker_radius_pt * px_per_pt
        obstacles.append(Bbox.from_extents(cx - rad, cy - rad, cx + rad, cy + rad))
    placed: list[Bbox] = [a.get_window_extent(renderer) for a in (avoid or [])]
    artists, skipped = [], []
    candidates = [(dx, dy, False) for dx, dy in _NEAR] + [
        (dx * s, dy * s, True) for s in _FAR_SCALE for dx, dy in _NEAR
    ]
    for i, r in enumerate(requests):
        text = ax.annotate(r.text, (r.x, r.y), xytext=(0, 0), textcoords="offset points",
                           fontsize=fontsize, zorder=6, annotation_clip=False, **(text_kwargs or {}))
        best = None
        for dx, dy, far in candidates:
            ha, va = _align(dx, dy)
            text.xyann = (dx, dy)
            text.set_ha(ha)
            text.set_va(va)
            box = text.get_window_extent(renderer).expanded(1.04, 1.1)
            score = sum(_overlap(box, b) for b in placed)
            score += sum(_overlap(box, b) for j, b in enumerate(obstacles) if j != i)
            outside = box.width * box.height - _overlap(box, frame)
            score += 4 * outside
            # A short distance is worth a little overlap-free area: prefer near positions.
            key = (score, far)
            if best is None or key < best[0]:
                best = (key, dx, dy, far, box)
            if score == 0:
                break
        (score, _), dx, dy, far, box = best
        if score > 0 and i >= always:
            text.remove()
            skipped.append(i)
            continue
        ha, va = _align(dx, dy)
        text.xyann = (dx, dy)
        text.set_ha(ha)
        text.set_va(va)
        if far:
            text.arrow_patch = None
            text.set_annotation_clip(False)
            ax.annotate("", (r.x, r.y), xytext=(dx, dy), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#555555",
                                    "shrinkA": 0, "shrinkB": r.marker_radius_pt}, zorder=5)
        placed.append(box)
        artists.append(text)
    return artists, skipped
