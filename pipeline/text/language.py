"""Language identification of article bodies (py3langid, an offline n-gram classifier)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Short texts are where n-gram identifiers wobble; below this many letters a mostly-Latin text is
# taken as English rather than trusting a low-confidence guess such as "la" or "fr".
_MIN_LETTERS_FOR_MODEL = 40
_SAMPLE_CHARS = 4000


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1 code, or "und" when there is no text
    confidence: float  # 0..1 (py3langid's normalised probability)
    latin_ratio: float  # share of letters in Latin script

    @property
    def is_english(self) -> bool:
        return self.language == "en"


@lru_cache(maxsize=1)
def identifier():
    """The py3langid classifier, loaded once per process (0.8 s: it unpacks its model file)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _latin_ratio(text: str) -> tuple[float, int]:
    letters = latin = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if ord(ch) < 0x250 or unicodedata.name(ch, "").startswith("LATIN"):
                latin += 1
    return (latin / letters if letters else 0.0), letters


def detect_language(text: str) -> LanguageGuess:
    sample = text[:_SAMPLE_CHARS]
    ratio, letters = _latin_ratio(sample)
    if letters == 0:
        return LanguageGuess("und", 0.0, 0.0)
    if letters < _MIN_LETTERS_FOR_MODEL and ratio > 0.9:
        return LanguageGuess("en", 0.5, ratio)
    lang, prob = identifier().classify(sample)
    return LanguageGuess(str(lang), float(prob), ratio)
