"""Greedy point-label placement: try the classic cartographic positions around each point
(right-above first, then the other corners and sides, then further out with a leader line) and
keep the first that overlaps no placed label, marker or the frame; labels that fit nowhere are
left out rather than drawn over others, and the caller reports them.

Scales to hundreds of places: collisions are tested against a uniform grid of buckets (only the
boxes in the buckets a candidate touches), each label's size is measured once and its candidate
boxes are derived arithmetically, and at most `cap` labels are attempted (callers rank places by
importance, so the cap drops the least important ones). The same placer serves the matplotlib
map (pixel boxes measured by the renderer) and the HTML report's SVG maps (estimated text size).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

# (dx, dy) in points, with the alignment that keeps the text on the far side of the point.
_NEAR = [(5, 3), (5, -3), (-5, 3), (-5, -3), (0, 7), (0, -7), (7, 0), (-7, 0)]
_FAR_SCALE = (2.6, 4.2)
CANDIDATES: list[tuple[float, float, bool]] = [(dx, dy, False) for dx, dy in _NEAR] + [
    (dx * s, dy * s, True) for s in _FAR_SCALE for dx, dy in _NEAR
]
# Labels per map. Beyond a few dozen names a map at report size is unreadable anyway; the places
# that matter (fresh evidence, cities) are ranked first, the rest stay in the table and tooltips.
MAX_LABELS = 40

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _align(dx: float, dy: float) -> tuple[str, str]:
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    return ha, va


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


class GridIndex:
    """Boxes bucketed on a uniform grid: an overlap query looks at nearby boxes only, so placing n
    labels costs ~n instead of n² box tests."""

    def __init__(self, cell: float):
        self.cell = max(float(cell), 1.0)
        self.buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.boxes: list[Box] = []
        self.owners: list[int | None] = []

    def _cells(self, box: Box):
        c = self.cell
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                yield i, j

    def add(self, box: Box, owner: int | None = None) -> None:
        k = len(self.boxes)
        self.boxes.append(box)
        self.owners.append(owner)
        for key in self._cells(box):
            self.buckets[key].append(k)

    def overlap(self, box: Box, ignore_owner: int | None = None, label_weight: float = 1.0,
                limit: float = float("inf")) -> float:
        """Area of `box` covered by indexed boxes; boxes without an owner (labels, names) count
        `label_weight` times, so a forced label prefers covering a marker to covering a name.
        Stops counting once the total reaches `limit` (the caller only needs to know it is worse)."""
        seen: set[int] = set()
        total = 0.0
        bx0, by0, bx1, by1 = box
        boxes, owners = self.boxes, self.owners
        for key in self._cells(box):
            for k in self.buckets.get(key, ()):
                if k in seen:
                    continue
                seen.add(k)
                x0, y0, x1, y1 = boxes[k]
                w = (x1 if x1 < bx1 else bx1) - (x0 if x0 > bx0 else bx0)
                if w <= 0:
                    continue
                h = (y1 if y1 < by1 else by1) - (y0 if y0 > by0 else by0)
                if h <= 0:
                    continue
                owner = owners[k]
                if ignore_owner is not None and owner == ignore_owner:
                    continue
                total += w * h * (label_weight if owner is None else 1.0)
                if total >= limit:
                    return total
        return total


@dataclass
class LabelRequest:
    x: float
    y: float
    text: str
    marker_radius_pt: float = 4.0


@dataclass
class Placement:
    index: int  # into the requests
    dx: float  # offset in points, y up
    dy: float
    ha: str
    va: str
    far: bool  # drawn with a leader line
    box: Box


def place_boxes(points: list[tuple[float, float]], sizes: list[tuple[float, float]], radii: list[float],
                frame: Box, *, px_per_pt: float = 1.0, always: int = 0, cap: int = MAX_LABELS,
                avoid: list[Box] = (), pad: tuple[float, float] = (1.04, 1.1)) -> tuple[list[Placement], list[int]]:
    """Place labels of `sizes` (w, h in pixels) next to `points` (pixel coordinates, y up) in order.

    Markers (circles of `radii`, in pixels) and `avoid` boxes are obstacles; the first `always`
    labels are placed even when every position overlaps (at the least-overlapping one); requests
    beyond `cap` are not attempted. Returns the placements and the indices left unlabelled."""
    n = len(points)
    # Buckets about a label's height: small enough that a query sees few markers in a dense
    # cluster, large enough that a label spans only a handful of buckets.
    grid = GridIndex(max(max((h for _, h in sizes), default=12.0) * 2, 16.0))
    for i, ((cx, cy), rad) in enumerate(zip(points, radii)):
        grid.add((cx - rad, cy - rad, cx + rad, cy + rad), owner=i)
    for box in avoid:
        grid.add(box)
    placed: list[Placement] = []
    skipped: list[int] = []
    for i in range(n):
        if i >= cap:
            skipped.append(i)
            continue
        (cx, cy), (w, h) = points[i], sizes[i]
        w, h = w * pad[0], h * pad[1]
        best = None
        for dx, dy, far in CANDIDATES:
            ha, va = _align(dx, dy)
            ax = cx + dx * px_per_pt
            ay = cy + dy * px_per_pt
            x0 = ax if ha == "left" else ax - w if ha == "right" else ax - w / 2
            y0 = ay if va == "bottom" else ay - h if va == "top" else ay - h / 2
            box = (x0, y0, x0 + w, y0 + h)
            inside_w = max(0.0, min(box[2], frame[2]) - max(box[0], frame[0]))
            inside_h = max(0.0, min(box[3], frame[3]) - max(box[1], frame[1]))
            outside_pen = 4 * (w * h - inside_w * inside_h)
            bound = best[0][0] - outside_pen if best is not None else float("inf")
            if bound <= 0:
                continue  # already no better than the best position
            score = outside_pen + grid.overlap(box, ignore_owner=i, label_weight=50.0, limit=bound)
            key = (score, far)  # a short distance is worth a little: prefer near positions
            if best is None or key < best[0]:
                best = (key, Placement(i, dx, dy, ha, va, far, box))
            if score == 0:
                break
        (score, _), placement = best
        if score > 0 and i >= always:
            skipped.append(i)
            continue
        grid.add(placement.box)
        placed.append(placement)
    return placed, skipped


def place_labels(ax, requests: list[LabelRequest], *, fontsize: float = 7.0, always: int = 0,
                 text_kwargs: dict | None = None, avoid: list | None = None,
                 cap: int = MAX_LABELS) -> tuple[list, list[int]]:
    """Place labels on a matplotlib axes in request order (callers sort by importance). The first
    `always` labels are drawn even when every position overlaps; `avoid` lists artists already drawn
    (e.g. region names) that labels should not cover; at most `cap` labels are attempted. Returns
    the text artists and the indices of requests left unlabelled."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    fb = ax.get_window_extent(renderer)
    px_per_pt = fig.dpi / 72.0
    points, sizes, radii, artists_by_i = [], [], [], {}
    for i, r in enumerate(requests):
        points.append(tuple(ax.transData.transform((r.x, r.y))))
        radii.append(r.marker_radius_pt * px_per_pt)
        if i < cap:
            # Measured once; every candidate position only shifts this box.
            text = ax.annotate(r.text, (r.x, r.y), xytext=(0, 0), textcoords="offset points", ha="left",
                               va="bottom", fontsize=fontsize, zorder=6, annotation_clip=False,
                               **(text_kwargs or {}))
            ext = text.get_window_extent(renderer)
            sizes.append((ext.width, ext.height))
            artists_by_i[i] = text
        else:
            sizes.append((0.0, 0.0))
    avoid_boxes = [tuple(a.get_window_extent(renderer).extents) for a in (avoid or [])]
    placed, skipped = place_boxes(points, sizes, radii, tuple(fb.extents), px_per_pt=px_per_pt,
                                  always=always, cap=cap, avoid=avoid_boxes)
    kept = {p.index for p in placed}
    for i, text in artists_by_i.items():
        if i not in kept:
            text.remove()
    artists = []
    for p in placed:
        r = requests[p.index]
        text = artists_by_i[p.index]
        text.xyann = (p.dx, p.dy)
        text.set_ha(p.ha)
        text.set_va(p.va)
        if p.far:
            ax.annotate("", (r.x, r.y), xytext=(p.dx, p.dy), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#555555",
                                    "shrinkA": 0, "shrinkB": r.marker_radius_pt}, zorder=5)
        artists.append(text)
    return artists, skipped
