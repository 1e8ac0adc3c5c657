"""A doc's entities and text indexed once for the stage-B rules.

`Doc.ents` builds a new Span for every entity of the doc on each call, and `Span.ents` goes
through `Doc.ents`; rules that ask "which actors are in this sentence" dozens of times per
article would rebuild the article's ~100 entity spans each time. Likewise `Span.text` joins the
span's tokens and `Doc.text` all of the doc's on every call. The extractors build one
`EntityIndex` and one `DocText` per doc after entity resolution (which is the last step that
changes entities).
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


# Where the doc's text is kept for the stage-B components (spaCy's generic user storage; not
# written to the doc cache): the run knows it as the article's body text, since spaCy's
# tokenizer is lossless (doc.text == the text the doc was made from).
TEXT_KEY = ("frontline", "text")


class DocText:
    def __init__(self, doc: Doc):
        text = doc.user_data.get(TEXT_KEY)
        if text is None:
            text = doc.user_data[TEXT_KEY] = doc.text
        self.text: str = text

    def of(self, span: Span) -> str:
        """`span.text`, cut from the doc's text."""
        return self.text[span.start_char : span.end_char]
