"""Every asset check fails on a small warehouse with its fault planted, and passes on a clean one.

The warehouse is a tmp DuckDB file with hand-written raw/clean/nlp/ref tables (written through
pipeline.tables.conform and pipeline.db.replace_table, as the assets do) and the real marts built
on them by pipeline.marts.build_marts. Checks are invoked directly with the resource as a kwarg.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import polars as pl
import pytest

from pipeline.checks import clean as clean_checks
from pipeline.checks import nlp as nlp_checks
from pipeline.checks import raw as raw_checks
from pipeline.checks import warehouse as warehouse_checks
from pipeline.checks.common import load_config
from pipeline.db import replace_table
from pipeline.marts import build_marts
from pipeline.resources import Warehouse
from pipeline.tables import conform

D = dt.date
NOW = dt.datetime(2024, 12, 7, 12, 0, tzinfo=dt.timezone.utc)

# (article_id, publisher, published, sentences); sentences are joined by one space into body_text
ARTICLES = [
    ("a1", "Reuters", D(2024, 12, 5), [
        "Hama falls to rebels",
        "Opposition fighters captured Hama on Thursday, a war monitor said.",
        "Government forces withdrew from the city.",
        "At least 20 people were killed in Hama.",
        "Suran lies 20 km north of Hama.",
    ]),
    ("a2", "AP", D(2024, 12, 6), [
        "Rebels took Suran on Wednesday.",
        "The army said it could retake Tal Salhab.",
        "About 300 fighters entered Tal Salhab.",
    ]),
]

# (article_id, sentence_id, text, label, entity_id, resolution)
MENTIONS = [
    ("a1", 0, "Hama", "PLACE", "hama", "exact"),
    ("a1", 1, "Opposition fighters", "ACTOR", "opposition_factions", "alias"),
    ("a1", 1, "Hama", "PLACE", "hama", "exact"),
    ("a1", 2, "Government forces", "ACTOR", "syrian_army", "alias"),
    ("a1", 3, "Hama", "PLACE", "hama", "exact"),
    ("a1", 4, "Suran", "PLACE", "suran_hama", "exact"),
    ("a1", 4, "Hama", "PLACE", "hama", "exact"),
    ("a2", 0, "Rebels", "ACTOR", "opposition_factions", "alias"),
    ("a2", 0, "Suran", "PLACE", "suran_hama", "exact"),
    ("a2", 1, "Tal Salhab", "PLACE", "unresolved:tal salhab", "unresolved"),
]

# (claim_id, article_id, sentence_id, evidence, event, actor_id, side, place_id, place_text,
#  event_date, certainty)
CLAIMS = [
    ("c1", "a1", 1, "Opposition fighters captured Hama", "captured", "opposition_factions", "opposition",
     "hama", "Hama", D(2024, 12, 5), "attributed"),
    ("c2", "a1", 2, "Government forces withdrew from the city", "withdrew", "syrian_army", "government",
     "hama", "the city", D(2024, 12, 5), "asserted"),
    ("c3", "a2", 0, "Rebels took Suran", "captured", "opposition_factions", "opposition",
     "suran_hama", "Suran", D(2024, 12, 4), "asserted"),
    ("c4", "a2", 1, "could retake Tal Salhab", "recaptured", "syrian_army", "government",
     "unresolved:tal salhab", "Tal Salhab", D(2024, 12, 6), "hypothetical"),
]

# (figure_id, article_id, sentence_id, evidence, metric, low, best, high, qualifier, unit, place_id)
FIGURES = [
    ("f1", "a1", 3, "At least 20", "killed", 20.0, 20.0, None, "at_least", "people", "hama"),
    ("f2", "a1", 4, "20 km", "distance_km", 20.0, 20.0, 20.0, "exact", "km", "hama"),
    ("f3", "a2", 2, "About 300", "fighters", 250.0, 300.0, 350.0, "approximately", "fighters", None),
]

PLACES = pl.DataFrame(
    {
        "place_id": ["hama", "suran_hama"],
        "name": ["Hama", "Suran"],
        "feature_type": ["city", "town"],
        "governorate": ["Hama", "Hama"],
        "district": ["Hama", "Hama"],
        "lat": [35.13, 35.29],
        "lon": [36.75, 36.74],
        "geonames_id": [170063, 163345],
        "aliases": [["Hamah"], ["Souran"]],
    },
    schema_overrides={"geonames_id": pl.Int64},
)
ACTORS = pl.DataFrame(
    {
        "actor_id": ["opposition_factions", "syrian_army", "sohr"],
        "name": ["Opposition factions", "Syrian Arab Army", "Syrian Observatory for Human Rights"],
        "side": ["opposition", "government", None],
        "kind": ["armed_group", "army", "source"],
        "aliases": [["rebels"], ["Syrian army"], ["SOHR"]],
    }
)


def _span(body: str, sentence_start: int, sentence: str, text: str) -> tuple[int, int]:
    offset = sentence.index(text)
    start = sentence_start + offset
    assert body[start : start + len(text)] == text
    return start, start + len(text)


def _frames() -> dict[str, pl.DataFrame]:
    raw, clean, sentences, starts = [], [], [], {}
    for article_id, publisher, published, sents in ARTICLES:
        body = " ".join(sents)
        raw.append({
            "article_id": article_id, "source_path": f"{article_id}.txt", "record_format": "txt",
            "content_sha256": f"sha-{article_id}", "raw_text": body, "encoding": "utf-8",
            "meta_published": published.isoformat(), "meta_published_date": published,
            "meta_publisher": publisher, "status": "active",
            "ingested_at": dt.datetime(2024, 12, 7, 8, 0, tzinfo=dt.timezone.utc),
        })
        clean.append({
            "article_id": article_id, "title": sents[0], "publisher": publisher, "published_date": published,
            "published_date_source": "metadata", "body_text": body, "n_words": len(body.split()),
            "duplicate_of": None, "language": "en", "is_english": True, "content_sha256": f"sha-{article_id}",
        })
        pos = 0
        for i, text in enumerate(sents):
            sentences.append({"article_id": article_id, "sentence_id": i, "paragraph_id": i,
                              "kind": "headline" if i == 0 else "body",
                              "start_char": pos, "end_char": pos + len(text), "text": text})
            starts[(article_id, i)] = (pos, text, body)
            pos += len(text) + 1

    def locate(article_id, sentence_id, text):
        pos, sentence, body = starts[(article_id, sentence_id)]
        return _span(body, pos, sentence, text)

    mentions = []
    for article_id, sid, text, label, entity_id, resolution in MENTIONS:
        start, end = locate(article_id, sid, text)
        mentions.append({"article_id": article_id, "sentence_id": sid, "start_char": start, "end_char": end,
                         "text": text, "label": label, "entity_id": entity_id, "resolution": resolution})
    claims = []
    for cid, aid, sid, evidence, event, actor, side, place, place_text, day, certainty in CLAIMS:
        start, end = locate(aid, sid, evidence)
        claims.append({"claim_id": cid, "article_id": aid, "sentence_id": sid, "start_char": start,
                       "end_char": end, "event": event, "actor_id": actor, "side": side, "place_id": place,
                       "place_text": place_text, "event_date": day, "date_precision": "day",
                       "certainty": certainty, "extractor": "test", "is_historical": False})
    figures = []
    for fid, aid, sid, evidence, metric, low, best, high, qualifier, unit, place in FIGURES:
        start, end = locate(aid, sid, evidence)
        figures.append({"figure_id": fid, "article_id": aid, "sentence_id": sid, "start_char": start,
                        "end_char": end, "metric": metric, "value_low": low, "value_best": best,
                        "value_high": high, "qualifier": qualifier, "unit": unit, "side": "unknown",
                        "place_id": place, "certainty": "asserted", "is_historical": False})
    return {
        "raw.articles": conform("raw.articles", raw),
        "raw.rejected_files": conform("raw.rejected_files", []),
        "clean.articles": conform("clean.articles", clean),
        "clean.sentences": conform("clean.sentences", sentences),
        "nlp.entity_mentions": conform("nlp.entity_mentions", mentions),
        "nlp.claims": conform("nlp.claims", claims),
        "nlp.figures": conform("nlp.figures", figures),
        "ref.places": PLACES,
        "ref.actors": ACTORS,
        "ref.baseline_control": conform("ref.baseline_control", []),
    }


class Mini:
    """A small, consistent warehouse; `plant` runs fault-planting SQL, optionally rebuilding marts."""

    def __init__(self, path):
        self.wh = Warehouse(database=str(path / "mini.duckdb"))
        with self.wh.write() as con:
            for table, frame in _frames().items():
                replace_table(con, table, frame)
            build_marts(con, control_end_date=D(2024, 12, 7))

    def plant(self, *statements: str, rebuild: bool = False) -> None:
        with self.wh.write() as con:
            for sql in statements:
                con.execute(sql)
            if rebuild:
                build_marts(con, control_end_date=D(2024, 12, 7))

    def scalar(self, sql: str):
        with self.wh.connect() as con:
            return con.execute(sql).fetchone()[0]


@pytest.fixture
def mini(tmp_path) -> Mini:
    return Mini(tmp_path)
