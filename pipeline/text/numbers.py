"""Numbers as news reports write them: digits, number words, scales and vague quantities.

Pure functions on strings, so the figure extractor (pipeline/nlp/figures.py) and anything else can
share one reading of "1,200", "2.5 million", "twenty-five", "dozens" or "tens of thousands".
The low/best/high values given to vague words are a documented convention (docs/claims.md), not
a measurement: they let SQL users aggregate reported figures without dropping the vague ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "mn": 1_000_000, "m": 1_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000, "k": 1_000,
}
_ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
             "tenth"}

NUMBER_WORDS = frozenset(set(_UNITS) - {"a", "an"} | set(_TENS) | {"hundred", "thousand",
                                                                   "million", "billion"})


@dataclass(frozen=True)
class Quantity:
    """A reported amount. `vague` quantities carry the convention's low/best/high."""

    low: float
    best: float
    high: float
    vague: bool = False
    text: str = ""


# Vague quantity words → (low, best, high): the shared convention of the gold annotations and the
# extractor (docs/claims.md, docs/accuracy.md). The low bound is the smallest amount the plural
# literally implies ("dozens" = at least two dozen), the high bound is just under the next order
# of magnitude, and the best value is the low bound plus half of it, a deliberately conservative
# point estimate: the true values behind such words are right-skewed, so a midpoint would inflate
# aggregates.
VAGUE_QUANTITIES: dict[str, tuple[float, float, float]] = {
    "a few": (2, 3, 5),
    "few": (2, 3, 5),
    "a couple of": (2, 3, 5),
    "several": (3, 5, 9),
    "a number of": (3, 5, 9),
    "some": (3, 5, 9),
    "a dozen": (12, 12, 12),
    "dozen": (12, 12, 12),
    "dozens": (24, 36, 99),
    "scores": (24, 36, 99),
    "hundreds": (200, 300, 999),
    "thousands": (2_000, 3_000, 9_999),
    "tens of thousands": (20_000, 30_000, 99_999),
    "hundreds of thousands": (200_000, 300_000, 999_999),
    "millions": (2_000_000, 3_000_000, 9_999_999),
}

_VAGUE_RE = re.compile(
    r"^(?:(?:the\s+)?(?P<phrase>tens\s+of\s+thousands|hundreds\s+of\s+thousands|a\s+few|few|"
    r"a\s+couple\s+of|several|a\s+number\s+of|some|a\s+dozen|dozens|dozen|scores|hundreds|"
    r"thousands|millions))"
    r"(?:\s+of)?$",
    re.I,
)

_DIGITS_RE = re.compile(
    r"^(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<scale>hundred|thousand|million|"
    r"billion|mn|bn|m|k)?$",
    re.I,
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2011", "-").replace("\u2010", "-")).strip().lower()


def parse_number(text: str) -> float | None:
    """Value of a number written in digits or words, or None.

    >>> parse_number("1,200"), parse_number("2.5 million"), parse_number("twenty-five")
    (1200.0, 2500000.0, 25.0)
    """
    t = _norm(text)
    if not t:
        return None
    m = _DIGITS_RE.match(t)
    if m:
        value = float(m.group("num").replace(",", ""))
        if m.group("scale"):
            value *= _SCALES[m.group("scale").lower()]
        return value
    # "2.5 million" with odd spacing, "1.2m"
    m = re.match(r"^(\d+(?:\.\d+)?)(m|k|bn|mn)$", t)
    if m:
        return float(m.group(1)) * _SCALES[m.group(2)]
    return _parse_words(t)


def _parse_words(t: str) -> float | None:
    words = [w for w in re.split(r"[\s-]+", t) if w and w != "and"]
    if not words or words[0] in _ORDINALS:
        return None
    total = 0.0
    current = 0.0
    seen_number = False
    for w in words:
        if re.fullmatch(r"\d+(?:\.\d+)?", w.replace(",", "")):
            current += float(w.replace(",", ""))
            seen_number = True
        elif w in _UNITS:
            if w in ("a", "an") and seen_number:
                return None
            current += _UNITS[w]
            seen_number = True
        elif w in _TENS:
            current += _TENS[w]
            seen_number = True
        elif w == "hundred":
            current = (current or 1) * 100
            seen_number = True
        elif w in ("thousand", "million", "billion"):
            total += (current or 1) * _SCALES[w]
            current = 0.0
            seen_number = True
        else:
            return None
    if not seen_number:
        return None
    # a bare "a"/"an" is an article, not the number one
    if words in (["a"], ["an"]):
        return None
    return total + current


def parse_vague(text: str) -> Quantity | None:
    """The convention's low/best/high for a vague quantity phrase ("dozens of", "tens of thousands")."""
    t = _norm(text)
    m = _VAGUE_RE.match(t)
    if not m:
        return None
    key = re.sub(r"\s+", " ", m.group("phrase").lower())
    low, best, high = VAGUE_QUANTITIES[key]
    return Quantity(low, best, high, vague=True, text=text)


def parse_quantity(text: str) -> Quantity | None:
    """An exact or vague quantity from a phrase; exact values have low == best == high."""
    v = parse_vague(text)
    if v is not None:
        return v
    n = parse_number(text)
    if n is None:
        return None
    return Quantity(n, n, n, vague=False, text=text)


_RANGE_RE = re.compile(
    r"^(?:between\s+)?(?P<a>[\d.,]+|[a-z-]+)\s*(?:-|–|—|to|and)\s*(?P<b>[\d.,]+|[a-z-]+)"
    r"(?:\s+(?P<scale>hundred|thousand|million|billion))?$",
    re.I,
)


def parse_range(text: str) -> tuple[float, float] | None:
    """(low, high) for "3-4", "20 to 30", "between 20 and 30", "two to three thousand"."""
    m = _RANGE_RE.match(_norm(text))
    if not m:
        return None
    a, b = parse_number(m.group("a")), parse_number(m.group("b"))
    if a is None or b is None:
        return None
    if m.group("scale"):
        scale = _SCALES[m.group("scale").lower()]
        b *= scale
        if a < b / scale * 1.0001:  # "two to three thousand": the scale applies to both
            a *= scale
    if a > b:
        return None
    return a, b


UNIT_TO_KM = {
    "km": 1.0, "kms": 1.0, "kilometer": 1.0, "kilometers": 1.0, "kilometre": 1.0,
    "kilometres": 1.0, "mile": 1.609344, "miles": 1.609344, "mi": 1.609344, "m": 0.001,
    "meter": 0.001, "meters": 0.001, "metre": 0.001, "metres": 0.001,
}


def to_km(value: float, unit: str) -> float | None:
    """Kilometres for a length in a distance unit, or None if `unit` is not a length."""
    factor = UNIT_TO_KM.get(unit.lower().rstrip("."))
    if factor is None:
        return None
    return round(value * factor, 1) if factor != 1.0 else value
