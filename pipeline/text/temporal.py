"""Resolve the date expressions of war reporting against an article's publication date.

News text dates events relative to the day it is published ("on Thursday", "yesterday",
"earlier this week") and states explicit dates without a year ("on Dec. 5"). The conventions
(docs/claims.md, "Dates") in short:

- a weekday ("Thursday", "early Thursday", "Thursday morning", "late Wednesday") is the most
  recent such day on or before the publication date: reporting is about the past;
- "last Thursday" / "since last Thursday" is the most recent such day strictly before the
  publication date (how news writers use it), never the same day;
- "yesterday" = publication − 1; "today", "this morning", "tonight", "overnight" (the night that
  ends on the publication day), a bare "now" = publication date; "a week ago" = publication − 7,
  precision `week`;
- a month-and-day without a year takes the publication year, or the previous year if that would
  put it more than 90 days after publication (a December article citing "Jan. 3");
- week-level vagueness ("earlier this week", "this week", "in recent days", "last week") gets
  precision `week` and the last day of the window as `event_date` (the day by which the event had
  happened, which is what control tracking needs): "earlier this week" = publication − 1;
- a month ("in November", "last month") gets precision `month` and the first day of that month;
- a bare year ("in 2015") gets no event_date (precision `unknown`) but its year is kept so
  callers can flag the statement as historical;
- without a publication date, only expressions with an explicit year resolve.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}

_WD = r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MON = (r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|"
        r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

# Order matters: the most specific pattern wins.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b" + _YEAR + r"-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")),
    ("mon_day", re.compile(r"\b" + _MON + r"\s+" + _DAY + r"(?:\s*,?\s*" + _YEAR + r")?\b", re.I)),
    ("day_mon", re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MON + r"(?:\s*,?\s*" + _YEAR + r")?\b",
                           re.I)),
    ("yesterday", re.compile(r"\b(?:the\s+day\s+before\s+yesterday|yesterday|last\s+night)\b",
                             re.I)),
    ("week_ago", re.compile(r"\b(?:a|one)\s+week\s+ago\b", re.I)),
    ("today", re.compile(r"\b(?:today|tonight|overnight|this\s+(?:morning|afternoon|evening)|earlier\s+today"
                         r"|on\s+the\s+same\s+day)\b|^\s*now\s*$", re.I)),
    ("last_wd", re.compile(r"\blast\s+" + _WD + r"\b", re.I)),
    ("wd", re.compile(r"\b" + _WD + r"\b", re.I)),
    ("month_year", re.compile(r"\b" + _MON + r"\s+(?:of\s+)?" + _YEAR + r"\b", re.I)),
    ("last_week", re.compile(r"\b(?:last|past|previous)\s+week\b", re.I)),
    ("this_week", re.compile(r"\b(?:(?:earlier|later)\s+)?this\s+week\b|\b(?:recent|past|last|"
                             r"previous|few)\s+(?:few\s+|several\s+|two\s+|three\s+)?days\b|"
                             r"\bdays\s+ago\b|\bthis\s+weekend\b", re.I)),
    ("last_month", re.compile(r"\b(?:last|past|previous)\s+month\b", re.I)),
    ("this_month", re.compile(r"\b(?:(?:earlier|later)\s+)?this\s+month\b", re.I)),
    ("month", re.compile(r"\b(?:in|since|during|early|late|mid-?)\s*(?:-\s*)?" + _MON + r"(?!\s*\d)",
                         re.I)),
    ("year", re.compile(r"\b" + _YEAR + r"s?\b")),
]


@dataclass(frozen=True)
class DateRef:
    """A resolved date expression; `year` is set whenever the text fixes a year."""

    date: dt.date | None
    precision: str  # day, week, month, unknown
    text: str
    year: int | None = None
    kind: str = ""


def _infer_year(month: int, day: int, published: dt.date) -> dt.date | None:
    try:
        cand = dt.date(published.year, month, day)
    except ValueError:
        return None
    if cand > published + dt.timedelta(days=90):
        try:
            cand = dt.date(published.year - 1, month, day)
        except ValueError:
            return None
    return cand


def _weekday_on_or_before(published: dt.date, wd: int, strictly: bool = False) -> dt.date:
    delta = (published.weekday() - wd) % 7
    if strictly and delta == 0:
        delta = 7
    return published - dt.timedelta(days=delta)


def parse_date_expression(text: str, published: dt.date | None) -> DateRef | None:
    """The first (most specific) date expression in `text`, resolved; None if there is none."""
    for kind, pat in _PATTERNS:
        m = pat.search(text)
        if not m:
            continue
        matched = m.group(0).strip()
        g = m.groupdict()
        year = int(g["year"]) if g.get("year") else None
        if kind == "iso":
            try:
                d = dt.date(int(g["year"]), int(g["m"]), int(g["d"]))
            except ValueError:
                continue
            return DateRef(d, "day", matched, d.year, kind)
        if kind in ("mon_day", "day_mon"):
            month = MONTHS[g["mon"].lower()]
            day = int(g["day"])
            if year:
                try:
                    d = dt.date(year, month, day)
                except ValueError:
                    continue
                return DateRef(d, "day", matched, year, kind)
            if published is None:
                return DateRef(None, "unknown", matched, None, kind)
            d = _infer_year(month, day, published)
            if d is None:
                continue
            return DateRef(d, "day", matched, d.year, kind)
        if kind == "month_year":
            d = dt.date(year, MONTHS[g["mon"].lower()], 1)
            return DateRef(d, "month", matched, year, kind)
        if kind == "year":
            return DateRef(None, "unknown", matched, year, kind)
        if published is None:
            return DateRef(None, "unknown", matched, None, kind)
        if kind == "yesterday":
            days = 2 if "before" in matched.lower() else 1
            return DateRef(published - dt.timedelta(days=days), "day", matched, None, kind)
        if kind == "today":
            # "overnight" is the night ending on the publication day (docs/accuracy.md)
            return DateRef(published, "day", matched, None, kind)
        if kind == "week_ago":
            return DateRef(published - dt.timedelta(days=7), "week", matched, None, kind)
        if kind == "last_wd":
            d = _weekday_on_or_before(published, WEEKDAYS[g["wd"].lower()], strictly=True)
            return DateRef(d, "day", matched, None, kind)
        if kind == "wd":
            d = _weekday_on_or_before(published, WEEKDAYS[g["wd"].lower()])
            return DateRef(d, "day", matched, None, kind)
        if kind == "this_week":
            # "earlier this week" excludes the day of publication; other windows include it
            d = published - dt.timedelta(days=1) if matched.lower().startswith("earlier") else published
            return DateRef(d, "week", matched, None, kind)
        if kind == "last_week":
            # the Sunday that ends the previous Monday-to-Sunday week
            d = published - dt.timedelta(days=published.weekday() + 1)
            return DateRef(d, "week", matched, None, kind)
        if kind == "this_month":
            return DateRef(published.replace(day=1), "month", matched, None, kind)
        if kind == "last_month":
            first = published.replace(day=1)
            prev = (first - dt.timedelta(days=1)).replace(day=1)
            return DateRef(prev, "month", matched, None, kind)
        if kind == "month":
            month = MONTHS[g["mon"].lower()]
            y = published.year if month <= published.month else published.year - 1
            return DateRef(dt.date(y, month, 1), "month", matched, None, kind)
    return None


def resolve_date(text: str, published: dt.date | None) -> tuple[dt.date | None, str, str | None]:
    """(event_date, precision, matched_text) for the first date expression in `text`.

    Nothing recognisable gives (None, "unknown", None).
    """
    ref = parse_date_expression(text, published)
    if ref is None:
        return None, "unknown", None
    return ref.date, ref.precision, ref.text


def is_historical(ref: DateRef | None, published: dt.date | None, *, max_age_days: int = 365) -> bool:
    """True when the expression dates a statement long before publication (the 1982 crackdown)."""
    if ref is None:
        return False
    anchor = published or dt.date.today()
    if ref.date is not None:
        return (anchor - ref.date).days > max_age_days
    if ref.year is not None:
        return ref.year < anchor.year - (max_age_days // 365)
    return False


# --- doc-level: which date expression governs a claim -------------------------------------

_SINCE_LEMMAS = {"since"}
_YEAR_TOKEN = re.compile(r"(?:19|20)\d\ds?")


# What a token `_date_spans` adds must contain (lowercased, as `Token.lower_` is): a sentence
# without any of these has none. Substring tests: one case-insensitive regex alternation took
# five times as long.
_LOOSE_DATE_WORDS = ("monday", "tues", "wednesday", "thur", "friday", "saturday", "sunday", "yesterday", "today",
                     "tonight", "overnight", "now")


def _may_hold_loose_date(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _LOOSE_DATE_WORDS) or _YEAR_TOKEN.search(text) is not None


def _date_ents(ents) -> list:
    return [e for e in ents if e.label_ in ("DATE", "TIME")]


def _date_spans(sent, ents: list | None = None, text: str | None = None):
    """DATE entities of a sentence, plus weekday/relative tokens the NER missed. `ents`: the
    doc's DATE/TIME entities (`_date_ents`) and `text`: the sentence's text, when the caller has
    them (`DocDates`)."""
    doc = sent.doc
    ents = _date_ents(doc.ents) if ents is None else ents
    spans = [e for e in ents if sent.start <= e.start < sent.end and e.end <= sent.end]
    if not _may_hold_loose_date(sent.text if text is None else text):
        return spans
    covered = {i for e in spans for i in range(e.start, e.end)}
    for t in sent:
        if t.i in covered:
            continue
        low = t.lower_
        if low in WEEKDAYS and len(low) > 3 or low in ("yesterday", "today", "tonight", "overnight") or (
                low == "now" and t.dep_ == "advmod" and (t.head.lemma_ == "be" or t.head.pos_ in (
                    "NOUN", "PROPN"))):
            # "is now within 10 km of", "the rebels now 10 km away": a state as of today; "HTS
            # now holds X" dates the holding, not the events that led to it

            spans.append(doc[t.i : t.i + 1])
        elif _YEAR_TOKEN.fullmatch(t.text) and t.pos_ in ("NUM", "ADJ", "PROPN", "NOUN"):
            # "in the 1967 war", "the 2016 offensive": a year the NER left untagged
            spans.append(doc[t.i : t.i + 1])
    return spans


def _clause_head(tok):
    """The nearest verbal (or sentence-root) ancestor-or-self of a token."""
    t = tok
    while t.head.i != t.i:
        if t.pos_ in ("VERB", "AUX") and t.dep_ not in ("amod",):
            return t
        t = t.head
    return t


def _ancestors_and_self(tok):
    yield tok
    yield from tok.ancestors


def _in_since_phrase(span) -> bool:
    """True for a date inside "since …" ("since 2011", "since the war began in 2011"): it
    measures a duration up to now, it does not date the statement."""
    for a in _ancestors_and_self(span.root):
        if a.lower_ in _SINCE_LEMMAS or any(c.lower_ in _SINCE_LEMMAS and c.dep_ in ("mark", "prep")
                                            for c in a.children):
            return True
        if a.pos_ in ("VERB", "AUX") and a.dep_ not in ("pcomp", "advcl"):
            break
    return False


class DocDates:
    """The date expressions of one doc's sentences, found once per sentence.

    Dating a claim scans its sentence's dates several times (the governing date, the sentence's
    first date, the historical test, which needs the governing date again); an extractor that
    works through a whole doc keeps one of these. Valid while the doc's annotations do not
    change (stage-B rules after entity resolution only read them)."""

    def __init__(self, published: dt.date | None, *, text_of: Callable[[Any], str] | None = None,
                 ents: Sequence | None = None):
        """`text_of` (a sentence's text) and `ents` (the doc's entities), when the caller has
        them at hand: `Span.text` joins the sentence's tokens and `Doc.ents` builds a span per
        entity on every call."""
        self.published = published
        self._text_of = text_of
        self._ents: list | None = None if ents is None else _date_ents(ents)
        self._spans: dict[tuple[int, int], list] = {}
        self._governing: dict[tuple[int, int, int], DateRef | None] = {}

    def spans(self, sent) -> list:
        key = (sent.start, sent.end)
        found = self._spans.get(key)
        if found is None:
            if self._ents is None:
                self._ents = _date_ents(sent.doc.ents)
            text = self._text_of(sent) if self._text_of is not None else None
            found = self._spans[key] = _date_spans(sent, self._ents, text)
        return found

    def governing(self, trigger, sent=None) -> DateRef | None:
        """The date expression that governs `trigger` (a Token): a DATE in the trigger's own
        clause, else one in a clause above it (the reporting verb's "on Thursday"), else None.
        DATEs inside another clause ("since the war began in 2011") do not govern."""
        sent = sent if sent is not None else trigger.sent
        key = (trigger.i, sent.start, sent.end)
        if key in self._governing:
            return self._governing[key]
        clause = _clause_head(trigger)
        chain = [clause, *clause.ancestors]
        best: tuple[int, DateRef] | None = None
        for span in self.spans(sent):
            head = _clause_head(span.root)
            if head in chain:
                rank = chain.index(head)
            elif trigger.pos_ in ("NOUN", "PROPN") and span.root.head == trigger:
                rank = 0
            else:
                continue
            if _in_since_phrase(span) and rank > 0:
                continue
            ref = parse_date_expression(span.text, self.published)
            if ref is None:
                continue
            if best is None or rank < best[0]:
                best = (rank, ref)
        found = self._governing[key] = best[1] if best else None
        return found

    def of_sentence(self, sent) -> DateRef | None:
        """The first current (non-historical, not "since …") date expression of a sentence: an
        event tied to a dated one in the same sentence takes its date ("captured Hama following
        the withdrawal … on Thursday")."""
        for span in sorted(self.spans(sent), key=lambda s: s.start):
            if _in_since_phrase(span):
                continue
            ref = parse_date_expression(span.text, self.published)
            if ref is None or ref.date is None or is_historical(ref, self.published):
                continue
            return ref
        return None

    def historical(self, trigger, sent=None) -> bool:
        """True when the trigger's clause is dated long before publication, or, lacking a
        governing date, when the sentence speaks of an old year outside a "since …" phrase."""
        sent = sent if sent is not None else trigger.sent
        ref = self.governing(trigger, sent)
        if ref is not None:
            return is_historical(ref, self.published)
        for span in self.spans(sent):
            ref = parse_date_expression(span.text, self.published)
            if ref is None or not is_historical(ref, self.published):
                continue
            if _in_since_phrase(span):
                continue
            return True
        return False


def governing_date(trigger, published: dt.date | None, *, sent=None) -> DateRef | None:
    """`DocDates.governing` for a single trigger."""
    return DocDates(published).governing(trigger, sent)


def sentence_date(sent, published: dt.date | None) -> DateRef | None:
    """`DocDates.of_sentence` for a single sentence."""
    return DocDates(published).of_sentence(sent)


def historical_context(trigger, published: dt.date | None, *, sent=None) -> bool:
    """`DocDates.historical` for a single trigger."""
    return DocDates(published).historical(trigger, sent)
