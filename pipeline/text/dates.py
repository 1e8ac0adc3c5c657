"""Absolute calendar dates in metadata values and in article text.

Only explicit dates live here (a metadata string, "December 5, 2024" in a sentence, the "Dec 5" of a
dateline). Relative expressions ("on Thursday", "last week") are resolved in `temporal.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as dateutil_parser

MONTHS = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY_RE = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+"
_DAY_RE = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

# Full dates only (day, month and year): a month name or ISO form, never a bare "05/12/2024" whose
# day/month order is ambiguous across outlets.
_TEXT_DATE_PATTERNS = [
    re.compile(
        rf"\b(?:{_WEEKDAY_RE})?(?P<month>{MONTH_RE})\s+{_DAY_RE},?\s+(?P<year>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?:{_WEEKDAY_RE})?{_DAY_RE}(?:\s+of)?\s+(?P<month>{MONTH_RE}),?\s+(?P<year>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
]

# A day and month without year, as in datelines ("BEIRUT, Dec 5 (AFP) -").
DAY_MONTH_RE = re.compile(
    rf"(?:(?P<month>{MONTH_RE})\s+{_DAY_RE}|{_DAY_RE.replace('day', 'day2')}\s+(?P<month2>{MONTH_RE}))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMention:
    start_char: int
    end_char: int
    text: str
    date: dt.date


def month_number(name: str) -> int | None:
    return MONTHS.get(name.lower().rstrip("."))


def _build(year: int, month: int | str, day: int | str) -> dt.date | None:
    m = month if isinstance(month, int) else (int(month) if month.isdigit() else month_number(month))
    if m is None:
        return None
    try:
        return dt.date(int(year), m, int(day))
    except ValueError:
        return None


def find_text_dates(text: str) -> list[DateMention]:
    """Every explicit full date (day, month, year) in `text`, in text order, without overlaps."""
    found: list[DateMention] = []
    for pattern in _TEXT_DATE_PATTERNS:
        for m in pattern.finditer(text):
            d = _build(int(m["year"]), m["month"], m["day"])
            if d is None:
                continue
            if any(m.start() < f.end_char and f.start_char < m.end() for f in found):
                continue
            found.append(DateMention(m.start(), m.end(), m.group(0), d))
    return sorted(found, key=lambda f: f.start_char)


def resolve_day_month(
    month: str, day: str | int, reference: dt.date | None, max_future_days: int = 7
) -> dt.date | None:
    """The date of a year-less "Dec 5": the latest such date not after `reference` (+ slack).

    News reports events of the last days, so a "Dec 5" in an article published 2025-01-02 is
    2024-12-05. Without a reference date the year is unknown and None is returned.
    """
    if reference is None:
        return None
    for year in (reference.year + 1, reference.year, reference.year - 1):
        d = _build(year, month, day)
        if d is not None and d <= reference + dt.timedelta(days=max_future_days):
            return d
    return None


_EPOCH_RE = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_SENTINEL_A = dt.datetime(1901, 1, 1)
_SENTINEL_B = dt.datetime(1902, 2, 2)


def parse_meta_date(value: object) -> tuple[dt.date | None, str | None]:
    """Parse a metadata date value into (date, None) or (None, error message).

    Accepts ISO dates and datetimes ("2024-12-05", "2024-12-05T10:38:32Z"), dates with month names
    ("Dec 5, 2024", "5 December 2024", "Thu, 05 Dec 2024 10:38:32 GMT"), and Unix timestamps. A
    datetime keeps the calendar day it was written in (no timezone shift). Anything else, or an
    impossible date such as "2024-13-45", gives an error message instead of a guess.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"unparseable_date: {value!r} is not a date"
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None, f"unparseable_date: {type(value).__name__} value {value!r} is not a date"
    s = value.strip()
    if not s:
        return None, None
    if _EPOCH_RE.match(s):
        return _from_epoch(float(s))
    try:
        return dt.datetime.fromisoformat(s).date(), None
    except ValueError as exc:
        iso_error = str(exc)
    if re.match(r"^\d{4}-\d{1,2}-\d{1,2}\b", s):
        # Looks ISO but is impossible: report the calendar problem instead of letting a fuzzier
        # parser reinterpret the digits.
        m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", s)
        assert m is not None
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), None
        except ValueError as exc:
            return None, f"unparseable_date: {s!r} ({exc})"
    try:
        a = dateutil_parser.parse(s, default=_SENTINEL_A)
        b = dateutil_parser.parse(s, default=_SENTINEL_B)
    except (ValueError, OverflowError) as exc:
        return None, f"unparseable_date: {s!r} ({exc or iso_error})"
    if a.date() != b.date():
        return None, f"unparseable_date: {s!r} (incomplete: needs year, month and day)"
    return a.date(), None


def _from_epoch(seconds: float) -> tuple[dt.date | None, str | None]:
    if seconds > 1e11:  # milliseconds, as JavaScript scrapers write them
        seconds /= 1000.0
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date(), None
    except (OverflowError, OSError, ValueError) as exc:
        return None, f"unparseable_date: timestamp {seconds!r} ({exc})"
