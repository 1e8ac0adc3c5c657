"""Transliteration-robust keys for Arabic place and actor names written in Latin script.

English news spells the same Arabic name many ways (Suran / Souran / Sawran, Murak / Morek,
Taybat / Tayyibet / Taibet, Deir ez-Zor / Deir al-Zour / Dayr az Zawr). Rather than listing every
spelling, names are reduced to keys in which those differences vanish:

* `light_key`: diacritics, case, apostrophes and punctuation removed (what counts as "exact").
* `normalise_name`: additionally drops the Arabic article in all its assimilated forms
  (al-, el-, as-, ash-, ad-, az-, an-, ...), folds every vowel spelling (a e i o u ou ee ei ey ay
  ie ...) to one vowel class, treats y/w next to a vowel as part of the vowel, collapses doubled
  letters, drops a word-final ta marbuta h (Hamah = Hama, Salamiyeh = Salamiya) and folds a few
  consonant spellings (q/k, ch/sh, dj/j, ph/f). Spaces and hyphens disappear.
* `skeleton_key`: the consonants only (initial vowel kept as a marker); used as a weaker tier for
  vowel-placement differences (Kafr Zita = Kfar Zita = Kafar Zita, Mork = Murak).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Assimilated forms of the Arabic article as they appear as separate (hyphenated) tokens.
ARTICLES = frozenset(
    "al el il ul as es is ash esh ar er ad ed az ez an en at et ath eth adh edh ad dh al-".split()
)
_APOSTROPHES = "'`´ʿʾ’‘ʼ′ʻ\u02bf\u02be"
_APOS_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VOWELS = "aeiou"
# an article glued to the next word with its assimilated sun letter doubled (Ezzor, Assuwayda)
_GLUED_ARTICLE = re.compile(r"^[ae]([tdrzsnl])\1(?=[a-z]{2,})")
_GLUED_ARTICLE_SH = re.compile(r"^[ae](sh)(?=sh[a-z]{2,})")

_CONSONANT_FOLDS = (
    ("dj", "j"),
    ("tch", "sh"),
    ("ch", "sh"),
    ("ph", "f"),
    ("q", "k"),
    ("ck", "k"),
    ("x", "ks"),
)


def _ascii_lower(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _APOS_RE.sub("", text)
    text = anyascii(text)
    # anyascii renders ayn/hamza letters as apostrophes or backticks; drop them again
    text = _APOS_RE.sub("", text)
    return text.lower()


def light_key(text: str) -> str:
    """Case, diacritics, apostrophes and punctuation removed; spaces kept as single spaces."""
    return " ".join(t for t in _NON_ALNUM.split(_ascii_lower(text)) if t)


def _tokens(text: str) -> list[str]:
    toks = [t for t in _NON_ALNUM.split(_ascii_lower(text)) if t]
    out = []
    for i, t in enumerate(toks):
        # an article is only an article when something follows it
        if t in ARTICLES and i < len(toks) - 1:
            continue
        out.append(t)
    return out or toks


def _fold_token(tok: str) -> str:
    if tok.isdigit():
        return tok
    tok = _GLUED_ARTICLE_SH.sub("", tok)
    tok = _GLUED_ARTICLE.sub(r"\1", tok)
    for a, b in _CONSONANT_FOLDS:
        tok = tok.replace(a, b)
    # y / w that touch a vowel are written vowels (ay, ey, aw, ou, iya) except word-initially
    chars = list(tok)
    out: list[str] = []
    for i, c in enumerate(chars):
        if c in "yw" and i > 0:
            prev_v = chars[i - 1] in _VOWELS or (out and out[-1] == "a")
            next_v = i + 1 < len(chars) and chars[i + 1] in _VOWELS
            if prev_v or next_v:
                c = "a"
        elif c in _VOWELS:
            c = "a"
        out.append(c)
    s = "".join(out)
    # word-final ta marbuta: -ah / -eh (after folding: "ah")
    if len(s) > 3 and s.endswith("ah"):
        s = s[:-1]
    s = re.sub(r"(.)\1+", r"\1", s)
    return s


@lru_cache(maxsize=200_000)
def normalise_name(text: str) -> str:
    """Transliteration-robust key: Taybat al-Imam == Tayyibet al-Imam == Tayyibat al Imam."""
    key = "".join(_fold_token(t) for t in _tokens(text))
    return re.sub(r"(.)\1+", r"\1", key)


@lru_cache(maxsize=200_000)
def skeleton_key(text: str) -> str:
    """Consonant skeleton of `normalise_name` per word (a leading vowel kept as one marker)."""
    parts = []
    for t in _tokens(text):
        f = _fold_token(t)
        if not f:
            continue
        head, rest = f[0], f[1:]
        parts.append(head + rest.replace("a", ""))
    return re.sub(r"(.)\1+", r"\1", "".join(parts))


def slugify(text: str) -> str:
    """Readable ASCII slug for ids: 'Al-Ghab Plain' -> 'al_ghab_plain'."""
    return "_".join(t for t in _NON_ALNUM.split(_ascii_lower(text)) if t)


def is_arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in text)


def is_latin_or_arabic(text: str) -> bool:
    """True when every letter is Latin (any diacritics) or Arabic script."""
    for c in text:
        if not c.isalpha():
            continue
        if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f":
            continue
        name = unicodedata.name(c, "")
        if not name.startswith("LATIN"):
            return False
    return True
