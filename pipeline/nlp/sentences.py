"""Stage A's first component: the clean layer's sentences, fixed before the model parses.

A module of its own because its code is part of the doc cache's key (pipeline.STAGE_A_MODULES):
an edit here must not replay docs split the old way, and an edit elsewhere must not re-parse."""

from __future__ import annotations

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

SENTENCE_COMPONENT = "frontline_sentences"

if not Doc.has_extension("sentence_bounds"):
    Doc.set_extension("sentence_bounds", default=None)


@Language.component(SENTENCE_COMPONENT)
def preset_sentences(doc: Doc) -> Doc:
    """Fix sentence starts to the clean layer's sentences, so the parser never glues a heading
    ("Syrian Army Withdraws") to the dateline that follows it, and sentence ids line up: the
    first token at or after each clean sentence start begins a sentence, every other token does
    not."""
    bounds = doc._.sentence_bounds
    if not bounds or not len(doc):
        return doc
    # One array write: setting Token.is_sent_start token by token re-checks the whole doc for a
    # parse on every call, which cost ~5 ms per article (quadratic in its length).
    firsts = np.searchsorted(doc.to_array(IDX), sorted(start for start, _ in bounds), side="left")
    sent_start = np.full(len(doc), -1, dtype=np.int64)
    sent_start[firsts[firsts < len(doc)]] = 1
    sent_start[0] = 1
    doc.from_array([SENT_START], sent_start.astype(np.uint64))
    return doc
