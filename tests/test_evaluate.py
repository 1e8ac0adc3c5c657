"""Scoring logic of pipeline.evaluate on small hand-made frames (no model, no seeds)."""

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from pipeline import evaluate as ev

BODY = ("Rebels seize Khan Shaykhun\n"
        "Rebel fighters seized Khan Shaykhun and Morek on Monday, a monitor said.\n"
        "Government troops pulled back from Morek, while jets struck Khan Shaykhun.\n"
        "At least 12 fighters were killed and dozens of families fled.")
AID = "a1"


def _sentences():
    rows, start = [], 0
    for i, line in enumerate(BODY.split("\n")):
        rows.append({"article_id": AID, "sentence_id": i, "start_char": start, "end_char": start + len(line),
                     "text": line})
        start += len(line) + 1
    return pl.DataFrame(rows)


ARTICLES = pl.DataFrame({"article_id": [AID], "body_text": [BODY]})
SENTENCES = _sentences()

GOLD_ENTS = [
    {"article_id": AID, "text": "Khan Shaykhun", "occurrence": 1, "label": "PLACE", "place_id": "khan_sheikhoun"},
    {"article_id": AID, "text": "Khan Shaykhun", "occurrence": 2, "label": "PLACE", "place_id": "khan_sheikhoun"},
    {"article_id": AID, "text": "Morek", "occurrence": 1, "label": "PLACE", "place_id": "murak"},
    {"article_id": AID, "text": "Government troops", "occurrence": 1, "label": "ACTOR", "actor_id": "syrian_army"},
    {"article_id": AID, "text": "Morek", "occurrence": 2, "label": "PLACE", "place_id": "murak"},
    {"article_id": AID, "text": "Khan Shaykhun", "occurrence": 3, "label": "PLACE", "place_id": "khan_sheikhoun"},
]


def _span(text, occurrence):
    return ev.locate_occurrence(BODY, text, occurrence)


def _mentions_from_gold(gold):
    rows = []
    for g in gold:
        s, e = _span(g["text"], g["occurrence"])
        rows.append({"article_id": AID, "sentence_id": 0, "start_char": s, "end_char": e, "text": g["text"],
                     "label": g["label"], "entity_id": g.get("place_id") or g.get("actor_id"),
                     "resolution": "exact"})
    return pl.DataFrame(rows)


def test_locate_occurrence_counts_from_one():
    s, e = _span("Khan Shaykhun", 2)
    assert BODY[s:e] == "Khan Shaykhun"
    assert BODY[:s].count("Khan Shaykhun") == 1
    assert _span("Khan Shaykhun", 4) is None


def test_locate_tolerates_typographic_quotes_and_dropped_text():
    body = "Hay'at Tahrir al-Sham took Hama."
    assert ev.locate_occurrence(body, "Hay\u2019at Tahrir al-Sham", 1) == (0, 21)
    # gold counts in the raw text; cleaning dropped the headline, so raw occurrence 2 = body occurrence 1
    raw = "Hama falls\nHay'at Tahrir al-Sham took Hama."
    span = ev.locate_occurrence(body, "Hama", 2, raw=raw)
    assert body[span[0]:span[1]] == "Hama" and span[0] == body.index("Hama")


def test_perfect_entity_prediction_scores_one():
    rep = ev.score_entities(GOLD_ENTS, ARTICLES, _mentions_from_gold(GOLD_ENTS))
    for key in ("place_mentions", "actor_mentions"):
        assert rep.scores[key].precision == 1.0 and rep.scores[key].recall == 1.0 and rep.scores[key].f1 == 1.0
    assert rep.scores["place_id_on_matched"].value == 1.0
    assert rep.scores["place_id_end_to_end"].value == 1.0
    assert not rep.misses and not rep.false_positives and not rep.wrong


def test_missed_mention_lowers_recall_only():
    preds = _mentions_from_gold(GOLD_ENTS[1:])
    rep = ev.score_entities(GOLD_ENTS, ARTICLES, preds)
    places = rep.scores["place_mentions"]
    assert places.precision == 1.0
    assert places.recall == pytest.approx(4 / 5)
    assert rep.scores["place_id_end_to_end"].value == pytest.approx(4 / 5)
    assert rep.scores["place_id_on_matched"].value == 1.0
    assert [m["text"] for m in rep.misses] == ["Khan Shaykhun"]


def test_wrong_id_lowers_resolution_not_detection():
    preds = _mentions_from_gold(GOLD_ENTS).with_columns(
        pl.when(pl.col("text") == "Morek").then(pl.lit("unresolved:morek")).otherwise(pl.col("entity_id"))
        .alias("entity_id"))
    rep = ev.score_entities(GOLD_ENTS, ARTICLES, preds)
    assert rep.scores["place_mentions"].f1 == 1.0
    assert rep.scores["place_id_on_matched"].value == pytest.approx(3 / 5)
    assert {w["pred_id"] for w in rep.wrong} == {"unresolved:morek"}


def test_overlapping_longer_span_matches_and_extra_mention_is_false_positive():
    s, e = _span("Government troops", 1)
    preds = _mentions_from_gold(GOLD_ENTS[:3] + GOLD_ENTS[4:]).vstack(pl.DataFrame([
        {"article_id": AID, "sentence_id": 2, "start_char": s, "end_char": e + 10,  # "Government troops pulled"
         "text": BODY[s:e + 10], "label": "ACTOR", "entity_id": "syrian_army", "resolution": "alias"},
        {"article_id": AID, "sentence_id": 1, "start_char": 0, "end_char": 6, "text": "Rebels",
         "label": "ACTOR", "entity_id": "opposition", "resolution": "alias"},
    ]))
    rep = ev.score_entities(GOLD_ENTS, ARTICLES, preds)
    actors = rep.scores["actor_mentions"]
    assert actors.recall == 1.0 and actors.precision == pytest.approx(1 / 2)
    assert [fp["text"] for fp in rep.false_positives] == ["Rebels"]


def test_unresolved_gold_matches_any_unresolved_prediction():
    assert ev.same_place("unresolved:mediterranean_coast", "unresolved:mediterranean")
    assert not ev.same_place("unresolved:mediterranean_coast", "latakia")
    assert not ev.same_place("hama", "unresolved:hama")


GOLD_CLAIMS = [
    {"article_id": AID, "sentence": "Rebel fighters seized Khan Shaykhun", "event": "captured",
     "place_id": "khan_sheikhoun", "side": "opposition", "event_date": "2024-12-02", "date_precision": "day",
     "certainty": "attributed"},
    {"article_id": AID, "sentence": "Rebel fighters seized Khan Shaykhun", "event": "captured",
     "place_id": "murak", "side": "opposition", "event_date": "2024-12-02", "date_precision": "day",
     "certainty": "attributed"},
    {"article_id": AID, "sentence": "Government troops pulled back from Morek", "event": "withdrew",
     "place_id": "murak", "side": "government", "event_date": None, "date_precision": "unknown",
     "certainty": "asserted"},
    {"article_id": AID, "sentence": "Government troops pulled back from Morek", "event": "airstrike",
     "place_id": "khan_sheikhoun", "side": "unknown", "event_date": None, "date_precision": "unknown",
     "certainty": "asserted"},
]


def _claims_frame(gold):
    rows = []
    for i, g in enumerate(gold):
        sid = 1 if g["sentence"].startswith("Rebel") else 2
        rows.append({"claim_id": f"c{i}", "article_id": AID, "sentence_id": sid, "event": g["event"],
                     "place_id": g["place_id"], "side": g["side"],
                     "event_date": dt.date.fromisoformat(g["event_date"]) if g["event_date"] else None,
                     "date_precision": g["date_precision"], "certainty": g["certainty"], "extractor": "test"})
    return pl.DataFrame(rows, schema_overrides={"event_date": pl.Date})


def test_perfect_claims_score_one_per_family():
    rep = ev.score_claims(GOLD_CLAIMS, ARTICLES, SENTENCES, _claims_frame(GOLD_CLAIMS))
    assert rep.scores["all"].f1 == 1.0
    assert rep.scores["control"].tp == 3 and rep.scores["airstrike"].tp == 1
    assert rep.scores["presence"].n_gold == 0 and rep.scores["presence"].recall is None
    for name in ("side", "date", "certainty", "event_exact"):
        assert rep.scores[name].value == 1.0


def test_claims_family_match_tolerates_event_but_reports_it():
    wrong = [dict(g) for g in GOLD_CLAIMS]
    wrong[2]["event"] = "captured"  # same family (control), wrong event
    wrong[2]["side"] = "opposition"
    wrong[0]["event_date"] = None
    wrong[0]["date_precision"] = "unknown"
    wrong[3]["place_id"] = "murak"  # airstrike on the wrong place: miss + false positive
    rep = ev.score_claims(GOLD_CLAIMS, ARTICLES, SENTENCES, _claims_frame(wrong))
    assert rep.scores["control"].precision == 1.0 and rep.scores["control"].recall == 1.0
    assert rep.scores["airstrike"].tp == 0 and rep.scores["airstrike"].n_pred == 1
    assert rep.scores["event_exact"].value == pytest.approx(2 / 3)
    assert rep.scores["side"].value == pytest.approx(2 / 3)
    assert rep.scores["date"].value == pytest.approx(2 / 3)
    assert rep.misses[0]["place_id"] == "khan_sheikhoun"
    assert rep.false_positives[0]["place_id"] == "murak"
    assert "Morek" in rep.false_positives[0]["sentence"]


def test_claim_in_other_sentence_does_not_match():
    moved = _claims_frame(GOLD_CLAIMS[:1]).with_columns(pl.lit(3).alias("sentence_id"))
    rep = ev.score_claims(GOLD_CLAIMS[:1], ARTICLES, SENTENCES, moved)
    assert rep.scores["all"].tp == 0


def test_figures_match_on_metric_and_best_value():
    gold = [
        {"article_id": AID, "sentence": "At least 12 fighters", "text": "At least 12 fighters", "metric": "killed",
         "value_low": 12, "value_best": 12, "value_high": None, "qualifier": "at_least", "side": "unknown",
         "is_historical": False},
        {"article_id": AID, "sentence": "At least 12 fighters", "text": "dozens of families", "metric": "displaced",
         "value_low": 24, "value_best": 36, "value_high": 99, "qualifier": "vague", "side": "other",
         "is_historical": False},
    ]
    preds = pl.DataFrame([
        {"figure_id": "f1", "article_id": AID, "sentence_id": 3, "metric": "killed", "value_low": 12.0,
         "value_best": 12.0, "value_high": 12.0, "qualifier": "exact", "side": "unknown", "is_historical": False},
        {"figure_id": "f2", "article_id": AID, "sentence_id": 3, "metric": "displaced", "value_low": 12.0,
         "value_best": 24.0, "value_high": 99.0, "qualifier": "vague", "side": "other", "is_historical": False},
    ])
    rep = ev.score_figures(gold, ARTICLES, SENTENCES, preds)
    assert rep.scores["figures"].tp == 1 and rep.scores["figures"].recall == 0.5
    assert rep.scores["value_range"].value == 0.0  # "exact" instead of "at_least"
    assert rep.misses[0]["text"] == "dozens of families"


def test_unlocatable_gold_counts_as_miss():
    gold = GOLD_CLAIMS[:1] + [{**GOLD_CLAIMS[0], "sentence": "text that is not in the article"}]
    rep = ev.score_claims(gold, ARTICLES, SENTENCES, _claims_frame(GOLD_CLAIMS[:1]))
    assert rep.scores["all"].n_gold == 2 and rep.scores["all"].recall == 0.5
    assert len(rep.unlocated) == 1


def test_format_report_lists_misses():
    rep = ev.score_entities(GOLD_ENTS, ARTICLES, _mentions_from_gold(GOLD_ENTS[1:]))
    text = ev.format_report(rep)
    assert "place_mentions" in text and "misses" in text and "[Khan Shaykhun]" in text


GOLD_DIR = Path(__file__).parent / "gold"
SEEDS_DIR = Path(__file__).parent.parent / "seeds"


@pytest.mark.parametrize("kind", ["entities", "claims", "figures"])
def test_gold_files_are_well_formed(kind):
    rows = ev.load_jsonl(GOLD_DIR / f"{kind}.jsonl")
    assert rows
    raws = {}
    for r in rows:
        raw = raws.setdefault(r["article_id"], (SEEDS_DIR / f"{r['article_id']}.txt").read_text(encoding="utf-8"))
        if kind == "entities":
            assert r["label"] in ("PLACE", "ACTOR")
            assert (r.get("place_id") if r["label"] == "PLACE" else r.get("actor_id"))
            assert ev.locate_occurrence(raw, r["text"], r["occurrence"]) is not None, r
        else:
            assert raw.count(r["sentence"]) == 1, r
        if kind == "claims":
            assert ev.event_family(r["event"]) is not None
            assert r["certainty"] in {"asserted", "attributed", "claimed", "unverified", "denied", "negated",
                                      "hypothetical"}
            assert r["date_precision"] in {"day", "week", "month", "unknown"}
            assert (r["event_date"] is None) == (r["date_precision"] == "unknown")
        if kind == "figures":
            assert r["qualifier"] in {"exact", "at_least", "over", "approximately", "up_to", "range", "vague"}
            assert r["value_best"] is not None


def test_cli_json_with_injected_result(tmp_path, capsys, monkeypatch):
    class Result:
        articles, sentences = ARTICLES, SENTENCES
        mentions = _mentions_from_gold(GOLD_ENTS)
        claims = _claims_frame(GOLD_CLAIMS)
        figures = pl.DataFrame(schema={"article_id": pl.String, "sentence_id": pl.Int64, "metric": pl.String,
                                       "value_best": pl.Float64})
    for kind, rows in (("entities", GOLD_ENTS), ("claims", GOLD_CLAIMS)):
        (tmp_path / f"{kind}.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    monkeypatch.setattr(ev, "analyse", lambda seeds, model=None: Result())
    assert ev.main(["all", "--gold", str(tmp_path), "--seeds", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in out] == ["entities", "claims", "figures"]
    assert out[1]["scores"]["all"]["f1"] == 1.0


def test_mention_in_text_dropped_by_cleaning_is_not_scored():
    raw = "Hama falls\nRelated: the future of Syria\nRebels took Hama.\n\n\nSyria is at war. Read more at Syria Today."
    body = "Hama falls\n\nRebels took Hama.\n\nSyria is at war."
    arts = pl.DataFrame({"article_id": ["x"], "body_text": [body]})
    gold = [{"article_id": "x", "text": "Syria", "occurrence": n, "label": "PLACE", "place_id": "syria"}
            for n in (1, 2, 3)]
    s = body.index("Syria")
    preds = pl.DataFrame([{"article_id": "x", "sentence_id": 2, "start_char": s, "end_char": s + 5, "text": "Syria",
                           "label": "PLACE", "entity_id": "syria", "resolution": "exact"}])
    rep = ev.score_entities(gold, arts, preds, raw_texts={"x": raw})
    assert rep.scores["place_mentions"].f1 == 1.0
    assert [g["occurrence"] for g in rep.outside_body] == [1, 3]
    # the second raw occurrence is re-anchored across the re-flowed blank lines
    assert ev.locate_occurrence(body, "Syria", 2, raw=raw) == (s, s + 5)
