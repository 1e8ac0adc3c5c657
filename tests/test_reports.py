"""Reports (map, timeline, HTML) on a small hand-made warehouse: files are valid, complete and safe."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from pipeline.reports import render_control_map, render_report, render_timeline

D = dt.date
INJECTED = 'Rebels <script>alert("x")</script> & friends seized Kafr Qarib'

DDL = """
CREATE SCHEMA clean; CREATE SCHEMA nlp; CREATE SCHEMA ref; CREATE SCHEMA warehouse;
CREATE TABLE clean.articles (article_id VARCHAR, title VARCHAR, publisher VARCHAR,
    published_date DATE, body_text VARCHAR, url VARCHAR);
CREATE TABLE clean.sentences (article_id VARCHAR, sentence_id INTEGER, text VARCHAR);
CREATE TABLE nlp.claims (claim_id VARCHAR, article_id VARCHAR, sentence_id INTEGER,
    start_char INTEGER, end_char INTEGER, event VARCHAR, side VARCHAR, place_id VARCHAR,
    certainty VARCHAR, attribution_text VARCHAR);
CREATE TABLE nlp.figures (figure_id VARCHAR, article_id VARCHAR, sentence_id INTEGER,
    start_char INTEGER, end_char INTEGER, metric VARCHAR, certainty VARCHAR,
    attribution_text VARCHAR);
CREATE TABLE ref.places (place_id VARCHAR, name VARCHAR, feature_type VARCHAR, lat DOUBLE, lon DOUBLE);
CREATE TABLE warehouse.dim_place (place_id VARCHAR, name VARCHAR, feature_type VARCHAR,
    governorate VARCHAR, district VARCHAR, lat DOUBLE, lon DOUBLE, geonames_id BIGINT,
    aliases VARCHAR[]);
CREATE TABLE warehouse.fact_control_event (event_id VARCHAR, place_id VARCHAR, event_date DATE,
    event VARCHAR, side VARCHAR, certainty VARCHAR, n_claims BIGINT, n_articles BIGINT,
    n_publishers BIGINT, claim_ids VARCHAR[]);
CREATE TABLE warehouse.control_daily (place_id VARCHAR, date DATE, controller_side VARCHAR,
    status VARCHAR, since_date DATE, evidence_event_id VARCHAR, confidence DOUBLE, basis VARCHAR);
CREATE TABLE warehouse.control_disputes (place_id VARCHAR, date DATE, sides VARCHAR[],
    claim_ids VARCHAR[], publishers VARCHAR[]);
CREATE TABLE warehouse.fact_figure (metric VARCHAR, side VARCHAR, place_id VARCHAR,
    event_date DATE, value_low DOUBLE, value_best DOUBLE, value_high DOUBLE, n_articles BIGINT,
    n_publishers BIGINT, figure_ids VARCHAR[]);
INSERT INTO ref.places VALUES
    ('idlib_governorate', 'Idlib', 'governorate', 35.75, 36.65),
    ('hama_governorate', 'Hama', 'governorate', 35.20, 36.95),
    ('hama_city', 'Hama', 'city', 35.13, 36.75);
INSERT INTO warehouse.dim_place VALUES
    ('kafr_qarib', 'Kafr Qarib', 'village', 'Idlib', NULL, 35.62, 36.55, NULL, []),
    ('tal_bayda', 'Tal Bayda', 'town', 'Hama', NULL, 35.35, 36.70, NULL, []),
    ('hama_city', 'Hama', 'city', 'Hama', NULL, 35.13, 36.75, 170063, ['Hamah']),
    ('east_hill', 'East Hill', 'mountain', 'Hama', NULL, 35.30, 37.05, NULL, []),
    ('qala_base', 'Qala Base', 'military_site', 'Hama', NULL, 35.48, 36.90, NULL, []),
    ('unresolved:old souq', 'Old Souq', NULL, NULL, NULL, NULL, NULL, NULL, []);
"""

ARTICLES = [
    ("a1", "Rebels advance", "North Wire", D(2024, 11, 28), "https://example.org/a1"),
    ("a2", "Army holds line", "State News", D(2024, 11, 29), "javascript:alert(1)"),
    ("a3", "Hama falls", "Desk Three", D(2024, 12, 1), None),
]
SENTENCES = [
    ("a1", 0, INJECTED),
    ("a1", 1, "Opposition fighters took Tal Bayda on Thursday, residents said."),
    ("a2", 0, "The army said it still holds Tal Bayda and repelled the attack."),
    ("a2", 1, "Troops regained Qala Base after heavy clashes."),
    ("a3", 0, "Fighters entered Hama city and the Old Souq, according to witnesses."),
    ("a3", 1, "At least 40 civilians were killed, medics said."),
    ("a1", 2, "Some 3,000 families fled the fighting."),
]
CLAIMS = [
    ("c1", "a1", 0, "captured", "opposition", "kafr_qarib", "asserted"),
    ("c2", "a1", 1, "captured", "opposition", "tal_bayda", "attributed"),
    ("c3", "a2", 0, "captured", "government", "tal_bayda", "claimed"),
    ("c4", "a2", 1, "recaptured", "government", "qala_base", "asserted"),
    ("c5", "a3", 0, "captured", "opposition", "hama_city", "attributed"),
    ("c6", "a3", 0, "captured", "opposition", "unresolved:old souq", "attributed"),
    ("c7", "a1", 0, "captured", "opposition", "kafr_qarib", "asserted"),
]
EVENTS = [
    ("e1", "kafr_qarib", D(2024, 11, 27), "captured", "opposition", "asserted", 2, 1, 1, ["c1", "c7"]),
    ("e2", "tal_bayda", D(2024, 11, 28), "captured", "opposition", "attributed", 1, 1, 1, ["c2"]),
    ("e3", "tal_bayda", D(2024, 11, 28), "captured", "government", "claimed", 1, 1, 1, ["c3"]),
    ("e4", "qala_base", D(2024, 11, 29), "recaptured", "government", "asserted", 1, 1, 1, ["c4"]),
    ("e5", "hama_city", D(2024, 12, 1), "captured", "opposition", "attributed", 1, 1, 1, ["c5"]),
    ("e6", "unresolved:old souq", D(2024, 12, 1), "captured", "opposition", "attributed", 1, 1, 1, ["c6"]),
]
DAYS = [D(2024, 11, 27) + dt.timedelta(days=i) for i in range(5)]  # 27 Nov .. 1 Dec


def _daily():
    rows = []
    # Kafr Qarib: opposition from 27 Nov, confirmed then carried with decaying confidence.
    for i, d in enumerate(DAYS):
        rows.append(("kafr_qarib", d, "opposition", "confirmed" if i == 0 else "carried", DAYS[0], "e1",
                     0.9 * 0.5 ** (i / 7)))
    # Tal Bayda: disputed on 28 Nov (two publishers disagree), contested afterwards.
    for i, d in enumerate(DAYS[1:]):
        rows.append(("tal_bayda", d, "contested", "disputed" if i == 0 else "carried", DAYS[1], "e2", 0.4))
    # Hama: government baseline, then captured by the opposition on 1 Dec.
    for i, d in enumerate(DAYS[:-1]):
        rows.append(("hama_city", d, "government", "reported" if i == 0 else "carried", DAYS[0], None, 0.9,
                     "baseline"))
    rows.append(("hama_city", DAYS[-1], "opposition", "reported", DAYS[-1], "e5", 0.7))
    # Qala Base: a government claim.
    for i, d in enumerate(DAYS[2:]):
        rows.append(("qala_base", d, "government", "claimed" if i == 0 else "carried", DAYS[2], "e4", 0.5))
    # East Hill: an SDF position with an unknown-side day before it.
    rows.append(("east_hill", DAYS[0], "unknown", "reported", DAYS[0], None, 0.3))
    for d in DAYS[1:]:
        rows.append(("east_hill", d, "sdf", "reported" if d == DAYS[1] else "carried", DAYS[1], None, 0.6))
    # A place without coordinates.
    rows.append(("unresolved:old souq", DAYS[-1], "opposition", "reported", DAYS[-1], "e6", 0.6))
    return [r if len(r) == 8 else (*r, "claims") for r in rows]


def build_warehouse(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(DDL)
    body = {a: " ".join(t for (aid, _, t) in SENTENCES if aid == a) for a, *_ in ARTICLES}
    for aid, title, pub, date, url in ARTICLES:
        con.execute("INSERT INTO clean.articles VALUES (?, ?, ?, ?, ?, ?)", [aid, title, pub, date, body[aid], url])
    con.executemany("INSERT INTO clean.sentences VALUES (?, ?, ?)", SENTENCES)
    for cid, aid, sid, event, side, place, cert in CLAIMS:
        con.execute("INSERT INTO nlp.claims VALUES (?, ?, ?, 0, 5, ?, ?, ?, ?, 'witnesses')",
                    [cid, aid, sid, event, side, place, cert])
    con.executemany(
        "INSERT INTO nlp.figures VALUES (?, ?, ?, 0, 5, ?, 'attributed', 'medics')",
        [("f1", "a3", 1, "killed"), ("f2", "a1", 2, "displaced")],
    )
    con.executemany("INSERT INTO warehouse.fact_control_event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", EVENTS)
    con.executemany("INSERT INTO warehouse.control_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _daily())
    con.execute(
        "INSERT INTO warehouse.control_disputes VALUES ('tal_bayda', DATE '2024-11-28', "
        "['government', 'opposition'], ['c2', 'c3'], ['north wire', 'state news'])"
    )
    con.executemany(
        "INSERT INTO warehouse.fact_figure VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, ?)",
        [("killed", "unknown", "hama_city", D(2024, 12, 1), 40, 40, None, ["f1"]),
         ("displaced", "unknown", None, None, 2500, 3000, 3500, ["f2"])],
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = build_warehouse(tmp_path_factory.mktemp("wh") / "frontline.duckdb")
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == f"{SVG_NS}svg"
    return " ".join(t for el in root.iter() for t in (el.text or "", el.tail or "")).strip()


def test_control_map_latest_day(con, tmp_path):
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    meta = render_control_map(con, None, png, svg)
    assert meta["date"] == D(2024, 12, 1)
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 30_000
    text = _svg_text(svg)
    for name in ("Kafr Qarib", "Tal Bayda", "Qala Base", "East Hill", "Hama"):
        assert name in text
    # legend, date title, the governorate centroid label and the boundary disclaimer
    assert "controller side" in text and "opposition" in text and "contested" in text
    assert "2024-12-01" in text
    assert "HAMA" in text
    assert "boundaries are not shipped" in text
    # the place without coordinates is listed, not dropped
    assert meta["n_places"] == 6 and meta["n_mapped"] == 5
    assert meta["unmapped_place_ids"] == ["unresolved:old souq"]
    assert "Old Souq" in text and "no coordinates" in text
    assert meta["sides"] == {"contested": 1, "government": 1, "opposition": 3, "sdf": 1}


def test_control_map_requested_day_shows_that_days_state(con, tmp_path):
    meta = render_control_map(con, D(2024, 11, 28), tmp_path / "m.png", tmp_path / "m.svg")
    assert meta["date"] == D(2024, 11, 28)
    # Hama was still held by the government (baseline) and Qala Base had no state yet
    assert meta["sides"] == {"contested": 1, "government": 1, "opposition": 1, "sdf": 1}
    text = _svg_text(tmp_path / "m.svg")
    assert "Qala Base" not in text and "2024-11-28" in text
    assert "disputed" in text  # the status legend lists the statuses present


def test_control_map_day_without_data_still_renders(con, tmp_path):
    meta = render_control_map(con, D(2020, 1, 1), tmp_path / "e.png", tmp_path / "e.svg")
    assert meta["n_places"] == 0
    assert (tmp_path / "e.png").read_bytes()[:8] == PNG_MAGIC
    assert "no control state recorded" in _svg_text(tmp_path / "e.svg")


def test_map_rendering_is_reproducible(con, tmp_path):
    render_control_map(con, None, tmp_path / "a.png", tmp_path / "a.svg")
    render_control_map(con, None, tmp_path / "b.png", tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_crowded_labels_do_not_overlap(tmp_path):
    """Twenty villages within a few km: labels are placed without overlapping or left out (and said)."""
    path = tmp_path / "crowded.duckdb"
    c = duckdb.connect(str(path))
    c.execute(DDL)
    for i in range(20):
        pid = f"v{i}"
        c.execute("INSERT INTO warehouse.dim_place VALUES (?, ?, 'village', 'Hama', NULL, ?, ?, NULL, [])",
                  [pid, f"Village Number {i}", 35.2 + (i % 5) * 0.01, 36.7 + (i // 5) * 0.012])
        c.execute("INSERT INTO warehouse.control_daily VALUES (?, DATE '2024-12-01', 'opposition', 'reported', "
                  "DATE '2024-12-01', NULL, 0.7, 'claims')", [pid])
    from pipeline.reports.maps import control_map_figure
    from pipeline.reports.render import style

    with style():
        fig, meta = control_map_figure(c, None)
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().startswith("Village")]
    assert len(boxes) + len(meta["unlabelled"]) == 20
    assert len(boxes) >= 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    c.close()


def test_timeline(con, tmp_path):
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    meta = render_timeline(con, png, out_svg=svg)
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 20_000
    assert meta["first_day"] == D(2024, 11, 27) and meta["last_day"] == D(2024, 12, 1)
    assert meta["n_days"] == 5 and meta["n_places"] == 6 and meta["n_cells"] == 23
    # hatched: 1 disputed + 1 claimed + 4 baseline days
    assert meta["n_hatched"] == 6
    text = _svg_text(svg)
    assert "disputed" in text and "claimed" in text and "Old Souq" in text


def test_timeline_orders_places_by_first_change(con):
    from pipeline.reports.timeline import timeline_grid

    _, order, _ = timeline_grid(con)
    names = order["name"].to_list()
    # East Hill and Kafr Qarib change on 27 Nov, Tal Bayda on 28, Qala Base on 29, Hama and the
    # Old Souq on 1 Dec (Hama's earlier baseline days are not a change).
    assert names[:2] == ["East Hill", "Kafr Qarib"]
    assert names[2:4] == ["Tal Bayda", "Qala Base"]
    assert set(names[4:]) == {"Hama", "Old Souq"}


@pytest.fixture(scope="module")
def report_html(con, tmp_path_factory) -> str:
    path = render_report(con, tmp_path_factory.mktemp("report"))
    assert path.name == "index.html"
    return path.read_text(encoding="utf-8")


def test_report_has_one_map_per_day_and_a_slider(report_html):
    maps = re.findall(r'<figure class="day-map" data-day="([0-9-]+)"', report_html)
    assert maps == [d.isoformat() for d in DAYS]
    assert report_html.count('src="data:image/png;base64,') == 1  # the timeline; maps are inline SVG
    svgs = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg".*?</svg>', report_html, re.S)
    assert len(svgs) == len(DAYS)
    last = ET.fromstring(svgs[-1])  # well-formed XML
    circles = list(last.iter(f"{SVG_NS}circle"))
    assert len(circles) == 5  # 6 places on 1 Dec, the Old Souq has no coordinates
    labels = {t.text for t in last.iter(f"{SVG_NS}text") if t.get("class") == "m-lab"}
    assert labels == {"Kafr Qarib", "Tal Bayda", "Qala Base", "East Hill", "Hama"}
    assert "HAMA" in {t.text for t in last.iter(f"{SVG_NS}text")}
    hama = [c for c in circles if c.find(f"{SVG_NS}title").text.startswith("Hama:")]
    assert hama and "f-opposition" in hama[0].get("class") and "e-reported" in hama[0].get("class")
    # every day shares one frame: a place sits at the same point on every map
    first = ET.fromstring(svgs[0])
    pos = {c.find(f"{SVG_NS}title").text.split(":")[0]: (c.get("cx"), c.get("cy")) for c in first.iter(f"{SVG_NS}circle")}
    assert all(pos.get(c.find(f"{SVG_NS}title").text.split(":")[0], (c.get("cx"), c.get("cy"))) == (c.get("cx"), c.get("cy"))
               for c in circles)
    assert re.search(r'<input type="range" id="day-slider" min="0" max="4" value="4"', report_html)


def test_report_is_self_contained(report_html):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", report_html.replace(
        'href="https://example.org/a1"', ""))  # the only http(s) link is the article link itself
    assert not re.search(r"<link\b|@import|url\(\s*['\"]?https?:", report_html, re.IGNORECASE)
    assert not re.search(r"<script[^>]+src=", report_html, re.IGNORECASE)
    assert "<style>" in report_html and "<script>" in report_html


def test_report_escapes_corpus_text(report_html):
    # the injected markup appears only escaped: the one real <script> element is the report's own
    assert report_html.count("<script>") == 1
    assert "alert(\"x\")" not in report_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; friends" in report_html
    # a javascript: URL is never made a link
    assert 'href="javascript:' not in report_html
    assert "Army holds line" in report_html


def test_report_links_every_control_cell_to_its_evidence(report_html):
    cells = re.findall(r'<td class="cell[^"]*" style="[^"]*" title="([^"]*)" data-ev="([^"]*)"', report_html)
    assert len(cells) == 23
    # Kafr Qarib's carried days still point to the capture that set the state, with the sentence
    kafr = [c for c in cells if c[0].startswith("Kafr Qarib")]
    assert len(kafr) == 5 and all(ev.startswith("ev-") for _, ev in kafr)
    anchor = kafr[0][1]
    assert {ev for _, ev in kafr} == {anchor}
    # the hover text is shared per event (added to the cell's title on first hover)
    tips = json.loads(re.search(r'<script type="application/json" id="ev-tips">(.*?)</script>', report_html,
                                re.S).group(1))
    assert "North Wire" in tips[anchor] and "seized Kafr Qarib" in tips[anchor]
    assert "<script>" in tips[anchor]  # the corpus text, still escaped in the file (\\u003c)
    assert all(t.startswith("Kafr Qarib · 2024-") and "opposition" in t for t, _ in kafr)
    block = re.search(rf'<div class="evidence" id="{anchor}" hidden>(.*?)</div>(?=<div class="evidence"|</div>)',
                      report_html, re.S)
    assert block and "&lt;script&gt;" in block.group(1) and "North Wire" in block.group(1)
    # baseline days say so instead of inventing evidence
    hama_baseline = [t for t, ev in cells if t.startswith("Hama ·") and "(baseline)" in t]
    assert len(hama_baseline) == 4 and all("Baseline state" in t for t in hama_baseline)


def test_report_lists_disputes_and_figures_with_sentences(report_html):
    disputes = report_html[report_html.index('id="disputes"'):report_html.index('id="figures"')]
    assert "Tal Bayda" in disputes and "2024-11-28" in disputes
    assert "north wire, state news" in disputes
    assert "The army said it still holds Tal Bayda" in disputes
    figures = report_html[report_html.index('id="figures"'):report_html.index('id="legend"')]
    assert "killed" in figures and "At least 40 civilians were killed" in figures and "Desk Three" in figures
    assert "2,500" in figures and "3,000" in figures and "3,500" in figures
    assert "Some 3,000 families fled" in figures


def test_report_assets_materialise(tmp_path):
    import dagster as dg

    from pipeline.assets import reports as report_assets
    from pipeline.resources import Warehouse

    db = build_warehouse(tmp_path / "wh" / "frontline.duckdb")
    result = dg.materialize(
        [report_assets.control_map, report_assets.control_timeline, report_assets.html_report],
        resources={"warehouse": Warehouse(database=str(db))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    out = db.parent / "reports"
    for name in ("control_map_latest.png", "control_map_latest.svg", "control_timeline.png",
                 "control_timeline.svg", "index.html"):
        assert (out / name).stat().st_size > 1000, name
    mats = {m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()}
    assert set(mats) == {"reports/control_map", "reports/control_timeline", "reports/html_report"}
    meta = mats["reports/control_map"].materialization.metadata
    assert meta["places_without_coordinates"].value == ["unresolved:old souq"]
    preview = meta["preview"].value
    assert preview.startswith("![control map](data:image/png;base64,") and len(preview) < 120_000
    specs = {s.key.to_user_string(): s for a in (report_assets.control_map,) for s in a.specs}
    spec = specs["reports/control_map"]
    assert spec.group_name == "reports" and {"duckdb", "matplotlib", "html"} <= set(spec.kinds)
    assert dg.AssetKey(["warehouse", "control_daily"]) in {d.asset_key for d in spec.deps}


def build_big_warehouse(path: Path, n_places: int, n_days: int, seed: int = 7) -> Path:
    """A warehouse at the benchmark's 2,000-article scale: `n_places` places over `n_days` days,
    each captured now and then (an event with two claims), carried in between, some baseline."""
    import random

    rng = random.Random(seed)
    c = duckdb.connect(str(path))
    c.execute(DDL)
    first = D(2024, 11, 1)
    kinds = ["village"] * 6 + ["town"] * 3 + ["city"]
    places, daily, events, claims, sentences = [], [], [], [], []
    for p in range(n_places):
        pid = f"p{p}"
        places.append((pid, f"Place {p} {'abcdefgh'[p % 8] * (p % 5 + 3)}", kinds[p % len(kinds)], "Hama", None,
                       34.5 + rng.random() * 2.0, 36.2 + rng.random() * 1.6, None, []))
        side, status, since, eid = rng.choice(["government", "opposition"]), "baseline", first, None
        for d in range(n_days):
            day = first + dt.timedelta(days=d)
            if rng.random() < 0.08:
                side = rng.choice(["government", "opposition", "sdf", "contested"])
                status, since, eid = rng.choice(["reported", "confirmed", "claimed", "disputed"]), day, f"e{p}_{d}"
                events.append((eid, pid, day, "captured", side, "asserted", 2, 2, 2, [f"{eid}a", f"{eid}b"]))
                for k in "ab":
                    claims.append((f"{eid}{k}", f"art{p % 40}", len(sentences), "captured", side, pid, "asserted"))
                    sentences.append((f"art{p % 40}", len(sentences), f"Fighters of the {side} took {pid} on day {d}."))
            elif status not in ("baseline", "carried"):
                status = "carried"
            daily.append((pid, day, side, status, since, eid, 0.5 + rng.random() / 2,
                           "baseline" if status == "baseline" else "claims"))
    import polars as pl

    def insert(table: str, rows: list[tuple]) -> None:
        # via a registered frame: executemany row by row takes seconds at this size
        c.register("rows_in", pl.DataFrame(rows, orient="row"))
        c.execute(f"INSERT INTO {table} SELECT * FROM rows_in")
        c.unregister("rows_in")

    insert("warehouse.dim_place", places)
    insert("warehouse.control_daily", daily)
    insert("warehouse.fact_control_event", events)
    insert("nlp.claims", [(cid, aid, sid, 0, 5, ev, side, pid, cert, "officials")
                          for cid, aid, sid, ev, side, pid, cert in claims])
    insert("clean.sentences", sentences)
    insert("clean.articles", [(f"art{i}", f"Article {i}", f"Publisher {i % 7}", first, "", None) for i in range(40)])
    c.close()
    return path


def test_report_stays_bounded_with_hundreds_of_places(tmp_path):
    """300 places × 30 days: one map per day, labels capped per map, the grid and the file bounded."""
    from pipeline.reports.labels import MAX_LABELS
    from pipeline.reports.timeline import MAX_PIXELS

    con = duckdb.connect(str(build_big_warehouse(tmp_path / "big.duckdb", 300, 30)), read_only=True)
    path = render_report(con, tmp_path / "out")
    html_text = path.read_text(encoding="utf-8")
    svgs = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg".*?</svg>', html_text, re.S)
    assert len(svgs) == 30
    for svg in svgs:
        root = ET.fromstring(svg)
        assert len(list(root.iter(f"{SVG_NS}circle"))) == 300
        n_labels = sum(1 for t in root.iter(f"{SVG_NS}text") if t.get("class") == "m-lab")
        assert 12 <= n_labels <= MAX_LABELS
    assert len(re.findall(r'<td class="cell', html_text)) == 300 * 30
    # the evidence sentences are stored once per event, not once per cell
    n_events = len(re.findall(r'class="evidence" id="ev-', html_text))
    assert html_text.count("Fighters of the") == 2 * 2 * n_events  # 2 claims: evidence block + tooltip
    assert path.stat().st_size < 12 * 2**20
    png = tmp_path / "t.png"
    render_timeline(con, png)
    from PIL import Image

    with Image.open(png) as im:
        assert im.size[0] * im.size[1] <= MAX_PIXELS * 1.01
    meta = render_control_map(con, None, tmp_path / "m.png", tmp_path / "m.svg")
    assert len(meta["unlabelled"]) >= 300 - MAX_LABELS
    con.close()
