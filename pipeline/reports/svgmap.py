"""Lightweight per-day control maps for the HTML report: inline SVG written directly (circles and
text on a projected lon/lat frame), no matplotlib figure per day.

A month of days over hundreds of places is tens of thousands of markers; as SVG text with shared
CSS classes (defined once in the report) that is a few MB and renders in well under a second per
day, where a matplotlib PNG per day took seconds. Same conventions as the matplotlib map
(pipeline.reports.maps): fill = controller side, fill opacity = confidence, stroke = status,
an × on disputed places, governorate names at their centroids, no boundaries (none shipped).
Every map of one report shares one frame, so the slider never shifts the view.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass

from pipeline.reports.labels import MAX_LABELS, place_boxes
from pipeline.reports.maps import _DEFAULT_SIZE, _SIZES, _extent, _status_of, label_priority
from pipeline.reports.palette import SIDE_COLOURS, STATUS_STYLES, marker_alpha

WIDTH, HEIGHT = 760.0, 560.0
_MARGIN = 8.0
_FONT_PX = 11.0
# DejaVu/system sans: average advance ≈ 0.58 em; a little generous so estimated boxes never
# under-cover the text the browser draws.
_CHAR_EM = 0.62
_PT_TO_PX = 96 / 72
_DASH = {"dashed": "4 2", "dotted": "1.2 1.8"}


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _slug(value: str | None) -> str:
    v = (value or "unknown").strip().lower()
    return v if v in SIDE_COLOURS else "unknown"


def _status_slug(value: str | None) -> str:
    v = (value or "").strip().lower()
    return v if v in STATUS_STYLES else "other"


def css() -> str:
    """Classes the SVG maps use, defined once for the whole report."""
    rules = [".m-bg{fill:#f7f5ef}.m-grid{stroke:#e2ded2;stroke-width:.6}.m-gov{fill:#b9b2a0;font-weight:bold;"
             "font-size:13px;text-anchor:middle;dominant-baseline:middle}.m-lab{font-size:11px;fill:#111;"
             "paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-opacity:.8}.m-lead{stroke:#555;stroke-width:.6}"
             ".m-x{stroke:#6a0dad;stroke-width:1.4}.m-title{font-size:14px;font-weight:bold}"
             ".m-note{font-size:10px;fill:#555}.m-tick{font-size:9px;fill:#777}"]
    rules += [f".f-{s}{{fill:{c}}}" for s, c in SIDE_COLOURS.items()]
    for name, st in [*STATUS_STYLES.items(), ("other", {"edge": "#777777", "lw": 0.5, "ls": "solid"})]:
        dash = f";stroke-dasharray:{_DASH[st['ls']]}" if st["ls"] in _DASH else ""
        rules.append(f".e-{name}{{stroke:{st['edge']};stroke-width:{st['lw'] * _PT_TO_PX:.2f}{dash}}}")
    return "".join(rules)


@dataclass
class Frame:
    """Equirectangular projection of a lon/lat extent onto the map box, aspect corrected for latitude."""

    lon0: float
    lon1: float
    lat0: float
    lat1: float
    x0: float = _MARGIN
    y0: float = 28.0
    x1: float = WIDTH - _MARGIN
    y1: float = HEIGHT - 22.0

    @classmethod
    def fit(cls, lats: list[float], lons: list[float]) -> Frame:
        lat0, lat1, lon0, lon1 = _extent(lats, lons)
        f = cls(lon0, lon1, lat0, lat1)
        k = math.cos(math.radians((lat0 + lat1) / 2))
        box_ratio = (f.x1 - f.x0) / (f.y1 - f.y0)
        if (lon1 - lon0) * k / (lat1 - lat0) < box_ratio:
            grow = ((lat1 - lat0) * box_ratio / k - (lon1 - lon0)) / 2
            f.lon0, f.lon1 = lon0 - grow, lon1 + grow
        else:
            grow = ((lon1 - lon0) * k / box_ratio - (lat1 - lat0)) / 2
            f.lat0, f.lat1 = lat0 - grow, lat1 + grow
        return f

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """SVG coordinates (y down)."""
        x = self.x0 + (lon - self.lon0) / (self.lon1 - self.lon0) * (self.x1 - self.x0)
        y = self.y1 - (lat - self.lat0) / (self.lat1 - self.lat0) * (self.y1 - self.y0)
        return x, y

    def contains(self, lon: float, lat: float) -> bool:
        return self.lon0 <= lon <= self.lon1 and self.lat0 <= lat <= self.lat1


def _radius_px(feature_type: str | None) -> float:
    # matplotlib marker area is in pt²; the same visual size at 96 px/in
    return math.sqrt(_SIZES.get(feature_type or "", _DEFAULT_SIZE)) / 2 * _PT_TO_PX * 0.8


def _text_size(text: str, font_px: float) -> tuple[float, float]:
    return len(text) * font_px * _CHAR_EM, font_px * 1.2


def _graticule(frame: Frame) -> list[str]:
    out = []
    step = 0.25 if frame.lon1 - frame.lon0 < 2.5 else 0.5 if frame.lon1 - frame.lon0 < 5 else 1.0
    lon = math.ceil(frame.lon0 / step) * step
    while lon <= frame.lon1:
        x, _ = frame.xy(lon, frame.lat0)
        out.append(f'<line class="m-grid" x1="{x:.1f}" y1="{frame.y0:.1f}" x2="{x:.1f}" y2="{frame.y1:.1f}"/>'
                   f'<text class="m-tick" x="{x + 2:.1f}" y="{frame.y1 - 3:.1f}">{lon:g}°E</text>')
        lon += step
    lat = math.ceil(frame.lat0 / step) * step
    while lat <= frame.lat1:
        _, y = frame.xy(frame.lon0, lat)
        out.append(f'<line class="m-grid" x1="{frame.x0:.1f}" y1="{y:.1f}" x2="{frame.x1:.1f}" y2="{y:.1f}"/>'
                   f'<text class="m-tick" x="{frame.x0 + 2:.1f}" y="{y - 2:.1f}">{lat:g}°N</text>')
        lat += step
    return out


def map_svg(rows: list[dict], day: dt.date, frame: Frame, governorates: list[dict], *,
            max_labels: int = MAX_LABELS) -> tuple[str, dict]:
    """One day's map as an `<svg>` element (classes from `css()`) and what it shows.

    `rows` are the day's control rows (place_id, name, feature_type, lat, lon, controller_side,
    status, since_date, confidence). Places without coordinates are counted, not drawn."""
    mapped = [r for r in rows if r.get("lat") is not None and r.get("lon") is not None]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" class="map-svg" '
             f'role="img" aria-label="Control map for {_esc(day)}">',
             f'<rect class="m-bg" x="{frame.x0:.1f}" y="{frame.y0:.1f}" width="{frame.x1 - frame.x0:.1f}" '
             f'height="{frame.y1 - frame.y0:.1f}"/>']
    parts += _graticule(frame)

    gov_boxes = []
    for g in governorates:
        if g.get("lat") is None or g.get("lon") is None or not frame.contains(g["lon"], g["lat"]):
            continue
        x, y = frame.xy(g["lon"], g["lat"])
        name = str(g["name"]).upper()
        w, h = _text_size(name, 13.0)
        gov_boxes.append((x - w / 2, -(y + h / 2), x + w / 2, -(y - h / 2)))  # y up for the placer
        parts.append(f'<text class="m-gov" x="{x:.1f}" y="{y:.1f}">{_esc(name)}</text>')

    # Weaker states first, so confirmed and disputed markers end up on top.
    layer = {"carried": 0, "baseline": 1, "claimed": 2, "reported": 3, "confirmed": 4, "disputed": 5}
    disputed = []
    for r in sorted(mapped, key=lambda r: (layer.get(_status_of(r), 0), str(r["name"]), str(r["place_id"]))):
        x, y = frame.xy(r["lon"], r["lat"])
        status = _status_slug(r.get("status"))
        conf = f"{r['confidence']:.2f}" if r.get("confidence") is not None else "n/a"
        parts.append(
            f'<circle class="f-{_slug(r.get("controller_side"))} e-{status}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{_radius_px(r.get("feature_type")):.1f}" fill-opacity="{marker_alpha(r.get("confidence"))}">'
            f'<title>{_esc(r["name"])}: {_esc(r.get("controller_side") or "unknown")} ({_esc(r.get("status"))}), '
            f'confidence {conf}</title></circle>')
        if status == "disputed":
            disputed.append((x, y))
    for x, y in disputed:
        parts.append(f'<path class="m-x" d="M{x - 3.5:.1f} {y - 3.5:.1f}l7 7m0 -7l-7 7"/>')

    ranked = sorted(mapped, key=lambda r: label_priority(r, day))
    # The placer works y-up (like matplotlib's pixels); flip SVG y for it.
    points = [(frame.xy(r["lon"], r["lat"])[0], -frame.xy(r["lon"], r["lat"])[1]) for r in ranked]
    sizes = [_text_size(str(r["name"]), _FONT_PX) for r in ranked]
    radii = [_radius_px(r.get("feature_type")) for r in ranked]
    placed, skipped = place_boxes(points, sizes, radii, (frame.x0, -frame.y1, frame.x1, -frame.y0),
                                  px_per_pt=_PT_TO_PX, always=min(len(ranked), 12, max_labels),
                                  cap=max_labels, avoid=gov_boxes, pad=(1.0, 1.0))
    labels = []
    for p in placed:
        x0, y0, x1, y1 = p.box
        px, py = points[p.index]
        if p.far:
            ax_, ay_ = px + p.dx * _PT_TO_PX, py + p.dy * _PT_TO_PX
            labels.append(f'<line class="m-lead" x1="{px:.1f}" y1="{-py:.1f}" x2="{ax_:.1f}" y2="{-ay_:.1f}"/>')
        # baseline of the text ≈ 0.25 em above the box bottom
        labels.append(f'<text class="m-lab" x="{x0:.1f}" y="{-y0 - 0.25 * _FONT_PX:.1f}">'
                      f'{_esc(ranked[p.index]["name"])}</text>')
    parts += labels
    parts.append(f'<text class="m-title" x="{_MARGIN}" y="19">Control of places on {_esc(day)}</text>')
    note = (f"{len(mapped)} of {len(rows)} places on the map · {len(placed)} labelled"
            + (f" ({len(skipped)} left out: crowded, or beyond the {max_labels} most important)" if skipped else "")
            + " · governorate names at centroids; boundaries are not shipped")
    parts.append(f'<text class="m-note" x="{_MARGIN}" y="{HEIGHT - 7:.0f}">{_esc(note)}</text>')
    parts.append("</svg>")
    meta = {"n_places": len(rows), "n_mapped": len(mapped), "n_labels": len(placed),
            "unlabelled": [ranked[i]["name"] for i in skipped]}
    return "".join(parts), meta
