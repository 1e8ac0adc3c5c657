"""Language identification of article bodies (py3langid, an offline n-gram classifier)."""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass

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


_LOADED: list = []
_LOADING = threading.Lock()


def _new_lock_in_child() -> None:
    # A child forked while another thread loads would inherit the lock held and never see it
    # released (the loading thread is not copied); with a fresh lock it loads for itself if it
    # ever classifies.
    global _LOADING
    _LOADING = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


def identifier():
    """The py3langid classifier, loaded once per process (0.5 s: it unpacks its model file)."""
    with _LOADING:
        if not _LOADED:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _LOADED.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return _LOADED[0]


def load_identifier_in_background() -> None:
    """Start loading the classifier in a thread, for a caller with other work to do before it
    classifies: most of the load is lzma unpacking, which runs outside the GIL. Call
    `identifier()` before forking workers that classify, so they inherit the loaded model."""
    if not _LOADED:
        threading.Thread(target=identifier, name="py3langid-load", daemon=True).start()


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
