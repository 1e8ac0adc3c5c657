"""Column contracts of the tables the Python layers write (raw, clean, nlp, ref).

One place for names, types and descriptions: assets coerce their frames to these schemas (so an
empty batch still writes a well-typed table) and show them in the Dagster UI. Warehouse marts are
SQL and documented in warehouse/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    description: str


def _c(name: str, dtype, description: str) -> Column:
    return Column(name, dtype, description)


S, I, F, D, B = pl.Utf8, pl.Int64, pl.Float64, pl.Date, pl.Boolean
TS = pl.Datetime("us", "UTC")

TABLES: dict[str, list[Column]] = {
    "raw.articles": [
        _c("article_id", S, "Stable id: path without extension (.txt) or path#line (.jsonl)."),
        _c("source_path", S, "File path relative to the seeds folder."),
        _c("record_format", S, "txt or jsonl."),
        _c("content_sha256", S, "SHA-256 of the decoded, NFC-normalised text; the incremental key."),
        _c("raw_text", S, "Decoded text as received."),
        _c("encoding", S, "Detected encoding of the file."),
        _c("meta_published", S, "Publication date as written in the metadata."),
        _c("meta_published_date", D, "meta_published parsed to a date (null when unparseable)."),
        _c("meta_date_error", S, "Why meta_published could not be parsed."),
        _c("meta_publisher", S, "Publisher from the sidecar or JSONL record."),
        _c("meta_url", S, "URL from the sidecar or JSONL record."),
        _c("meta_title", S, "Title from the sidecar or JSONL record."),
        _c("status", S, "active, or removed when the file is gone (kept, never deleted)."),
        _c("ingested_at", TS, "When this content was first ingested."),
    ],
    "raw.rejected_files": [
        _c("source_path", S, "File path relative to the seeds folder."),
        _c("reason", S, "Stable code and a specific message, e.g. 'empty_file: 0 bytes'."),
        _c("detected_at", TS, "When the problem was first seen."),
    ],
    "clean.articles": [
        _c("article_id", S, "Article id (raw.articles)."),
        _c("title", S, "Headline: metadata title, else the first line when it reads as a title."),
        _c("publisher", S, "Metadata publisher, else the dateline's, else known boilerplate."),
        _c("published_date", D, "Publication date."),
        _c("published_date_source", S, "metadata, text or unknown."),
        _c("dateline", S, "Dateline as written, e.g. 'HAMA, Syria (North Press) –'."),
        _c("dateline_place", S, "Place named by the dateline."),
        _c("body_text", S, "Cleaned text; every character offset downstream refers to it."),
        _c("n_words", I, "Words in body_text."),
        _c("duplicate_of", S, "Article this one copies (exact or near duplicate), else null."),
        _c("language", S, "Detected language (ISO 639-1)."),
        _c("is_english", B, "False: kept but not parsed as English."),
        _c("url", S, "Source URL."),
        _c("content_sha256", S, "Content hash of the raw record."),
        _c("boilerplate", S, "JSON list of removed boilerplate segments with the rule that removed each."),
        _c("clean_key", S, "Fingerprint of content, metadata and cleaning code; unchanged means not re-cleaned."),
        _c("minhash", pl.Binary, "MinHash signature of the text's word 5-shingles (128 x uint32), kept so that a "
           "new article is checked for near-duplicates without re-reading every original."),
    ],
    "clean.sentences": [
        _c("article_id", S, "Article id."),
        _c("sentence_id", I, "0-based index of the sentence in the article."),
        _c("paragraph_id", I, "0-based index of the paragraph (line block)."),
        _c("kind", S, "headline, heading or body."),
        _c("start_char", I, "Start offset in clean.articles.body_text."),
        _c("end_char", I, "End offset (exclusive) in clean.articles.body_text."),
        _c("text", S, "body_text[start_char:end_char]."),
    ],
    "nlp.entity_mentions": [
        _c("article_id", S, "Article id."),
        _c("sentence_id", I, "Sentence holding the mention."),
        _c("start_char", I, "Start offset in body_text."),
        _c("end_char", I, "End offset in body_text."),
        _c("text", S, "Surface text."),
        _c("label", S, "PLACE, ACTOR, PERSON, ORG, DATE, QUANTITY, ..."),
        _c("entity_id", S, "place_id for PLACE, actor_id for ACTOR, else null."),
        _c("resolution", S, "exact, alias, fuzzy or unresolved (PLACE/ACTOR only)."),
        _c("resolution_score", F, "Score of the resolution decision (fuzzy/context), when any."),
    ],
    "nlp.claims": [
        _c("claim_id", S, "Deterministic id from article, offsets, event, place and side."),
        _c("article_id", S, "Article id."),
        _c("sentence_id", I, "Sentence holding the evidence."),
        _c("start_char", I, "Evidence start offset in body_text."),
        _c("end_char", I, "Evidence end offset in body_text."),
        _c("event", S, "captured, withdrew, recaptured, entered, advanced_to, besieged, contested, attempted, airstrike."),
        _c("actor_id", S, "Actor registry id of who acted."),
        _c("actor_text", S, "Actor as written."),
        _c("side", S, "Camp of the actor (opposition, government, ...)."),
        _c("place_id", S, "Gazetteer place_id or unresolved:<name>."),
        _c("place_text", S, "Place as written."),
        _c("event_date", D, "Date of the event, resolved against the publication date."),
        _c("date_text", S, "Date expression as written."),
        _c("date_precision", S, "day, week, month or unknown."),
        _c("attribution_text", S, "Who says so, as written."),
        _c("certainty", S, "asserted, attributed, claimed, unverified, denied, negated, hypothetical."),
        _c("extractor", S, "Rule that produced the claim."),
        _c("is_historical", B, "About a past period (e.g. 1982), not the current events."),
    ],
    "nlp.figures": [
        _c("figure_id", S, "Deterministic id from article, offsets and metric."),
        _c("article_id", S, "Article id."),
        _c("sentence_id", I, "Sentence holding the figure."),
        _c("start_char", I, "Figure start offset in body_text."),
        _c("end_char", I, "Figure end offset in body_text."),
        _c("metric", S, "killed, injured, displaced, distance_km, places_captured, fighters, airstrikes, detained, other."),
        _c("value_low", F, "Lowest value the wording allows."),
        _c("value_best", F, "Best estimate."),
        _c("value_high", F, "Highest value the wording allows."),
        _c("qualifier", S, "exact, at_least, over, approximately, up_to, range, vague."),
        _c("unit", S, "Unit after conversion (km for distances)."),
        _c("subject_text", S, "Who or what is counted, as written."),
        _c("side", S, "Camp of the counted group, when stated."),
        _c("place_id", S, "Place the figure is about or measured to."),
        _c("event_date", D, "Date of the counted events, when stated."),
        _c("attribution_text", S, "Who says so."),
        _c("certainty", S, "Certainty, as for claims."),
        _c("is_historical", B, "About a past period, not the current events."),
    ],
    "nlp.article_state": [
        _c("article_id", S, "Article id."),
        _c("analysis_key", S, "Fingerprint of body text, sentences, metadata, model and rules; unchanged means not re-analysed."),
        _c("n_mentions", I, "Rows in nlp.entity_mentions."),
        _c("n_claims", I, "Rows in nlp.claims."),
        _c("n_figures", I, "Rows in nlp.figures."),
    ],
    "ref.baseline_control": [
        _c("place_id", S, "Resolved place."),
        _c("place_text", S, "Place as written in the baseline file."),
        _c("side", S, "Side holding the place before the corpus starts."),
        _c("as_of", D, "Date the baseline state holds from."),
        _c("source", S, "Where the baseline comes from."),
    ],
}


def schema(table: str) -> dict[str, pl.DataType]:
    return {c.name: c.dtype for c in TABLES[table]}


def conform(table: str, rows: list[dict] | pl.DataFrame) -> pl.DataFrame:
    """Frame with exactly the table's columns, in order and typed; missing columns are null."""
    cols = TABLES[table]
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, infer_schema_length=None)
    exprs = []
    for c in cols:
        if c.name in frame.columns:
            exprs.append(pl.col(c.name).cast(c.dtype, strict=False))
        else:
            exprs.append(pl.lit(None, dtype=c.dtype).alias(c.name))
    if frame.height == 0 and not frame.columns:
        return pl.DataFrame(schema=schema(table))
    return frame.select(exprs)
