"""The model's attribute ruler, evaluated over the doc's attribute arrays: same patterns, same output.

spaCy's `AttributeRuler` finds its patterns with a `Matcher`, which calls every set or regex
predicate (`IN`, `NOT_IN`, `REGEX`) of every pattern in Python, once per token and predicate: with
the 179 patterns of en_core_web_sm (20 such predicates) that is ~12 ms of a news article's ~83 ms
in the model, more than its tagger and lemmatizer together. The English models' patterns are
fixed-length token sequences over a few token attributes, so each constraint can be decided for
the whole doc at once (numpy over `Doc.to_array`, a regex once per distinct string), and the
attributes written back in one `Doc.from_array`: ~2 ms.

`replace_attribute_ruler` swaps it in only when every pattern is of a kind evaluated here (else the
model keeps spaCy's own component), and the output is the stock component's: the matches are
applied in spaCy's order (by pattern group, later groups winning), and tests/test_attribute_ruler.py
compares every token's tag, POS, morphology, lemma, norm, dependency and head with the stock
pipeline's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from spacy import attrs as spacy_attrs
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

STOCK = "attribute_ruler"
FACTORY = "frontline_attribute_ruler"

# Token attributes a pattern may test here (read with Doc.to_array, compared as the Matcher does)
_TESTED = {"ORTH": "ORTH", "TEXT": "ORTH", "LOWER": "LOWER", "NORM": "NORM", "TAG": "TAG", "DEP": "DEP",
           "LEMMA": "LEMMA", "SHAPE": "SHAPE", "IS_SPACE": "IS_SPACE", "IS_PUNCT": "IS_PUNCT",
           "IS_ALPHA": "IS_ALPHA", "IS_DIGIT": "IS_DIGIT", "LIKE_NUM": "LIKE_NUM"}
_FLAGS = {"IS_SPACE", "IS_PUNCT", "IS_ALPHA", "IS_DIGIT", "LIKE_NUM"}
# Attributes a pattern may set: plain token fields, written back as Doc.from_array writes them
_SET = {"POS", "MORPH", "LEMMA", "TAG", "NORM", "DEP"}


@dataclass(frozen=True)
class _Constraint:
    column: str
    kind: str  # "eq", "in", "not_in", "regex"
    value: object  # a hash, a tuple of hashes, or a pattern string


class _Unsupported(ValueError):
    pass


def _constraints(vocab: Vocab, spec: dict) -> tuple[_Constraint, ...]:
    out = []
    for key, value in spec.items():
        column = _TESTED.get(key)
        if column is None:
            raise _Unsupported(f"token attribute {key!r}")
        if isinstance(value, dict):
            if len(value) != 1:
                raise _Unsupported(f"predicate {value!r}")
            ((op, arg),) = value.items()
            if op in ("IN", "NOT_IN") and column not in _FLAGS and isinstance(arg, list):
                hashes = tuple(sorted({vocab.strings.add(v) if isinstance(v, str) else int(v) for v in arg}))
                out.append(_Constraint(column, op.lower(), hashes))
            elif op == "REGEX" and column not in _FLAGS and isinstance(arg, str):
                out.append(_Constraint(column, "regex", arg))
            else:
                raise _Unsupported(f"predicate {op!r} on {key}")
        elif isinstance(value, bool) or column in _FLAGS:
            if not isinstance(value, bool):
                raise _Unsupported(f"{key}={value!r}")
            out.append(_Constraint(column, "eq", int(value)))
        elif isinstance(value, str):
            out.append(_Constraint(column, "eq", vocab.strings.add(value)))
        else:
            raise _Unsupported(f"{key}={value!r}")
    return tuple(out)


class ArrayAttributeRuler:
    """Holds the stock component's patterns (`patterns`, as `AttributeRuler.patterns` gives them,
    so the doc cache's fingerprint is the same) and applies them over arrays."""

    def __init__(self, vocab: Vocab, name: str = STOCK):
        self.vocab = vocab
        self.name = name
        self._patterns: list[dict] = []
        self._groups: list[tuple[list[tuple[tuple[_Constraint, ...], ...]], int, dict[str, int]]] = []
        self._columns: list[str] = []
        self._regex_cache: dict[tuple[str, int], bool] = {}

    @property
    def patterns(self) -> list[dict]:
        return [dict(p) for p in self._patterns]

    def __len__(self) -> int:
        return len(self._patterns)

    def add_patterns(self, patterns: list[dict]) -> None:
        """Raises ValueError for a pattern this component does not evaluate (nothing is added)."""
        groups = [self._compile(p) for p in patterns]
        self._patterns += [{"patterns": p["patterns"], "attrs": p["attrs"], "index": p.get("index", 0)} for p in patterns]
        self._groups += groups
        self._columns = sorted({c.column for seqs, _, _ in self._groups for seq in seqs for spec in seq for c in spec})

    def _compile(self, group: dict):
        index = group.get("index", 0)
        seqs = []
        for pattern in group["patterns"]:
            if not pattern or any("OP" in spec for spec in pattern):
                raise _Unsupported("a pattern of variable length")
            if not -len(pattern) <= index < len(pattern):
                raise _Unsupported(f"index {index} outside a pattern of {len(pattern)} tokens")
            seqs.append(tuple(_constraints(self.vocab, spec) for spec in pattern))
        values = {}
        for key, value in group["attrs"].items():
            if key not in _SET or not isinstance(value, str):
                raise _Unsupported(f"setting {key}={value!r}")
            if key == "MORPH":  # as normalize_token_attrs stores it
                values[key] = self.vocab.morphology.add(value)
            else:
                values[key] = self.vocab.strings.add(value)
        return seqs, index, values

    def _mask(self, c: _Constraint, column: np.ndarray) -> np.ndarray:
        if c.kind == "eq":
            return column == np.uint64(c.value)
        if c.kind in ("in", "not_in"):
            hit = np.isin(column, np.array(c.value, dtype=np.uint64))
            return hit if c.kind == "in" else ~hit
        # regex: searched in each distinct string once (and remembered across docs)
        unique, inverse = np.unique(column, return_inverse=True)
        strings, cache = self.vocab.strings, self._regex_cache
        decided = np.empty(len(unique), dtype=bool)
        for i, h in enumerate(unique.tolist()):
            key = (c.value, h)
            if key not in cache:
                cache[key] = bool(re.search(c.value, strings[h]))
            decided[i] = cache[key]
        return decided[inverse]

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n or not self._groups:
            return doc
        table = doc.to_array([getattr(spacy_attrs, c) for c in self._columns])
        columns = {c: table[:, i] for i, c in enumerate(self._columns)}
        masks: dict = {}  # per constraint and per token spec: patterns share them

        def spec_mask(spec: tuple[_Constraint, ...]) -> np.ndarray:
            if spec not in masks:
                for c in spec:
                    if c not in masks:
                        masks[c] = self._mask(c, columns[c.column])
                out = masks[spec[0]] if spec else np.ones(n, dtype=bool)
                for c in spec[1:]:
                    out = out & masks[c]
                masks[spec] = out
            return masks[spec]

        written: dict[str, np.ndarray] = {}
        for seqs, index, values in self._groups:  # in group order: a later group overwrites
            targets = []
            for seq in seqs:
                length = len(seq)
                if length > n:
                    continue
                starts = spec_mask(seq[0])[: n - length + 1]
                for j in range(1, length):
                    starts = starts & spec_mask(seq[j])[j : n - length + 1 + j]
                hits = np.flatnonzero(starts)
                if len(hits):
                    targets.append(hits + (index if index >= 0 else length + index))
            if not targets:
                continue
            at = np.concatenate(targets)
            for key, value in values.items():
                if key not in written:
                    written[key] = doc.to_array(key).astype(np.uint64)
                written[key][at] = value
        if written:
            doc.from_array(list(written), np.stack(list(written.values()), axis=1))
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)


@Language.factory(FACTORY)
def make_array_attribute_ruler(nlp: Language, name: str) -> ArrayAttributeRuler:
    return ArrayAttributeRuler(nlp.vocab, name)


def replace_attribute_ruler(nlp: Language) -> bool:
    """Put the array-based ruler in the place of the model's `attribute_ruler`, with its patterns;
    False (and the model left as it is) when the model has none or a pattern is of a kind it
    does not evaluate."""
    if STOCK not in nlp.pipe_names or nlp.get_pipe_meta(STOCK).factory != "attribute_ruler":
        return False
    patterns = nlp.get_pipe(STOCK).patterns
    ruler = ArrayAttributeRuler(nlp.vocab)
    try:
        ruler.add_patterns(patterns)
    except _Unsupported:
        return False
    nlp.replace_pipe(STOCK, FACTORY)
    nlp.get_pipe(STOCK).add_patterns(patterns)
    return True
