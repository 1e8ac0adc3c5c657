"""The entity resolver's token patterns, found by scanning token arrays instead of spaCy's Matcher.

Two pattern sets: descriptive actor phrases built from a camp word and a force noun ("regime
reinforcements", "Iranian-backed fighters", "Syrian and Russian air forces") and capitalised
name runs checked against the gazetteer ("Ma'arrat an-Nu'man", "Tell al-Karama"). Their spaCy
Matcher form is kept below (`DESCRIPTIVE_PATTERNS`, `NAME_PATTERNS`) as the specification:
tests/test_entities.py holds the scans to the Matcher's matches on real text.

Why not the Matcher: it steps every token through every pattern's state machine (13 patterns,
one a regular expression on each token), 2.2 ms per article on the benchmark corpus, a sixth of
all rule time; boolean masks over `Doc.to_array` give the same set of matches in 0.45 ms.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IS_ALPHA, LOWER, ORTH, POS, SENT_START
from spacy.symbols import ADJ, NOUN, PROPN, VERB
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.reference.actors import CAMP_ADJECTIVES, CAMP_WORDS, FORCE_NOUNS
from pipeline.reference.normalise import ARTICLES

_BACKERS = ("turkish", "turkey", "ankara", "iranian", "iran", "russian", "us", "u.s.", "hts",
            "kurdish", "islamist", "jihadist", "american")
_MODIFIERS = CAMP_WORDS | {"air", "military", "special", "elite", "armed", "ground", "naval",
                           "regular", "paramilitary"}
_CAPITAL = re.compile(r"^[A-Z\u00c0-\u024f]")


def _descriptive_patterns() -> list[list[dict]]:
    camp, nouns, mods = sorted(CAMP_WORDS), sorted(FORCE_NOUNS), sorted(_MODIFIERS)
    return [
        [{"LOWER": {"IN": camp}}, {"LOWER": {"IN": nouns}}],
        # "Ukrainian military instructors", "Russian air forces", "Syrian government troops"
        [{"LOWER": {"IN": camp}}, {"LOWER": {"IN": mods}, "OP": "+"}, {"LOWER": {"IN": nouns}}],
        # "Syrian and Russian air forces": one mention of a joint force
        [{"LOWER": {"IN": sorted(CAMP_ADJECTIVES)}}, {"LOWER": {"IN": ["and", "&"]}},
         {"LOWER": {"IN": sorted(CAMP_ADJECTIVES)}},
         {"LOWER": {"IN": mods}, "OP": "*"}, {"LOWER": {"IN": nouns}}],
        [{"LOWER": {"IN": camp}}, {"LOWER": {"IN": ["-", "–"]}}, {"LOWER": {"IN": ["government", "regime", "assad"]}},
         {"LOWER": {"IN": nouns}}],
        [{"LOWER": {"IN": ["pro", "anti"]}}, {"ORTH": "-"}, {"LOWER": {"IN": ["government", "regime", "assad", "turkish", "iranian"]}},
         {"LOWER": {"IN": nouns}}],
        [{"LOWER": {"IN": list(_BACKERS)}}, {"ORTH": "-"}, {"LOWER": {"IN": ["backed", "led", "supported", "aligned"]}},
         {"IS_ALPHA": True, "LOWER": {"NOT_IN": nouns}, "OP": "*"}, {"LOWER": {"IN": nouns}}],
        [{"LOWER": "the"}, {"LOWER": {"IN": ["factions", "rebels", "insurgents", "regime", "army"]}}],
        [{"LOWER": {"IN": ["assad", "assad's"]}}, {"LOWER": {"IN": ["'s", "’s"]}, "OP": "?"}, {"LOWER": {"IN": nouns}}],
    ]


def _name_patterns() -> list[list[dict]]:
    art = sorted(ARTICLES)
    cap = {"TEXT": {"REGEX": _CAPITAL.pattern}}
    return [
        [cap, {"LOWER": {"IN": art}}, {"ORTH": "-", "OP": "?"}, {"IS_ALPHA": False, "OP": "?"}, cap],
        [cap, {"LOWER": {"IN": art}}, {"ORTH": "-", "OP": "?"}, {"IS_ALPHA": True}],
        [cap, cap, {"LOWER": {"IN": art}}, {"ORTH": "-", "OP": "?"}, {"IS_ALPHA": True}],
        [cap, cap],
        [{"POS": "PROPN", **cap}],
    ]


DESCRIPTIVE_PATTERNS = _descriptive_patterns()
NAME_PATTERNS = _name_patterns()


# word classes of the patterns, one bit each
_CLASSES = {
    "camp": CAMP_WORDS, "noun": FORCE_NOUNS, "mod": _MODIFIERS, "camp_adj": CAMP_ADJECTIVES,
    "and": {"and", "&"}, "dash": {"-", "–"}, "gov_regime_assad": {"government", "regime", "assad"},
    "pro_anti": {"pro", "anti"}, "pro_target": {"government", "regime", "assad", "turkish", "iranian"},
    "backer": set(_BACKERS), "backing": {"backed", "led", "supported", "aligned"}, "the": {"the"},
    "the_force": {"factions", "rebels", "insurgents", "regime", "army"},
    "assad": {"assad", "assad's"}, "possessive": {"'s", "’s"}, "article": ARTICLES,
}
_BIT = {name: 1 << k for k, name in enumerate(_CLASSES)}


class _Tokens:
    """One doc's tokens as arrays: word-class bits of the lower-case form, ORTH ids, POS, flags."""

    def __init__(self, doc: Doc, scans: TokenScans):
        arr = doc.to_array([LOWER, ORTH, IS_ALPHA, POS, SENT_START])
        self.n = len(doc)
        lower, keys = arr[:, 0], scans.class_keys
        at = np.minimum(np.searchsorted(keys, lower), len(keys) - 1)
        self.bits = np.where(keys[at] == lower, scans.class_bits[at], 0)
        self.orth = arr[:, 1]
        self.alpha = arr[:, 2].astype(bool)
        self.pos = arr[:, 3]
        self.propn = self.pos == PROPN
        self.hyphen = self.orth == scans.hyphen
        self.sent_start = arr[:, 4] == 1

    def mask(self, name: str) -> np.ndarray:
        return (self.bits & _BIT[name]) != 0


class TokenScans:
    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        classes: dict[int, int] = {}  # LOWER id -> word-class bits
        for name, words in _CLASSES.items():
            for w in words:
                h = vocab.strings.add(w)
                classes[h] = classes.get(h, 0) | _BIT[name]
        # as sorted arrays, looked up for a whole doc at once (np.searchsorted)
        self.class_keys = np.array(sorted(classes), dtype=np.uint64)
        self.class_bits = np.array([classes[h] for h in self.class_keys.tolist()], dtype=np.int64)
        self.hyphen = vocab.strings.add("-")
        self._capital: dict[int, bool] = {}  # ORTH id -> starts with a capital (the vocab only grows)
        self._upper: dict[int, bool] = {}  # ORTH id -> its first character is upper case
        self.name_dashes = [vocab.strings.add(d) for d in ("-", "‐")]

    def _capitals(self, t: _Tokens) -> np.ndarray:
        known, strings = self._capital, self.vocab.strings
        orth = t.orth.tolist()
        for h in orth:
            if h not in known:
                known[h] = bool(_CAPITAL.match(strings[h]))
        return np.fromiter((known[h] for h in orth), dtype=bool, count=t.n)

    def arrays(self, doc: Doc) -> _Tokens:
        """The doc's token arrays, for a caller that runs several scans over one doc."""
        return _Tokens(doc, self)

    def descriptions(self, doc: Doc, t: _Tokens | None = None) -> list[tuple[int, int]]:
        """(start, end) of every `DESCRIPTIVE_PATTERNS` match, each once, in no set order."""
        t = t or _Tokens(doc, self)
        n, m = t.n, t.mask
        noun, mod, hyphen = m("noun"), m("mod"), t.hyphen
        out: set[tuple[int, int]] = set()

        def at(mask: np.ndarray, i: int) -> bool:
            return i < n and bool(mask[i])

        def mods_then_noun(i: int, k: int, least: int) -> None:
            # at least `least` modifiers from token k, then a force noun: every such end
            j = k
            while True:
                if j - k >= least and at(noun, j):
                    out.add((i, j + 1))
                if not at(mod, j):
                    break
                j += 1

        dash, gra = m("dash"), m("gov_regime_assad")
        for i in np.flatnonzero(m("camp")).tolist():
            if at(noun, i + 1):
                out.add((i, i + 2))
            mods_then_noun(i, i + 1, 1)
            if at(dash, i + 1) and at(gra, i + 2) and at(noun, i + 3):
                out.add((i, i + 4))
        adj, and_ = m("camp_adj"), m("and")
        for i in np.flatnonzero(adj).tolist():
            if at(and_, i + 1) and at(adj, i + 2):
                mods_then_noun(i, i + 3, 0)
        target = m("pro_target")
        for i in np.flatnonzero(m("pro_anti")).tolist():
            if at(hyphen, i + 1) and at(target, i + 2) and at(noun, i + 3):
                out.add((i, i + 4))
        backing = m("backing")
        for i in np.flatnonzero(m("backer")).tolist():
            if at(hyphen, i + 1) and at(backing, i + 2):
                j = i + 3
                while j < n and t.alpha[j] and not noun[j]:
                    j += 1
                if at(noun, j):
                    out.add((i, j + 1))
        the_force = m("the_force")
        for i in np.flatnonzero(m("the")).tolist():
            if at(the_force, i + 1):
                out.add((i, i + 2))
        possessive = m("possessive")
        for i in np.flatnonzero(m("assad")).tolist():
            if at(noun, i + 1):
                out.add((i, i + 2))
            if at(possessive, i + 1) and at(noun, i + 2):
                out.add((i, i + 3))
        return list(out)

    def names(self, doc: Doc, t: _Tokens | None = None) -> list[tuple[int, int]]:
        """(start, end) of every `NAME_PATTERNS` match, each once, longest first, then in text
        order: the resolver takes the first one the gazetteer knows and drops the names inside
        it, so "Tell al Qal'at Sheikh" wins over "Qal'at Sheikh" when both are listed. (spaCy's
        Matcher lists matches in the order its state machine completes them, which put an inner
        name first in such cases.)"""
        t = t or _Tokens(doc, self)
        n = t.n
        cap, art, alpha, hyphen, propn = self._capitals(t), t.mask("article"), t.alpha, t.hyphen, t.propn
        out: set[tuple[int, int]] = set()

        def at(mask: np.ndarray, i: int, want: bool = True) -> bool:
            return i < n and bool(mask[i]) == want

        for i in np.flatnonzero(cap).tolist():
            if propn[i]:
                out.add((i, i + 1))
            if at(cap, i + 1):
                out.add((i, i + 2))
                if at(art, i + 2):  # cap cap article [-] alpha
                    if at(alpha, i + 3):
                        out.add((i, i + 4))
                    if at(hyphen, i + 3) and at(alpha, i + 4):
                        out.add((i, i + 5))
            if not at(art, i + 1):
                continue
            k = i + 2
            if at(alpha, k):  # cap article [-] alpha
                out.add((i, k + 1))
            if at(hyphen, k) and at(alpha, k + 1):
                out.add((i, k + 2))
            if at(cap, k):  # cap article [-] [non-alpha] cap
                out.add((i, k + 1))
            if (at(hyphen, k) or at(alpha, k, False)) and at(cap, k + 1):
                out.add((i, k + 2))
            if at(hyphen, k) and at(alpha, k + 1, False) and at(cap, k + 2):
                out.add((i, k + 3))
        return sorted(out, key=lambda se: (se[0] - se[1], se[0]))

    def name_runs(self, doc: Doc, t: _Tokens | None = None) -> dict[int, int]:
        """start -> end of the capitalised name run ("Umm Jalal", "Tell al-Karama") at every
        token that can begin one: a capitalised word (PROPN, NOUN, ADJ or VERB) that does not
        begin a sentence, followed by more such words, an Arabic article (with or without its
        hyphen) allowed between two of them. Runs may overlap; the resolver decides which to
        take."""
        t = t or _Tokens(doc, self)
        n = t.n
        upper, strings = self._upper, self.vocab.strings
        orth = t.orth.tolist()
        for h in orth:
            if h not in upper:
                upper[h] = strings[h][:1].isupper()
        first_upper = np.fromiter((upper[h] for h in orth), dtype=bool, count=n)
        cap = (first_upper & t.alpha & np.isin(t.pos, (PROPN, NOUN, ADJ, VERB))).tolist()
        article = t.mask("article").tolist()
        dash = np.isin(t.orth, self.name_dashes).tolist()
        sent_start = t.sent_start.tolist()
        runs: dict[int, int] = {}
        for i in np.flatnonzero(cap).tolist():
            if sent_start[i]:
                continue
            j = i + 1
            while j < n:
                if cap[j]:
                    j += 1
                elif article[j] and j + 1 < n:
                    k = j + 2 if dash[j + 1] else j + 1
                    if k < n and cap[k]:
                        j = k + 1
                    else:
                        break
                else:
                    break
            runs[i] = j
        return runs
