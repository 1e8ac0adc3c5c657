"""Reports (map, timeline, HTML) on a small hand-made warehouse: files are valid, complete and safe."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from pipeline.reports import render_control_map  # , render_report, render_timeline

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
    status VARCHAR, since_date DATE, evidence_event_id VARCHAR, confidence DOUBLE);
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
    for d in DAYS[:-1]:
        rows.append(("hama_city", d, "government", "baseline", DAYS[0], None, 0.9))
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
    return rows


def build_warehouse(path: Path) -> Path:
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
    con.executemany("INSERT INTO warehouse.control_daily VALUES (?, ?, ?, ?, ?, ?, ?)", _daily())
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
