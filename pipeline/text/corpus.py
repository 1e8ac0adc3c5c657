"""From ingested records to the raw and clean tables' rows (no Dagster, no DuckDB).

The assets and the Dagster-free entry points (evaluation, benchmark) share these functions so the
three always compute the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, fields
from functools import partial

from pipeline.parallel import can_fork, imap_forked
from pipeline.text.cleaning import clean_article, repeated_lines
from pipeline.text.dedup import find_duplicates
from pipeline.text.language import identifier
from pipeline.text.reading import RawRecord, Rejection
from pipeline.versioning import cleaning_version, digest


_RECORD_FIELDS = tuple(f.name for f in fields(RawRecord))


def raw_rows(
    records: list[RawRecord],
    previous: dict[tuple[str, str], dict] | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Rows for raw.articles. `previous` maps (article_id, content_sha256) to the row already
    stored, so an unchanged record keeps its ingested_at (idempotent reruns), and records whose
    file disappeared stay in the table marked `removed` (raw never silently loses an article)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    previous = previous or {}
    rows = []
    seen = set()
    for r in records:
        key = (r.article_id, r.content_sha256)
        seen.add(r.article_id)
        # a shallow copy of the flat fields (dataclasses.asdict deep-copies: 0.19 s per 2,000 records)
        row = {name: getattr(r, name) for name in _RECORD_FIELDS}
        row["status"] = "active"
        row["ingested_at"] = _utc(previous.get(key, {}).get("ingested_at")) or now
        rows.append(row)
    for (article_id, _sha), old in sorted(previous.items()):
        if article_id not in seen and old.get("status") in ("active", "removed"):
            rows.append({**old, "status": "removed", "ingested_at": _utc(old.get("ingested_at"))})
            seen.add(article_id)
    return rows


def _utc(ts: dt.datetime | None) -> dt.datetime | None:
    # Timestamps read back from DuckDB carry its session zone (Etc/UTC); polars refuses a column
    # that mixes them with new datetime.timezone.utc values, so a run that adds one file failed.
    return ts.astimezone(dt.timezone.utc) if isinstance(ts, dt.datetime) and ts.tzinfo else ts


def rejected_rows(
    rejections: list[Rejection],
    previous: dict[tuple[str, str], dt.datetime] | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    now = now or dt.datetime.now(dt.timezone.utc)
    previous = previous or {}
    return [
        {
            "source_path": r.source_path,
            "reason": r.reason,
            "detected_at": _utc(previous.get((r.source_path, r.reason))) or now,
        }
        for r in rejections
    ]


def _meta(r: dict) -> dict:
    return {
        "published": r.get("meta_published_date"),
        "publisher": r.get("meta_publisher"),
        "title": r.get("meta_title"),
        "url": r.get("meta_url"),
    }


def _clean_job(job: tuple[str, dict], repeated: set[str]):
    return clean_article(job[0], job[1], publisher_repeated_lines=repeated)


def _clean_many(jobs: list[tuple[str, dict]], repeated: set[str], n_process: int) -> list:
    """clean_article over (raw_text, meta) pairs, in forked processes when there are many."""
    clean = partial(_clean_job, repeated=repeated)
    if n_process > 1 and len(jobs) >= _MIN_ARTICLES_PER_WORKER * 2 and can_fork():
        identifier()  # loaded once here, inherited by the workers and kept for a later run
        return list(imap_forked(clean, jobs, n_process, chunksize=max(1, len(jobs) // (8 * n_process))))
    return [clean(job) for job in jobs]


# Forking a worker costs ~50 ms; cleaning one article ~4 ms.
_MIN_ARTICLES_PER_WORKER = 100


@dataclass(frozen=True)
class CleanPlan:
    """The active raw rows, the publishers' repeated lines and each article's clean_key: what
    its cleaning depends on (content, metadata, cleaning code, the repeated lines it contains)."""

    active: list[dict]
    repeated: set[str]
    keys: dict[str, str]


def plan_cleaning(raw: list[dict]) -> CleanPlan:
    active = [r for r in raw if r.get("status", "active") == "active"]
    by_publisher: dict[str, list[str]] = defaultdict(list)
    for r in active:
        if r.get("meta_publisher"):
            by_publisher[r["meta_publisher"]].append(r["raw_text"])
    repeated = repeated_lines(by_publisher)
    version = cleaning_version()
    keys = {
        r["article_id"]: digest(
            r["content_sha256"], r.get("meta_published_date"), r.get("meta_publisher"), r.get("meta_title"),
            r.get("meta_url"), version,
            # Only lines this article contains can change its cleaning.
            sorted(line for line in repeated if line in r["raw_text"]),
        )
        for r in active
    }
    return CleanPlan(active, repeated, keys)


def kept_articles(plan: CleanPlan, previous: dict[str, dict]) -> set[str]:
    """The active articles whose stored clean rows stand: the same clean key."""
    return {a for a, key in plan.keys.items() if a in previous and previous[a].get("clean_key") == key}


def stale_articles(plan: CleanPlan, previous: dict[str, dict]) -> list[str]:
    """The articles whose stored sentences go, if they have any: cleaned now, or no longer active."""
    return sorted((previous.keys() | plan.keys.keys()) - kept_articles(plan, previous))


def clean_rows(
    raw: list[dict],
    previous: dict[str, dict] | None = None,
    *,
    n_process: int = 1,
    plan: CleanPlan | None = None,
) -> tuple[list[dict], list[dict]]:
    """Rows for clean.articles (every active raw.articles row) and clean.sentences (those of the
    articles cleaned in this call).

    `previous` maps article_id to its stored clean.articles row; an article whose clean_key
    (`plan_cleaning`, computed here unless given) is unchanged keeps that row, its duplicate
    verdict revisited, instead of being cleaned again, and keeps its stored sentences (not
    returned: `stale_articles` says whose stored sentences go). With `n_process` > 1 many
    articles to clean are shared among forked worker processes."""
    plan = plan or plan_cleaning(raw)
    active, repeated, keys = plan.active, plan.repeated, plan.keys
    previous = previous or {}
    kept = kept_articles(plan, previous)
    to_clean = [r for r in active if r["article_id"] not in kept]
    cleaned_by_id = dict(zip(
        (r["article_id"] for r in to_clean),
        _clean_many([(r["raw_text"], _meta(r)) for r in to_clean], repeated, n_process),
    ))

    articles, sentences = [], []
    for r in active:
        if r["article_id"] not in cleaned_by_id:
            articles.append(dict(previous[r["article_id"]]))
            continue
        cleaned = cleaned_by_id[r["article_id"]]
        articles.append(
            {
                "article_id": r["article_id"],
                "title": cleaned.title,
                "publisher": cleaned.publisher,
                "published_date": cleaned.published_date,
                "published_date_source": cleaned.published_date_source,
                "dateline": cleaned.dateline,
                "dateline_place": cleaned.dateline_place,
                "body_text": cleaned.body_text,
                "n_words": cleaned.n_words,
                "duplicate_of": None,
                "language": cleaned.language,
                "is_english": cleaned.is_english,
                "url": r.get("meta_url"),
                "content_sha256": r["content_sha256"],
                "boilerplate": json.dumps(cleaned.boilerplate, ensure_ascii=False),
                "clean_key": keys[r["article_id"]],
            }
        )
        if cleaned.is_english:
            for s in cleaned.sentences:
                sentences.append(
                    {
                        "article_id": r["article_id"],
                        "sentence_id": s.sentence_id,
                        "paragraph_id": s.paragraph_id,
                        "kind": s.kind,
                        "start_char": s.start_char,
                        "end_char": s.end_char,
                        "text": s.text,
                    }
                )
    # First copy = earliest ingested, then id: a later syndicated copy never displaces the original.
    order = {r["article_id"]: (str(r.get("ingested_at") or ""), r["article_id"]) for r in active}
    # Verdicts of the previous run, for the articles kept as they were (same clean key: same text,
    # same cleaning and duplicate rules); a re-cleaned article ends the reusable prefix.
    known = {
        a: (stored.get("body_text"), stored.get("duplicate_of"), stored.get("minhash"))
        for a, stored in previous.items()
        if a not in cleaned_by_id
    }
    signatures: dict[str, bytes] = {}
    dupes = find_duplicates(
        [(a["article_id"], a["body_text"], order[a["article_id"]]) for a in articles], known, signatures
    )
    for a in articles:
        a["duplicate_of"] = dupes.get(a["article_id"])
        if a["article_id"] in signatures:
            a["minhash"] = signatures[a["article_id"]]
    return articles, sentences
