"""A doc's entities indexed once for the stage-B rules.

`Doc.ents` builds a new Span for every entity of the doc on each call, and `Span.ents` goes
through `Doc.ents`; rules that ask "which actors are in this sentence" dozens of times per
article would rebuild the article's ~100 entity spans each time. The extractors build one
`EntityIndex` per doc after entity resolution (which is the last step that changes entities).
"""

from __future__ import annotations

from bisect import bisect_left

from spacy.tokens import Doc, Span


class EntityIndex:
    def __init__(self, doc: Doc):
        self.all: tuple[Span, ...] = doc.ents
        self._starts = [e.start for e in self.all]
        # token index -> the entity covering it
        self.at: dict[int, Span] = {i: e for e in self.all for i in range(e.start, e.end)}

    def within(self, span: Span) -> list[Span]:
        """The entities wholly inside `span`, in order: `span.ents` without the rebuild."""
        out = []
        for e in self.all[bisect_left(self._starts, span.start):]:
            if e.end > span.end:
                break
            out.append(e)
        return out
