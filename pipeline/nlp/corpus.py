"""Run the NLP pipeline over clean articles and turn docs into nlp.* rows (no Dagster, no DuckDB).

`analyse_corpus` is the whole raw → clean → nlp chain without Dagster, for the evaluation and
benchmark commands; the assets call the same pieces layer by layer.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from spacy.language import Language

from pipeline.nlp.pipeline import (DEFAULT_BATCH_SIZE, ArticleText, DocCache, load_entity_patterns, needs_parsing,
                                   parse_articles)
from pipeline.parallel import can_fork, imap_forked
from pipeline.tables import conform, schema

# Labels kept in nlp.entity_mentions: what an analyst can use (places, forces, people, dates and
# amounts); the model's other labels (WORK_OF_ART, LAW, ...) add noise without provenance value.
KEPT_LABELS = {"PLACE", "ACTOR", "PERSON", "ORG", "NORP", "DATE", "TIME", "QUANTITY", "CARDINAL", "GPE", "LOC", "FAC"}


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


_TABLE_OF = {"mentions": "nlp.entity_mentions", "claims": "nlp.claims", "figures": "nlp.figures"}


@dataclass
class NlpRows:
    """The nlp.* rows of a run. Rows arrive as dicts (`pending`) and are kept as typed polars
    frames, flushed every `FLUSH_DOCS` docs: a mention as a Python dict costs ~1 KB, as a frame
    row ~100 B, which is the difference between a 10,000-article corpus fitting in memory or not.
    Forked workers, which must not touch polars, hand rows over as `columns` (one list per
    column): they pickle smaller and become frames several times faster than row dicts."""

    FLUSH_DOCS = 256

    pending: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in _TABLE_OF})
    columns: dict[str, list[dict[str, list]]] = field(default_factory=lambda: {k: [] for k in _TABLE_OF})
    parts: dict[str, list[pl.DataFrame]] = field(default_factory=lambda: {k: [] for k in _TABLE_OF})
    n_docs: int = 0
    n_tokens: int = 0

    def to_columns(self) -> NlpRows:
        """Pending rows as column lists (pure Python)."""
        for kind, rows in self.pending.items():
            if rows:
                names = schema(_TABLE_OF[kind])
                self.columns[kind].append({name: [row.get(name) for row in rows] for name in names})
                self.pending[kind] = []
        return self

    def flush(self) -> NlpRows:
        self.to_columns()
        for kind, batches in self.columns.items():
            for cols in batches:
                self.parts[kind].append(pl.DataFrame(cols, schema=schema(_TABLE_OF[kind]), strict=False))
            self.columns[kind] = []
        return self

    def extend(self, other: NlpRows) -> None:
        for kind in _TABLE_OF:
            self.parts[kind] += other.parts[kind]
            self.columns[kind] += other.columns[kind]
            self.pending[kind] += other.pending[kind]
        self.n_docs += other.n_docs
        self.n_tokens += other.n_tokens
        self.flush()

    def frame(self, kind: str) -> pl.DataFrame:
        self.flush()
        table = _TABLE_OF[kind]
        return pl.concat(self.parts[kind]) if self.parts[kind] else conform(table, [])

    @property
    def mentions(self) -> pl.DataFrame:
        return self.frame("mentions")

    @property
    def claims(self) -> pl.DataFrame:
        return self.frame("claims")

    @property
    def figures(self) -> pl.DataFrame:
        return self.frame("figures")


def article_texts(articles: list[dict], sentences: list[dict]) -> list[ArticleText]:
    """ArticleText inputs for parsing: English articles with their clean sentence bounds."""
    bounds: dict[str, list[tuple[int, int, int]]] = {}
    for s in sentences:
        bounds.setdefault(s["article_id"], []).append((s["sentence_id"], s["start_char"], s["end_char"]))
    out = []
    for a in articles:
        if not a.get("is_english", True) or not a.get("body_text"):
            continue
        sents = sorted(bounds.get(a["article_id"], []))
        out.append(
            ArticleText(
                article_id=a["article_id"],
                body_text=a["body_text"],
                sentence_bounds=[(start, end) for _, start, end in sents],
                published=a.get("published_date"),
                publisher=a.get("publisher"),
            )
        )
    return out


def analyse_documents(
    nlp: Language,
    articles: list[ArticleText],
    *,
    cache: DocCache | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
) -> NlpRows:
    """nlp.* rows of `articles`, in their order. With `n_process` > 1 and at least two batches
    of work, whole articles (parse, rules and rows) go to forked worker processes."""
    if cache is not None:
        cache.bind(nlp)  # before any worker forks
    if n_process > 1 and len(articles) >= 2 * batch_size:  # less is not worth starting workers for
        if can_fork():
            if needs_parsing(articles, cache):
                load_entity_patterns(nlp, cache.root if cache is not None else None)  # once here, not per worker
            return _analyse_in_workers(nlp, articles, cache=cache, batch_size=batch_size, n_process=n_process)
        # no fork on this platform: spaCy's own processes run the model (docs travel back serialised)
        return _analyse(nlp, articles, cache=cache, batch_size=batch_size, n_process=n_process)
    return _analyse(nlp, articles, cache=cache, batch_size=batch_size, n_process=1)


ARTICLES_PER_WORKER = 512

# The pipeline handed to forked workers: inherited with the process image, never pickled.
_WORKER: dict = {}


_CACHE_COUNTS = ("hits", "misses", "resolutions_reused", "claims_reused", "figures_reused")


def _analyse_chunk(chunk: list[ArticleText]) -> tuple[NlpRows, tuple[int, ...]]:
    # Runs in a forked worker: no polars here (pipeline/parallel.py), so rows go back as dicts
    # and become frames in the parent.
    nlp, cache, batch_size = _WORKER["nlp"], _WORKER["cache"], _WORKER["batch_size"]
    if cache is not None:
        for name in _CACHE_COUNTS:
            setattr(cache, name, 0)
    rows = _analyse(nlp, chunk, cache=cache, batch_size=batch_size, n_process=1, flush=False).to_columns()
    return rows, tuple(getattr(cache, name) if cache else 0 for name in _CACHE_COUNTS)


def _analyse_in_workers(
    nlp: Language, articles: list[ArticleText], *, cache: DocCache | None, batch_size: int, n_process: int
) -> NlpRows:
    """Why not spaCy's n_process alone: its workers run only the model and send every parsed doc
    back to this process, which then deserialises it and runs the rules serially, so one core
    does the rules while the others wait. Here each worker takes a batch of articles through
    both stages and returns only rows; the doc cache is shared through the file system (atomic
    writes). Forked, so workers start with the loaded pipeline at no cost."""
    # About four chunks per worker, so no worker idles while another finishes a long last chunk.
    size = max(1, min(batch_size, math.ceil(len(articles) / (4 * n_process))))
    chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
    _WORKER.update(nlp=nlp, cache=cache, batch_size=batch_size)
    rows = NlpRows()
    try:
        # A worker's memory grows with every text it parses (spaCy's vocabulary and string store
        # only grow); a fresh fork every ~500 articles keeps each at the model's size.
        for part, counts in imap_forked(_analyse_chunk, chunks, n_process,
                                        chunks_per_worker=max(1, ARTICLES_PER_WORKER // size)):
            rows.extend(part)
            if cache is not None:
                for name, n in zip(_CACHE_COUNTS, counts):
                    setattr(cache, name, getattr(cache, name) + n)
    finally:
        _WORKER.clear()
    return rows


def _analyse(
    nlp: Language,
    articles: list[ArticleText],
    *,
    cache: DocCache | None,
    batch_size: int,
    n_process: int,
    flush: bool = True,
) -> NlpRows:
    rows = NlpRows()
    for article, doc in parse_articles(nlp, articles, cache=cache, batch_size=batch_size, n_process=n_process):
        rows.n_docs += 1
        if flush and rows.n_docs % NlpRows.FLUSH_DOCS == 0:
            rows.flush()
        rows.n_tokens += len(doc)
        starts = [start for start, _ in article.sentence_bounds]
        text = article.body_text

        def sentence_of(char: int) -> int | None:
            i = bisect.bisect_right(starts, char) - 1
            return i if i >= 0 else None

        def clamp(row: dict) -> dict:
            # Evidence is quoted from its sentence: spaCy spans can carry the paragraph break that
            # trails a sentence, so cut to the clean sentence and drop edge whitespace.
            sid = sentence_of(row["start_char"])
            start, end = row["start_char"], row["end_char"]
            if sid is not None:
                s_start, s_end = article.sentence_bounds[sid]
                start, end = max(start, s_start), min(end, s_end)
            while end > start and text[end - 1].isspace():
                end -= 1
            while start < end and text[start].isspace():
                start += 1
            row["start_char"], row["end_char"], row["sentence_id"] = start, end, sid
            if "text" in row:  # mentions quote their own span
                row["text"] = text[start:end]
            return row

        # A span's extension values, read where spaCy keeps them (the key `Span._` builds; every
        # mention extension defaults to None): an Underscore object and three attribute lookups
        # per mention cost more than the rest of its row.
        values = doc.user_data.get
        for ent in doc.ents:
            label = ent.label_
            if label not in KEPT_LABELS:
                continue
            start, end = ent.start_char, ent.end_char
            rows.pending["mentions"].append(clamp(
                {
                    "article_id": article.article_id,
                    "sentence_id": sentence_of(start),
                    "start_char": start,
                    "end_char": end,
                    "text": None,  # quoted from the article by clamp
                    "label": label,
                    "entity_id": values(("._.", "entity_id", start, end)),
                    "resolution": values(("._.", "resolution", start, end)),
                    "resolution_score": values(("._.", "resolution_score", start, end)),
                }
            ))
        seen: dict[str, int] = {}
        for claim in doc._.claims or []:
            row = claim.row()
            base = _digest(article.article_id, row["start_char"], row["end_char"], row["event"], row["place_id"], row["side"])
            seen[base] = seen.get(base, 0) + 1
            row["claim_id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
            row["article_id"] = article.article_id
            rows.pending["claims"].append(clamp(row))
        seen = {}
        for figure in doc._.figures or []:
            row = figure.row()
            base = _digest(article.article_id, row["start_char"], row["end_char"], row["metric"], row["value_best"])
            seen[base] = seen.get(base, 0) + 1
            row["figure_id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
            row["article_id"] = article.article_id
            rows.pending["figures"].append(clamp(row))
    return rows.flush() if flush else rows


@dataclass
class CorpusResult:
    raw: pl.DataFrame
    rejected: pl.DataFrame
    articles: pl.DataFrame
    sentences: pl.DataFrame
    mentions: pl.DataFrame
    claims: pl.DataFrame
    figures: pl.DataFrame


def analyse_corpus(
    seeds_dir: Path,
    model_name: str | None = None,
    *,
    nlp: Language | None = None,
    cache_dir: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
) -> CorpusResult:
    """raw → clean → nlp over a folder, without Dagster or DuckDB."""
    from pipeline.nlp.pipeline import build_nlp
    from pipeline.text.corpus import clean_rows, raw_rows, rejected_rows
    from pipeline.text.reading import read_corpus

    records, rejections = read_corpus(Path(seeds_dir))
    raw = raw_rows(records)
    articles, sentences = clean_rows(raw, n_process=n_process)
    nlp = nlp or build_nlp(model_name)
    cache = DocCache(Path(cache_dir)) if cache_dir else None
    rows = analyse_documents(
        nlp, article_texts(articles, sentences), cache=cache, batch_size=batch_size, n_process=n_process
    )
    return CorpusResult(
        raw=conform("raw.articles", raw),
        rejected=conform("raw.rejected_files", rejected_rows(rejections)),
        articles=conform("clean.articles", articles),
        sentences=conform("clean.sentences", sentences),
        mentions=conform("nlp.entity_mentions", rows.mentions),
        claims=conform("nlp.claims", rows.claims),
        figures=conform("nlp.figures", rows.figures),
    )
