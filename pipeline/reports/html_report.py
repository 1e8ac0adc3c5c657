"""The self-contained HTML report: per-day maps behind a slider, the timeline, an interactive
control grid with the evidence behind every cell, the disputes and the figures.

Self-contained means one file that opens from disk with no network: the per-day maps are inline
SVG (pipeline.reports.svgmap), the timeline an inline base64 PNG,
CSS and JS are inline, and nothing is loaded from elsewhere (links to source articles are plain
navigation links, only for http/https URLs). Every piece of text from the corpus goes through
html.escape, so an article containing markup cannot inject it into the report.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import polars as pl

from pipeline.reports import data
from pipeline.reports.labels import MAX_LABELS
from pipeline.reports.palette import SIDE_COLOURS, STATUS_STYLES, side_colour, status_style, tinted_hex
from pipeline.reports.svgmap import Frame, map_svg
from pipeline.reports.svgmap import css as map_css
from pipeline.reports.timeline import timeline_grid, timeline_png

_MAX_TOOLTIP_SENTENCES = 3
_TOOLTIP_CHARS = 280

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
header{background:#25303b;color:#fff;padding:14px 24px}header h1{margin:0;font-size:1.4em}
header p{margin:4px 0 0;color:#d0d6dc;font-size:.9em}
nav{padding:6px 24px;background:#e9ecef;font-size:.9em}nav a{margin-right:14px;color:#25303b}
main{padding:8px 24px 40px;max-width:1500px}section{margin:18px 0 30px}
h2{border-bottom:2px solid #25303b;padding-bottom:4px}
.slider{display:flex;gap:10px;align-items:center;margin:8px 0}.slider input{flex:1;max-width:700px}
.day-label{font-weight:bold;font-variant-numeric:tabular-nums;min-width:7em}
figure.day-map{margin:0}svg.map-svg{width:100%;max-width:1000px;height:auto;border:1px solid #ccc;background:#fff;font-family:inherit}
img.timeline{max-width:100%;height:auto;border:1px solid #ccc;background:#fff}
table{border-collapse:collapse;font-size:.85em;margin:6px 0}th,td{border:1px solid #d5d5d5;padding:3px 6px;vertical-align:top}
th{background:#eef0f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:.9em;height:.9em;border:1px solid #555;vertical-align:middle;margin-right:4px}
.grid-wrap{overflow:auto;max-height:75vh;border:1px solid #ccc}
table.grid{font-size:.75em}table.grid td.cell{width:18px;min-width:18px;height:16px;padding:0;cursor:pointer}
table.grid th.place{position:sticky;left:0;background:#fff;white-space:nowrap;z-index:1}
table.grid thead th{position:sticky;top:0;z-index:2;writing-mode:vertical-rl;font-weight:normal;padding:2px}
td.cell.ev{box-shadow:inset 0 0 0 2px rgba(0,0,0,.55)}
td.cell.h-disputed{background-image:repeating-linear-gradient(45deg,rgba(40,20,60,.7) 0 2px,transparent 2px 6px),repeating-linear-gradient(-45deg,rgba(40,20,60,.7) 0 2px,transparent 2px 6px)}
td.cell.h-claimed{background-image:repeating-linear-gradient(45deg,rgba(40,20,60,.7) 0 2px,transparent 2px 6px)}
td.cell.h-baseline{background-image:radial-gradient(rgba(40,20,60,.7) 1px,transparent 1.5px);background-size:5px 5px}
td.cell.sel{outline:3px solid #0060df}
#evidence-panel{position:sticky;bottom:0;background:#fff;border-top:3px solid #25303b;padding:8px 14px;max-height:40vh;overflow:auto;box-shadow:0 -2px 8px rgba(0,0,0,.15)}
.evidence{font-size:.9em}.evidence blockquote{margin:4px 0 8px 0;padding:4px 10px;border-left:3px solid #999;background:#f4f4f4}
.src{color:#555;font-size:.85em}.muted{color:#777}button.ev-btn{font-size:.8em;cursor:pointer}
details{margin:4px 0}ul.compact{margin:2px 0;padding-left:18px}
"""

JS = """
(function(){
  const maps=[...document.querySelectorAll('figure.day-map')];
  const slider=document.getElementById('day-slider');
  const label=document.getElementById('day-label');
  function show(i){maps.forEach((m,k)=>{m.hidden=(k!==i);});if(maps[i]){label.textContent=maps[i].dataset.day;}}
  if(slider){slider.addEventListener('input',()=>show(+slider.value));
    document.getElementById('day-prev').addEventListener('click',()=>{slider.value=Math.max(0,+slider.value-1);show(+slider.value);});
    document.getElementById('day-next').addEventListener('click',()=>{slider.value=Math.min(maps.length-1,+slider.value+1);show(+slider.value);});
    show(+slider.value);}
  const tipsEl=document.getElementById('ev-tips');
  const tips=tipsEl?JSON.parse(tipsEl.textContent):{};
  // The shared evidence tooltip is appended to a cell's own title on first hover.
  document.addEventListener('mouseover',(e)=>{
    const c=e.target.closest('td.cell[data-ev]');
    if(c&&!c.dataset.tip&&tips[c.dataset.ev]){c.title+='\n'+tips[c.dataset.ev];c.dataset.tip='1';}
  });
  const panel=document.getElementById('evidence-body');
  let selected=null;
  function openEvidence(id,title,cell){
    const block=document.getElementById(id);
    panel.innerHTML='';
    const h=document.createElement('h3');h.textContent=title;panel.appendChild(h);
    if(block){panel.appendChild(block.cloneNode(true)).hidden=false;}
    else{const p=document.createElement('p');p.className='muted';p.textContent='No sentence evidence (baseline or carried state without an event).';panel.appendChild(p);}
    if(selected){selected.classList.remove('sel');}selected=cell||null;if(selected){selected.classList.add('sel');}
    document.getElementById('evidence-panel').hidden=false;
  }
  document.addEventListener('click',(e)=>{
    const t=e.target.closest('[data-ev]');
    if(t){openEvidence(t.dataset.ev,t.dataset.heading||'',t.classList.contains('cell')?t:null);}
  });
  document.getElementById('evidence-close').addEventListener('click',()=>{document.getElementById('evidence-panel').hidden=true;});
})();
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; javascript:, data: and the like stay plain text."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _b64_png(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _source_line(ev: data.Evidence) -> str:
    parts = [esc(ev.publisher or "unknown publisher")]
    if ev.published_date:
        parts.append(esc(ev.published_date.isoformat()))
    title = esc(ev.title or ev.article_id)
    url = safe_url(ev.url)
    parts.append(f'<a href="{esc(url)}" rel="noopener noreferrer">{title}</a>' if url else title)
    if ev.certainty:
        parts.append(f"certainty: {esc(ev.certainty)}")
    if ev.attribution:
        parts.append(f"attributed to: {esc(ev.attribution)}")
    return '<div class="src">' + " · ".join(parts) + "</div>"


def _evidence_html(items: list[data.Evidence]) -> str:
    if not items:
        return '<p class="muted">No evidence sentences found for these ids.</p>'
    return "".join(f"<blockquote>{esc(ev.text)}{_source_line(ev)}</blockquote>" for ev in items)


def _tooltip(items: list[data.Evidence]) -> str:
    lines = []
    for ev in items[:_MAX_TOOLTIP_SENTENCES]:
        text = ev.text if len(ev.text) <= _TOOLTIP_CHARS else ev.text[: _TOOLTIP_CHARS - 1] + "…"
        lines.append(f"“{text}” ({ev.publisher or 'unknown publisher'})")
    if len(items) > _MAX_TOOLTIP_SENTENCES:
        lines.append(f"… and {len(items) - _MAX_TOOLTIP_SENTENCES} more (click)")
    return "\n".join(lines)


def _swatch(side: str | None) -> str:
    return f'<span class="sw" style="background:{side_colour(side)}"></span>{esc(side or "unknown")}'


def _publishers(items: list[data.Evidence]) -> list[str]:
    return sorted({ev.publisher for ev in items if ev.publisher})


def _fmt_num(v) -> str:
    if v is None:
        return ""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


class _EvidenceIndex:
    """Evidence behind control events (event → claims → sentences), rendered once per event."""

    def __init__(self, con: duckdb.DuckDBPyConnection, event_ids: list[str]):
        self.events: dict[str, dict] = {}
        self.items: dict[str, list[data.Evidence]] = {}
        events = data.control_events(con, [e for e in event_ids if e]) if any(event_ids) else pl.DataFrame()
        claim_ids = [c for r in events.iter_rows(named=True) for c in (r["claim_ids"] or [])] if events.height else []
        by_claim = data.claim_evidence(con, claim_ids)
        for r in events.iter_rows(named=True) if events.height else []:
            self.events[r["event_id"]] = r
            self.items[r["event_id"]] = [ev for c in (r["claim_ids"] or []) for ev in by_claim.get(c, [])]
        self.anchor = {eid: f"ev-{i}" for i, eid in enumerate(sorted(self.events))}

    def blocks(self) -> str:
        out = []
        for eid in sorted(self.events):
            r = self.events[eid]
            items = self.items[eid]
            head = (f"<p><b>{esc(r['event'])}</b> by {_swatch(r['side'])} on {esc(r['event_date'])} · "
                    f"certainty {esc(r['certainty'])} · {esc(r['n_claims'])} claims, {esc(r['n_articles'])} "
                    f"articles, {esc(r['n_publishers'])} publishers ({esc(', '.join(_publishers(items)) or 'none')})"
                    f" · event <code>{esc(eid)}</code></p>")
            out.append(f'<div class="evidence" id="{self.anchor[eid]}" hidden>{head}{_evidence_html(items)}</div>')
        return "\n".join(out)


def _cell_title(r: dict, index: _EvidenceIndex) -> str:
    """The cell's own state; the evidence part of the tooltip is shared per event (`tips`)."""
    conf = f"{r['confidence']:.2f}" if r["confidence"] is not None else "n/a"
    head = (f"{r['name']} · {r['date']}: {r['controller_side']} ({r['status']}), confidence {conf}, "
            f"since {r['since_date']}")
    eid = r["evidence_event_id"]
    if eid and eid in index.events:
        return head
    if (r["status"] or "") == "baseline":
        return f"{head}\nBaseline state (ref.baseline_control), no article evidence."
    return f"{head}\nNo linked evidence event."


def _event_tip(eid: str, index: _EvidenceIndex) -> str:
    ev = index.events[eid]
    items = index.items[eid]
    return (f"Evidence: {ev['event']} by {ev['side']} on {ev['event_date']}; publishers: "
            f"{', '.join(_publishers(items)) or 'none'}\n{_tooltip(items)}")


def _tips_json(index: _EvidenceIndex) -> str:
    """Evidence tooltips once per event, not once per cell: carried days repeat their event's
    sentences, and a few hundred places × weeks of days would repeat them tens of thousands of
    times. Escaped for a <script> block (no '<', '>' or '&' survive)."""
    tips = {index.anchor[eid]: _event_tip(eid, index) for eid in sorted(index.events)}
    return (json.dumps(tips, ensure_ascii=False, sort_keys=True)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _map_section(con, days: list[dt.date], cells: pl.DataFrame, index: _EvidenceIndex) -> str:
    if not days:
        return '<section id="map"><h2>Control map</h2><p class="muted">No control data in the warehouse.</p></section>'
    by_day: dict[dt.date, list[dict]] = defaultdict(list)
    for r in cells.iter_rows(named=True):
        by_day[r["date"]].append(r)
    # One frame for every day (all places of the period), so the slider never moves the view.
    located = {r["place_id"]: (r["lat"], r["lon"]) for r in cells.iter_rows(named=True)
               if r["lat"] is not None and r["lon"] is not None} if cells.height else {}
    frame = Frame.fit([p[0] for p in located.values()], [p[1] for p in located.values()])
    governorates = data.governorate_centroids(con).to_dicts()
    figs = []
    for day in days:
        day_rows = sorted(by_day.get(day, []), key=lambda r: (r["name"], r["place_id"]))
        svg, meta = map_svg(day_rows, day, frame, governorates)
        rows = []
        for r in day_rows:
            eid = r["evidence_event_id"]
            button = (f'<button class="ev-btn" data-ev="{index.anchor[eid]}" data-heading="{esc(r["name"])} · '
                      f'{esc(day)}">evidence</button>') if eid in index.anchor else '<span class="muted">none</span>'
            where = "" if r["lat"] is not None and r["lon"] is not None else ' <span class="muted">(no coordinates: not on the map)</span>'
            conf = f"{r['confidence']:.2f}" if r["confidence"] is not None else ""
            rows.append(f"<tr><td>{esc(r['name'])}{where}</td><td>{_swatch(r['controller_side'])}</td>"
                        f"<td>{esc(r['status'])}</td><td class=num>{conf}</td><td>{esc(r['since_date'])}</td>"
                        f"<td>{button}</td></tr>")
        table = ("<details><summary>Places on this day ({n})</summary><table><tr><th>place</th><th>side</th>"
                 "<th>status</th><th>confidence</th><th>since</th><th>evidence</th></tr>{rows}</table></details>"
                 ).format(n=len(rows), rows="".join(rows))
        figs.append(
            f'<figure class="day-map" data-day="{esc(day)}" data-mapped="{meta["n_mapped"]}" '
            f'data-labels="{meta["n_labels"]}" hidden>{svg}{table}</figure>'
        )
    last = len(days) - 1
    sides_seen = {r["controller_side"] for r in cells.iter_rows(named=True)} if cells.height else set()
    legend = "".join(f"<span style=\"margin-right:12px\">{_swatch(s)}</span>" for s in SIDE_COLOURS
                     if s in sides_seen or s in ("opposition", "government", "contested"))
    return (
        '<section id="map"><h2>Control map</h2>'
        '<p>One map per day of the corpus period. Move the slider (or use ← →) to change the day; the table '
        'under the map lists every place with a control state that day, including those without '
        'coordinates. Hover a marker for its state. Fill opacity = confidence; marker edge = status '
        '(thick black confirmed, thin black reported, dashed claimed, purple with × disputed, dotted '
        f'baseline, thin grey carried). Labels: at most {MAX_LABELS} per day, places with new evidence '
        'and recent changes first, then cities and towns.</p>'
        f'<p class="map-legend">{legend}</p>'
        '<div class="slider"><button id="day-prev" type="button">◀</button>'
        f'<input type="range" id="day-slider" min="0" max="{last}" value="{last}" step="1" '
        'aria-label="day">'
        '<button id="day-next" type="button">▶</button>'
        f'<span class="day-label" id="day-label">{esc(days[-1])}</span></div>'
        + "".join(figs)
        + "</section>"
    )


def _timeline_section(con, days: list[dt.date], order: pl.DataFrame, cells: pl.DataFrame,
                      index: _EvidenceIndex, dpi: int) -> str:
    png, _ = timeline_png(con, dpi=dpi)
    lookup = {(r["place_id"], r["date"]): r for r in cells.iter_rows(named=True)} if cells.height else {}
    head = "".join(f"<th>{esc(d.strftime('%d %b'))}</th>" for d in days)
    body = []
    for p in order.iter_rows(named=True) if order.height else []:
        tds = []
        for d in days:
            r = lookup.get((p["place_id"], d))
            if r is None:
                tds.append('<td class="cell empty" title="no state"></td>')
                continue
            status = (r["status"] or "").lower()
            st = status_style(status)
            classes = ["cell"]
            if status in ("disputed", "claimed", "baseline"):
                classes.append(f"h-{status}")
            if status not in ("carried", "baseline"):
                classes.append("ev")
            colour = tinted_hex(side_colour(r["controller_side"]), st["tint"])
            eid = r["evidence_event_id"]
            anchor = index.anchor.get(eid, "none")
            heading = f"{r['name']} · {d}: {r['controller_side']} ({r['status']})"
            tds.append(
                f'<td class="{" ".join(classes)}" style="background-color:{colour}" '
                f'title="{esc(_cell_title(r, index))}" data-ev="{anchor}" data-heading="{esc(heading)}"></td>'
            )
        body.append(f'<tr><th class="place">{esc(p["name"])}</th>{"".join(tds)}</tr>')
    grid = (f'<div class="grid-wrap"><table class="grid"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
    return (
        '<section id="timeline"><h2>Timeline</h2>'
        '<p>Places (rows, ordered by their first change of controller) by day. Hover a cell for the '
        'evidence sentences and publishers; click it to show them below with links to the articles.</p>'
        f'<img class="timeline" alt="Control timeline" src="{_b64_png(png)}">'
        '<h3>Interactive grid</h3>' + grid + "</section>"
    )


def _disputes_section(con) -> str:
    frame = data.disputes(con)
    if frame.height == 0:
        return '<section id="disputes"><h2>Disputes</h2><p class="muted">No disputed place-days.</p></section>'
    claim_ids = [c for ids in frame["claim_ids"].to_list() for c in (ids or [])]
    by_claim = data.claim_evidence(con, claim_ids)
    rows = []
    for r in frame.iter_rows(named=True):
        items = [ev for c in (r["claim_ids"] or []) for ev in by_claim.get(c, [])]
        sides = ", ".join(_swatch(s) for s in (r["sides"] or []))
        rows.append(f"<tr><td>{esc(r['date'])}</td><td>{esc(r['name'])}</td><td>{sides}</td>"
                    f"<td>{esc(', '.join(r['publishers'] or []))}</td>"
                    f"<td><details><summary>{len(items)} sentences</summary>{_evidence_html(items)}</details></td></tr>")
    return ('<section id="disputes"><h2>Disputes</h2><p>Place-days on which publishers disagree about the '
            'controller.</p><table><tr><th>date</th><th>place</th><th>sides</th><th>publishers</th>'
            f'<th>evidence</th></tr>{"".join(rows)}</table></section>')


def _figures_section(con) -> str:
    frame = data.figures(con)
    if frame.height == 0:
        return '<section id="figures"><h2>Figures</h2><p class="muted">No figures.</p></section>'
    figure_ids = [f for ids in frame["figure_ids"].to_list() for f in (ids or [])]
    by_fig = data.figure_evidence(con, figure_ids)
    rows = []
    for r in frame.iter_rows(named=True):
        items = [ev for f in (r["figure_ids"] or []) for ev in by_fig.get(f, [])]
        place = r["place_name"] or r["place_id"] or ""
        rows.append(
            f"<tr><td>{esc(r['metric'])}</td><td>{esc(r['side'])}</td><td>{esc(place)}</td>"
            f"<td>{esc(r['event_date'] or '')}</td><td class=num>{_fmt_num(r['value_low'])}</td>"
            f"<td class=num><b>{_fmt_num(r['value_best'])}</b></td><td class=num>{_fmt_num(r['value_high'])}</td>"
            f"<td class=num>{esc(r['n_articles'])}</td><td>{esc(', '.join(_publishers(items)))}</td>"
            f"<td><details><summary>{len(items)} sentences</summary>{_evidence_html(items)}</details></td></tr>"
        )
    return ('<section id="figures"><h2>Figures</h2><p>Reported figures merged across articles: low / best / '
            'high as the wording allows.</p><table><tr><th>metric</th><th>side</th><th>place</th><th>date</th>'
            '<th>low</th><th>best</th><th>high</th><th>articles</th><th>publishers</th><th>evidence</th></tr>'
            f'{"".join(rows)}</table></section>')


def _legend_section() -> str:
    sides = "".join(f"<li>{_swatch(s)}</li>" for s in SIDE_COLOURS)
    statuses = "".join(f"<li><b>{esc(n)}</b>: {esc(st['label'])}</li>" for n, st in STATUS_STYLES.items())
    return ('<section id="legend"><h2>How to read</h2><div style="display:flex;gap:40px;flex-wrap:wrap">'
            f'<div><h3>Sides</h3><ul class="compact" style="list-style:none">{sides}</ul></div>'
            f'<div><h3>Status</h3><ul class="compact">{statuses}</ul>'
            '<p class="muted">Map: marker edge shows the status, fill opacity the confidence. Grid: hatched = '
            'disputed or claimed, dotted = baseline, lighter = carried, framed = new evidence that day.</p>'
            '<p class="muted">Governorate names are drawn at their centroids; boundaries are not shipped.</p>'
            '</div></div></section>')


def render_report(con: duckdb.DuckDBPyConnection, out_dir: Path, *, timeline_dpi: int = 100) -> Path:
    """Write `out_dir/index.html` (self-contained) and return its path."""
    with data.own_cursor(con) as cur:
        return _render_report(cur, out_dir, timeline_dpi=timeline_dpi)


def _render_report(con: duckdb.DuckDBPyConnection, out_dir: Path, *, timeline_dpi: int) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    days, order, cells = timeline_grid(con)
    event_ids = sorted({e for e in cells["evidence_event_id"].to_list() if e}) if cells.height else []
    index = _EvidenceIndex(con, event_ids)
    period = f"{days[0]} to {days[-1]}" if days else "no control data"
    n_places = order.height if order.height else 0
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Frontline report</title>",
        f"<style>{CSS}{map_css()}</style></head><body>",
        f"<header><h1>Frontline: who controlled which place, and who says so</h1>"
        f"<p>Corpus period {esc(period)} · {n_places} places with a control state · {len(index.events)} "
        f"control events with evidence. This file is self-contained and works offline.</p></header>",
        '<nav><a href="#map">Map</a><a href="#timeline">Timeline</a><a href="#disputes">Disputes</a>'
        '<a href="#figures">Figures</a><a href="#legend">How to read</a></nav><main>',
        _map_section(con, days, cells, index),
        _timeline_section(con, days, order, cells, index, timeline_dpi),
        _disputes_section(con),
        _figures_section(con),
        _legend_section(),
        f'<div id="evidence-store" hidden>{index.blocks()}</div>',
        f'<script type="application/json" id="ev-tips">{_tips_json(index)}</script>',
        "</main>",
        '<aside id="evidence-panel" hidden><button id="evidence-close" type="button" style="float:right">close</button>'
        '<div id="evidence-body"></div></aside>',
        f"<script>{JS}</script></body></html>",
    ]
    out = out_dir / "index.html"
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(out)  # readers never see a half-written report
    return out
