"""Accuracy of the project's own analysis against the hand-made gold files in tests/gold/.

    python -m pipeline.evaluate entities|claims|figures|all [--seeds DIR] [--gold DIR] [--json]

The articles go through `pipeline.nlp.corpus.analyse_corpus` (no Dagster, no warehouse), and the
predicted `nlp.entity_mentions` / `nlp.claims` / `nlp.figures` frames are compared with gold.
Annotation guidelines and matching rules: docs/accuracy.md.

The scoring functions take plain polars frames so they can be tested without the model.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

CONTROL = frozenset({"captured", "recaptured", "withdrew"})
PRESENCE = frozenset({"entered", "advanced_to", "besieged", "contested", "attempted"})
AIRSTRIKE = frozenset({"airstrike"})
FAMILIES = {"control": CONTROL, "presence": PRESENCE, "airstrike": AIRSTRIKE}

# Typographic variants that cleaning may or may not normalise; mapped one character to one
# character so offsets found in the normalised text are offsets in the original.
_CHAR_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u2013": "-", "\u2014": "-", "\u00a0": " ",
})


def _norm(s: str) -> str:
    return s.translate(_CHAR_MAP)


def event_family(event: str | None) -> str | None:
    for name, events in FAMILIES.items():
        if event in events:
            return name
    return None


def same_place(gold_id: str | None, pred_id: str | None) -> bool:
    """Place (or actor) ids agree; any `unresolved:` id matches a gold `unresolved:` id, because the
    normalised name of an unknown place is the resolver's choice and the point of the gold is
    that the place must NOT be forced onto a registry row. For the same reason a recognised
    mention left without an id (None) is right when gold says the name is unknown."""
    if gold_id is None:
        return False
    if gold_id.startswith("unresolved:"):
        return pred_id is None or pred_id.startswith("unresolved:")
    return gold_id == pred_id


# ---------------------------------------------------------------------------------------------
# locating gold annotations in body_text

def _find_all(hay: str, needle: str) -> list[int]:
    out, i = [], hay.find(needle)
    while i != -1:
        out.append(i)
        i = hay.find(needle, i + 1)
    return out


def _squash(s: str) -> tuple[str, list[int]]:
    """`s` with typographic variants mapped and whitespace runs collapsed to one space, plus the
    index in `s` of every kept character (cleaning re-flows blank lines and spaces)."""
    out, idx, prev_space = [], [], False
    for i, ch in enumerate(_norm(s)):
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        out.append(ch)
        idx.append(i)
    return "".join(out), idx


def _unique(hay: str, needle: str) -> int | None:
    hits = _find_all(hay, needle)
    return hits[0] if len(hits) == 1 else None


def locate_occurrence(body: str, text: str, occurrence: int, raw: str | None = None) -> tuple[int, int] | None:
    """Char span in `body` of the `occurrence`-th (1-based) occurrence of `text`.

    Gold counts occurrences in the raw article. When cleaning dropped text (boilerplate, teaser
    headings) so that counts differ between raw and body, the occurrence is re-anchored by its raw
    context; an occurrence inside dropped text gives None."""
    b, bidx = _squash(body)
    t = _squash(text)[0]
    if not t:
        return None
    hits = _find_all(b, t)
    pos: int | None = None
    if raw is not None:
        r = _squash(raw)[0]
        raw_hits = _find_all(r, t)
        if not 0 < occurrence <= len(raw_hits):
            return None
        if len(raw_hits) == len(hits):
            pos = hits[occurrence - 1]
        else:
            rp = raw_hits[occurrence - 1]
            for width in (40, 25, 15, 8):
                left, right = r[max(0, rp - width):rp], r[rp + len(t):rp + len(t) + width]
                for lft, rgt in ((left, right), ("", right), (left, "")):
                    if not (lft or rgt):
                        continue
                    at = _unique(b, lft + t + rgt)
                    if at is not None:
                        pos = at + len(lft)
                        break
                if pos is not None:
                    break
    else:
        if not hits:
            hits = _find_all(b.lower(), t.lower())
        if 0 < occurrence <= len(hits):
            pos = hits[occurrence - 1]
    if pos is None:
        return None
    return bidx[pos], bidx[pos + len(t) - 1] + 1


def occurs_in(raw: str | None, text: str, occurrence: int = 1) -> bool:
    return raw is not None and len(_find_all(_squash(raw)[0], _squash(text)[0])) >= occurrence


def locate_substring(body: str, sub: str) -> int | None:
    b, bidx = _squash(body)
    t = _squash(sub)[0]
    i = b.find(t)
    if i == -1:
        i = b.lower().find(t.lower())
    return None if i == -1 else bidx[i]


def sentence_at(sentences: pl.DataFrame, article_id: str, pos: int) -> int | None:
    s = sentences.filter(
        (pl.col("article_id") == article_id) & (pl.col("start_char") <= pos) & (pl.col("end_char") > pos)
    )
    return None if s.height == 0 else int(s["sentence_id"][0])


def _sentence_text(sentences: pl.DataFrame, article_id: str, sentence_id: int | None) -> str:
    if sentence_id is None:
        return ""
    s = sentences.filter((pl.col("article_id") == article_id) & (pl.col("sentence_id") == sentence_id))
    return "" if s.height == 0 else str(s["text"][0])


# ---------------------------------------------------------------------------------------------
# gold loading

def load_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: {e}") from e
    return rows


def load_gold(gold_dir: Path) -> dict[str, list[dict]]:
    return {kind: load_jsonl(gold_dir / f"{kind}.jsonl") if (gold_dir / f"{kind}.jsonl").exists() else []
            for kind in ("entities", "claims", "figures")}


# ---------------------------------------------------------------------------------------------
# scores

@dataclass
class PRF:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / self.n_pred if self.n_pred else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.n_gold if self.n_gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    def as_dict(self) -> dict:
        return {"tp": self.tp, "n_pred": self.n_pred, "n_gold": self.n_gold,
                "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class Ratio:
    ok: int = 0
    n: int = 0

    @property
    def value(self) -> float | None:
        return self.ok / self.n if self.n else None

    def as_dict(self) -> dict:
        return {"correct": self.ok, "n": self.n, "accuracy": self.value}


@dataclass
class Report:
    kind: str
    scores: dict = field(default_factory=dict)  # name -> PRF | Ratio
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    wrong: list[dict] = field(default_factory=list)  # matched but with a wrong attribute
    unlocated: list[dict] = field(default_factory=list)  # gold rows not found in body_text: scored as misses
    outside_body: list[dict] = field(default_factory=list)  # gold rows in raw text that cleaning dropped: not scored

    def as_dict(self) -> dict:
        return {"kind": self.kind, "scores": {k: v.as_dict() for k, v in self.scores.items()},
                "misses": self.misses, "false_positives": self.false_positives,
                "wrong": self.wrong, "unlocated": self.unlocated, "outside_body": self.outside_body}


def _bodies(articles: pl.DataFrame) -> dict[str, str]:
    return dict(zip(articles["article_id"].to_list(), articles["body_text"].to_list()))


def _rows(df: pl.DataFrame | None) -> list[dict]:
    return [] if df is None else df.to_dicts()


# ---------------------------------------------------------------------------------------------
# entities

def score_entities(gold: list[dict], articles: pl.DataFrame, mentions: pl.DataFrame,
                   raw_texts: dict[str, str] | None = None) -> Report:
    """Mention detection P/R/F1 per label (PLACE, ACTOR), one-to-one on overlapping spans, and
    id accuracy of the matched mentions (place resolution, actor resolution)."""
    bodies = _bodies(articles)
    raw_texts = raw_texts or {}
    rep = Report("entities")
    evaluated = set(bodies)
    gold_spans: list[dict] = []
    for g in gold:
        aid = g["article_id"]
        if aid not in bodies:
            continue
        span = locate_occurrence(bodies[aid], g["text"], int(g.get("occurrence", 1)), raw_texts.get(aid))
        if span is None:
            in_raw = occurs_in(raw_texts.get(aid), g["text"], int(g.get("occurrence", 1)))
            (rep.outside_body if in_raw else rep.unlocated).append(g)
            continue
        gold_spans.append({**g, "start_char": span[0], "end_char": span[1],
                           "gold_id": g.get("place_id") if g["label"] == "PLACE" else g.get("actor_id")})
    preds = [p for p in _rows(mentions) if p["label"] in ("PLACE", "ACTOR") and p["article_id"] in evaluated]

    for label in ("PLACE", "ACTOR"):
        gs = [g for g in gold_spans if g["label"] == label]
        ps = [p for p in preds if p["label"] == label]
        prf = PRF(n_pred=len(ps), n_gold=len(gs) + sum(1 for u in rep.unlocated if u["label"] == label))
        ids, e2e = Ratio(), Ratio(n=prf.n_gold)
        pairs = []
        for gi, g in enumerate(gs):
            for pi, p in enumerate(ps):
                if p["article_id"] != g["article_id"]:
                    continue
                ov = min(g["end_char"], p["end_char"]) - max(g["start_char"], p["start_char"])
                if ov > 0:
                    exact = (g["start_char"], g["end_char"]) == (p["start_char"], p["end_char"])
                    pairs.append((not exact, -ov, gi, pi))
        pairs.sort()
        used_g, used_p = set(), set()
        for _, _, gi, pi in pairs:
            if gi in used_g or pi in used_p:
                continue
            used_g.add(gi)
            used_p.add(pi)
            prf.tp += 1
            g, p = gs[gi], ps[pi]
            ids.n += 1
            good = same_place(g["gold_id"], p.get("entity_id"))
            if good:
                ids.ok += 1
                e2e.ok += 1
            else:
                rep.wrong.append({"label": label, "article_id": g["article_id"], "text": p["text"],
                                  "gold_id": g["gold_id"], "pred_id": p.get("entity_id"),
                                  "context": _context(bodies[g["article_id"]], g["start_char"], g["end_char"])})
        for gi, g in enumerate(gs):
            if gi not in used_g:
                rep.misses.append({"label": label, "article_id": g["article_id"], "text": g["text"],
                                   "gold_id": g["gold_id"],
                                   "context": _context(bodies[g["article_id"]], g["start_char"], g["end_char"])})
        for pi, p in enumerate(ps):
            if pi not in used_p:
                rep.false_positives.append({"label": label, "article_id": p["article_id"], "text": p["text"],
                                            "pred_id": p.get("entity_id"),
                                            "context": _context(bodies[p["article_id"]], p["start_char"], p["end_char"])})
        key = label.lower()
        rep.scores[f"{key}_mentions"] = prf
        rep.scores[f"{key}_id_on_matched"] = ids
        rep.scores[f"{key}_id_end_to_end"] = e2e
    return rep


def _context(body: str, start: int, end: int, width: int = 50) -> str:
    return (body[max(0, start - width):start] + "[" + body[start:end] + "]" + body[end:end + width]).replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# claims and figures

def _gold_sentence_ids(gold: list[dict], articles: pl.DataFrame, sentences: pl.DataFrame,
                       rep: Report, raw_texts: dict[str, str] | None = None) -> list[dict]:
    bodies = _bodies(articles)
    raw_texts = raw_texts or {}
    out = []
    for g in gold:
        aid = g["article_id"]
        if aid not in bodies:
            continue
        pos = locate_substring(bodies[aid], g["sentence"])
        sid = None if pos is None else sentence_at(sentences, aid, pos)
        if sid is None:
            (rep.outside_body if pos is None and occurs_in(raw_texts.get(aid), g["sentence"])
             else rep.unlocated).append(g)
            continue
        out.append({**g, "sentence_id": sid})
    return out


def _as_date_str(v) -> str | None:
    if v is None:
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)[:10]


def score_claims(gold: list[dict], articles: pl.DataFrame, sentences: pl.DataFrame,
                 claims: pl.DataFrame, raw_texts: dict[str, str] | None = None) -> Report:
    """Claims match on (article, sentence, event family, place_id); P/R per family and overall,
    then exact event, side, date and certainty accuracy on the matched pairs."""
    rep = Report("claims")
    evaluated = set(articles["article_id"].to_list())
    gs = _gold_sentence_ids(gold, articles, sentences, rep, raw_texts)
    ps = [p for p in _rows(claims) if p["article_id"] in evaluated and event_family(p["event"])]
    # Exact-event pairs first, so "captured X" and "withdrew X" in one sentence pair correctly.
    pairs = []
    for gi, g in enumerate(gs):
        for pi, p in enumerate(ps):
            if (p["article_id"] == g["article_id"] and p["sentence_id"] == g["sentence_id"]
                    and event_family(p["event"]) == event_family(g["event"])
                    and same_place(g["place_id"], p.get("place_id"))):
                pairs.append((p["event"] != g["event"], p.get("side") != g.get("side"), gi, pi))
    pairs.sort()
    used_g, used_p, matched = set(), set(), []
    for _, _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        matched.append((gs[gi], ps[pi]))
    for fam in (*FAMILIES, "all"):
        in_fam = (lambda e: event_family(e) == fam) if fam != "all" else (lambda e: True)
        n_unloc = sum(1 for u in rep.unlocated if in_fam(u["event"]))
        rep.scores[f"{fam}"] = PRF(
            tp=sum(1 for g, _ in matched if in_fam(g["event"])),
            n_pred=sum(1 for p in ps if in_fam(p["event"])),
            n_gold=sum(1 for g in gs if in_fam(g["event"])) + n_unloc,
        )
    checks = {
        "event_exact": lambda g, p: g["event"] == p["event"],
        "side": lambda g, p: g.get("side") == p.get("side"),
        "date": lambda g, p: (_as_date_str(g.get("event_date")) == _as_date_str(p.get("event_date"))
                              and g.get("date_precision", "unknown") == p.get("date_precision", "unknown")),
        "certainty": lambda g, p: g.get("certainty") == p.get("certainty"),
    }
    for name, ok in checks.items():
        r = Ratio(n=len(matched))
        for g, p in matched:
            if ok(g, p):
                r.ok += 1
            else:
                rep.wrong.append({"attribute": name, "article_id": g["article_id"], "place_id": g["place_id"],
                                  "event": g["event"], "gold": _attr(name, g), "pred": _attr(name, p),
                                  "sentence": _sentence_text(sentences, g["article_id"], g["sentence_id"])})
        rep.scores[name] = r
    for gi, g in enumerate(gs):
        if gi not in used_g:
            rep.misses.append({"article_id": g["article_id"], "event": g["event"], "place_id": g["place_id"],
                               "side": g.get("side"), "note": g.get("note", ""),
                               "sentence": _sentence_text(sentences, g["article_id"], g["sentence_id"])})
    for pi, p in enumerate(ps):
        if pi not in used_p:
            rep.false_positives.append({"article_id": p["article_id"], "event": p["event"],
                                        "place_id": p.get("place_id"), "side": p.get("side"),
                                        "extractor": p.get("extractor"),
                                        "sentence": _sentence_text(sentences, p["article_id"], p["sentence_id"])})
    return rep


def _attr(name: str, row: dict):
    if name == "event_exact":
        return row.get("event")
    if name == "date":
        return f"{_as_date_str(row.get('event_date'))}/{row.get('date_precision', 'unknown')}"
    return row.get(name)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


def score_figures(gold: list[dict], articles: pl.DataFrame, sentences: pl.DataFrame,
                  figures: pl.DataFrame, raw_texts: dict[str, str] | None = None) -> Report:
    """Figures match on (article, sentence, metric, value_best); then low/high/qualifier and
    side accuracy on the matched pairs."""
    rep = Report("figures")
    evaluated = set(articles["article_id"].to_list())
    gs = _gold_sentence_ids(gold, articles, sentences, rep, raw_texts)
    ps = [p for p in _rows(figures) if p["article_id"] in evaluated]
    used_p, matched = set(), []
    unmatched_g = []
    for g in gs:
        hit = next((pi for pi, p in enumerate(ps) if pi not in used_p
                    and p["article_id"] == g["article_id"] and p["sentence_id"] == g["sentence_id"]
                    and p["metric"] == g["metric"] and _close(p.get("value_best"), g.get("value_best"))), None)
        if hit is None:
            unmatched_g.append(g)
        else:
            used_p.add(hit)
            matched.append((g, ps[hit]))
    rep.scores["figures"] = PRF(tp=len(matched), n_pred=len(ps), n_gold=len(gs) + len(rep.unlocated))
    checks = {
        "value_range": lambda g, p: _close(g.get("value_low"), p.get("value_low"))
        and _close(g.get("value_high"), p.get("value_high")) and g.get("qualifier") == p.get("qualifier"),
        "side": lambda g, p: g.get("side") == p.get("side"),
        "is_historical": lambda g, p: bool(g.get("is_historical")) == bool(p.get("is_historical")),
    }
    for name, ok in checks.items():
        r = Ratio(n=len(matched))
        for g, p in matched:
            if ok(g, p):
                r.ok += 1
            else:
                fields = ("value_low", "value_high", "qualifier") if name == "value_range" else (name,)
                rep.wrong.append({"attribute": name, "article_id": g["article_id"], "text": g.get("text"),
                                  "gold": {f: g.get(f) for f in fields}, "pred": {f: p.get(f) for f in fields}})
        rep.scores[name] = r
    for g in unmatched_g:
        rep.misses.append({"article_id": g["article_id"], "text": g.get("text"), "metric": g["metric"],
                           "value_best": g.get("value_best"),
                           "sentence": _sentence_text(sentences, g["article_id"], g["sentence_id"])})
    for pi, p in enumerate(ps):
        if pi not in used_p:
            rep.false_positives.append({"article_id": p["article_id"], "metric": p["metric"],
                                        "value_best": p.get("value_best"), "qualifier": p.get("qualifier"),
                                        "sentence": _sentence_text(sentences, p["article_id"], p["sentence_id"])})
    return rep


# ---------------------------------------------------------------------------------------------
# printing

def _fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def format_report(rep: Report, max_items: int = 200) -> str:
    lines = [f"== {rep.kind} =="]
    prfs = {k: v for k, v in rep.scores.items() if isinstance(v, PRF)}
    ratios = {k: v for k, v in rep.scores.items() if isinstance(v, Ratio)}
    if prfs:
        lines.append(f"{'':28} {'prec':>6} {'recall':>6} {'F1':>6}   tp/pred/gold")
        for k, v in prfs.items():
            lines.append(f"{k:28} {_fmt(v.precision)} {_fmt(v.recall)} {_fmt(v.f1)}   {v.tp}/{v.n_pred}/{v.n_gold}")
    if ratios:
        lines.append(f"{'':28} {'acc':>6}   correct/n")
        for k, v in ratios.items():
            lines.append(f"{k:28} {_fmt(v.value)}   {v.ok}/{v.n}")
    for title, items in (("gold rows in text that cleaning dropped (not scored)", rep.outside_body),
                         ("unlocated gold rows (scored as misses)", rep.unlocated), ("misses (gold not predicted)", rep.misses),
                         ("false positives", rep.false_positives), ("matched, wrong attribute", rep.wrong)):
        if not items:
            continue
        lines.append(f"-- {title}: {len(items)}")
        for it in items[:max_items]:
            lines.append("   " + "  ".join(f"{k}={v}" for k, v in it.items() if v not in (None, "")))
        if len(items) > max_items:
            lines.append(f"   ... {len(items) - max_items} more")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# running the analysis

def analyse(seeds_dir: Path, model_name: str | None = None):
    try:
        from pipeline.nlp.corpus import analyse_corpus
    except ImportError as e:  # pragma: no cover - depends on the state of the tree
        raise SystemExit(f"pipeline.nlp.corpus.analyse_corpus is not available ({e}); "
                         "the evaluator needs it to run the analysis without Dagster.") from e
    return analyse_corpus(seeds_dir, model_name=model_name)


def read_raw_texts(seeds_dir: Path, article_ids: list[str]) -> dict[str, str]:
    out = {}
    for aid in article_ids:
        p = seeds_dir / f"{aid}.txt"
        if p.exists():
            out[aid] = p.read_text(encoding="utf-8", errors="replace")
    return out


def evaluate(kind: str, seeds_dir: Path, gold_dir: Path, model_name: str | None = None,
             result=None) -> list[Report]:
    gold = load_gold(gold_dir)
    res = result if result is not None else analyse(seeds_dir, model_name)
    kinds = ["entities", "claims", "figures"] if kind == "all" else [kind]
    reports = []
    raw = read_raw_texts(seeds_dir, res.articles["article_id"].to_list())
    for k in kinds:
        if k == "entities":
            reports.append(score_entities(gold["entities"], res.articles, res.mentions, raw))
        elif k == "claims":
            reports.append(score_claims(gold["claims"], res.articles, res.sentences, res.claims, raw))
        elif k == "figures":
            reports.append(score_figures(gold["figures"], res.articles, res.sentences, res.figures, raw))
    return reports


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["entities", "claims", "figures", "all"])
    ap.add_argument("--seeds", type=Path, default=Path("seeds"))
    ap.add_argument("--gold", type=Path, default=Path("tests/gold"))
    ap.add_argument("--model", default=None, help="spaCy model name (default: the project's)")
    ap.add_argument("--json", action="store_true", help="print the reports as JSON")
    ap.add_argument("--max-items", type=int, default=200, help="how many misses/false positives to list")
    args = ap.parse_args(argv)
    reports = evaluate(args.kind, args.seeds, args.gold, args.model)
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False, default=str))
    else:
        print("\n\n".join(format_report(r, args.max_items) for r in reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
