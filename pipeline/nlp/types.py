"""Records the rule components emit; their fields are the `nlp.claims` / `nlp.figures` columns.

`claim_id`/`figure_id`, `article_id` and `sentence_id` are filled by the asset that writes the
table (ids are content-derived there), so the extractors stay pure functions of a Doc.
Character offsets are offsets into the Doc text, which is `clean.articles.body_text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import cache


@cache
def _columns(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name != "extra")


def _row(record) -> dict:
    # the table columns: every field but `extra` (rule internals), which `asdict` would
    # deep-copy only to drop it
    return {name: getattr(record, name) for name in _columns(type(record))}


@cache
def _date_columns(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if "dt.date" in str(f.type))


def _from_row(cls, row: dict):
    """The record back from its row as stored in JSON (dates as ISO strings); `extra` stays empty."""
    values = dict(row)
    for name in _date_columns(cls):
        if values.get(name) is not None:
            values[name] = dt.date.fromisoformat(values[name])
    return cls(**values)


@dataclass
class Claim:
    start_char: int  # the evidence span (usually the sentence or the clause)
    end_char: int
    event: str  # vocabulary: captured, withdrew, recaptured, entered, advanced_to, besieged, contested, attempted, airstrike
    place_text: str
    place_id: str | None  # gazetteer place_id or "unresolved:<name>"
    actor_text: str | None = None
    actor_id: str | None = None
    side: str = "unknown"  # vocabulary: opposition, government, sdf, isis, israel, turkey, russia, usa, other, unknown
    event_date: dt.date | None = None
    date_text: str | None = None
    date_precision: str = "unknown"  # day, week, month, unknown
    attribution_text: str | None = None
    certainty: str = "asserted"  # asserted, attributed, claimed, unverified, denied, negated, hypothetical
    extractor: str = "rules"  # which rule produced it (e.g. "verb_active", "nominal")
    is_historical: bool = False
    extra: dict = field(default_factory=dict)  # rule diagnostics; not written to the warehouse

    def row(self) -> dict:
        return _row(self)

    @classmethod
    def from_row(cls, row: dict) -> Claim:
        return _from_row(cls, row)


@dataclass
class Figure:
    start_char: int
    end_char: int
    metric: str  # killed, injured, displaced, distance_km, places_captured, fighters, airstrikes, detained, other
    value_low: float | None
    value_best: float | None
    value_high: float | None
    qualifier: str  # exact, at_least, over, approximately, up_to, range, vague
    unit: str | None = None  # "people", "km", "places", "strikes", ...
    subject_text: str | None = None
    side: str = "unknown"
    place_id: str | None = None
    event_date: dt.date | None = None
    attribution_text: str | None = None
    certainty: str = "asserted"
    is_historical: bool = False
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        return _row(self)

    @classmethod
    def from_row(cls, row: dict) -> Figure:
        return _from_row(cls, row)
