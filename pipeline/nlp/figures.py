"""Reported figures: deaths, injuries, displacement, distances, places taken, force sizes, strikes.

A figure is a number expression found by one regular grammar over the sentence text (qualifier +
digits / number words / range / vague quantity word), mapped onto the parse to find what it counts
(the noun it modifies, or the `of` object of "dozens of civilians") and what happened to it (the
verbs and nouns around that noun decide the metric). Values follow the shared convention in
docs/claims.md ("Figures"): exact → low = best = high; at_least / over → high empty; up_to → low
empty; range → best is the midpoint; vague words → the documented low/best/high table.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.nlp.certainty import _PARTY_WORDS, FIGHTING_SIDES, REPORT_VERBS, Assessor
from pipeline.nlp.lemmas import lemma
from pipeline.nlp.spans import DocText, EntityIndex
from pipeline.nlp.types import Figure
from pipeline.text.numbers import parse_number, parse_range, parse_vague, to_km
from pipeline.text.temporal import DocDates

for _name in ("claims", "figures", "article_id", "published", "publisher"):
    Doc.set_extension(_name, default=None, force=True)
for _name in ("entity_id", "resolution", "side", "resolution_score"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)

_NUMWORD = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
            r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
            r"sixty|seventy|eighty|ninety|hundred|thousand|million|billion)")
_WORDS = rf"(?:(?:a|an)\s+(?:hundred|thousand|million)|{_NUMWORD}(?:(?:\s+and\s+|[\s-]+){_NUMWORD})*)"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:million|billion|thousand|hundred|mn|bn)\b)?"
_NUM = rf"(?:{_DIGITS}|{_WORDS})"
_VAGUE = (r"(?:tens\s+of\s+thousands|hundreds\s+of\s+thousands|dozens|scores|hundreds|thousands|"
          r"millions|a\s+dozen|several|a\s+few|a\s+couple\s+of|a\s+number\s+of)")
_QUAL = (r"(?:at\s+least|no\s+(?:fewer|less)\s+than|a\s+minimum\s+of|more\s+than|over|upwards\s+of|"
         r"in\s+excess\s+of|approximately|about|around|some|nearly|almost|roughly|an\s+estimated|"
         r"estimated|up\s+to|as\s+many\s+as|less\s+than|fewer\s+than|within|just\s+under|under)")
FIGURE_RE = re.compile(
    rf"(?<![\w-])(?:(?P<qual>{_QUAL})\s+)?(?:(?P<range>(?:between\s+)?{_NUM}\s*(?:-|–|to|and)\s*{_NUM})"
    rf"|(?P<num>{_NUM})|(?P<vague>{_VAGUE}))(?![\w-])",
    re.I,
)
QUALIFIERS = {
    "at least": "at_least", "no fewer than": "at_least", "no less than": "at_least",
    "a minimum of": "at_least", "more than": "over", "over": "over", "upwards of": "over",
    "in excess of": "over", "approximately": "approximately", "about": "approximately",
    "around": "approximately", "some": "approximately", "nearly": "approximately",
    "almost": "approximately", "roughly": "approximately", "an estimated": "approximately",
    "estimated": "approximately", "up to": "up_to", "as many as": "up_to", "less than": "up_to",
    "fewer than": "up_to", "within": "up_to", "just under": "up_to", "under": "up_to",
}
DISTANCE_UNITS = {"km", "kms", "kilometer", "kilometers", "kilometre", "kilometres", "mile",
                  "miles", "mi", "meters", "metres", "meter", "metre"}
# words before a number that make it a name, not an amount ("Brigade 66", "Resolution 2254")
LABEL_WORDS = {"brigade", "division", "regiment", "battalion", "highway", "route", "road",
               "resolution", "no", "no.", "number", "article", "chapter", "page", "m", "corps",
               "unit", "base", "point", "hill", "flight", "section", "phase", "channel"}
NON_FIGURE_ENTS = {"DATE", "TIME", "PERCENT", "MONEY", "ORDINAL"}
NON_FIGURE_NEXT = {"%", "percent", "per", "year", "years", "month", "months", "day", "days",
                   "week", "weeks", "hour", "hours", "minute", "minutes", "o'clock", "am", "pm",
                   "decade", "decades", "century", "-year", "times", "percentage", "dollars", "$",
                   "usd", "euros", "of"}

_DATE_WORDS = re.compile(
    r"\b(?:1[89]\d\d|20\d\d|years?|months?|weeks?|days?|old|ago|century|decades?|jan|feb|mar|apr|"
    r"may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april|june|july|august|september|"
    r"october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|tomorrow|night|morning)\b", re.I)
KILL = {"kill", "dead", "die", "death", "toll", "slay", "massacre", "execute", "fatality",
        "body", "corpse", "perish", "murder", "behead", "lose"}
INJURE = {"wound", "injure", "hurt", "injury", "maim"}
DISPLACE = {"displace", "flee", "refugee", "displacement", "evacuee", "uproot", "idp", "displaced"}
DETAIN = {"arrest", "detain", "detention", "abduct", "kidnap", "imprison", "prisoner", "captive",
          "detainee", "hostage"}
STRIKES = {"strike", "airstrike", "raid", "sortie", "bombing", "bombardment", "barrage", "attack",
           "shell", "missile", "rocket", "drone"}
PLACE_NOUNS = {"town", "village", "city", "locality", "settlement", "hamlet", "area",
               "neighbourhood", "neighborhood", "district", "position", "site", "base", "hill",
               "checkpoint", "farm", "point", "center", "centre", "stronghold"}
CAPTURE = {"capture", "seize", "take", "retake", "recapture", "control", "liberate", "overrun",
           "storm", "gain", "regain", "fall", "seizure", "takeover", "hold"}
PEOPLE_CIVIL = {"civilian", "people", "person", "resident", "family", "child", "woman", "man",
                "inhabitant", "refugee", "villager", "citizen", "individual", "household",
                "student", "worker", "patient", "doctor", "journalist", "displaced", "idp"}
COMBATANT = {"fighter", "troop", "soldier", "militant", "rebel", "member", "militiaman",
             "recruit", "mercenary", "insurgent", "jihadist", "personnel", "officer",
             "guard", "conscript", "reinforcement", "combatant", "gunman"}
FORCE_VERBS = {"join", "deploy", "send", "mobilize", "mobilise", "dispatch", "mass", "gather",
               "reinforce", "arrive", "number", "include", "comprise", "field", "recruit"}
HOLD_NUMBER_VAGUE = {"several", "a few", "a couple of", "a number of"}
# Every FIGURE_RE match holds a digit or starts a word with one of these: sentences without
# one (most of them) skip FIGURE_RE, whose alternations are tried at every word start.
_MAY_COUNT = re.compile(r"\d|\b(?:" + "|".join(sorted(
    set(re.findall(r"[a-z]{3,}", _NUMWORD)) | {"dozen", "score", "several", "few", "couple", "number"},
    key=len, reverse=True)) + ")", re.I)
# "06:15", "14:05 GMT", "6.30pm": live-blog timestamps and clock times are not amounts.
CLOCK_RE = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}[.:]\d{2}\s*(?:am|pm|gmt|utc)\b|"
                      r"\b\d{1,2}\s*(?:am|pm|gmt|utc)\b", re.I)
# Counted sources ("two sources said", "three security sources told Reuters") are the report's
# provenance, not a figure of the war.
SOURCE_NOUNS = {"source", "official", "witness", "diplomat", "analyst", "outlet", "agency",
                "monitor", "activist", "journalist", "correspondent", "resident"}
# Only counts of people, forces, places and strikes are figures; "two main highways" and "these
# two major cities" count things the tables do not track.
COUNTED_OTHER = {"casualty", "victim", "other", "others"}


def _lemmas(tokens) -> set[str]:
    return {lemma(t) for t in tokens} | {t.lower_ for t in tokens}


class _FigureExtractor:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.published = doc._.published if Doc.has_extension("published") else None
        self.index = EntityIndex(doc)
        self.ent_at = self.index.at
        self.texts = DocText(doc)
        self.dates = DocDates(self.published, text_of=self.texts.of, ents=self.index.all)
        self.assess = Assessor(self.index, self.texts)
        self.figures: list[Figure] = []

    def run(self) -> list[Figure]:
        for sent in self.doc.sents:
            text = self.texts.of(sent)
            if not _MAY_COUNT.search(text):
                continue
            prev_qual: tuple[str, Token] | None = None
            clocks = [(c.start(), c.end()) for c in CLOCK_RE.finditer(text)]
            for m in FIGURE_RE.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in clocks):
                    continue
                fig = self.figure_from_match(sent, m, prev_qual)
                if fig is None:
                    continue
                self.figures.append(fig)
                if m.group("qual"):
                    prev_qual = (QUALIFIERS[re.sub(r"\s+", " ", m.group("qual").lower())],
                                 fig.extra["count_noun_i"])
        return self.figures

    # -- helpers -------------------------------------------------------------------------------
    def _span(self, sent: Span, start: int, end: int) -> Span | None:
        return self.doc.char_span(sent.start_char + start, sent.start_char + end,
                                  alignment_mode="expand")

    def _skip(self, span: Span, sent: Span, text: str) -> bool:
        for t in span:
            e = self.ent_at.get(t.i)
            if e is not None and e.label_ in NON_FIGURE_ENTS:
                # the small model tags counts such as "between 20 and 30" DATE; only a DATE that
                # names a year, a month, a day or an age is a date
                if e.label_ != "DATE" or _DATE_WORDS.search(e.text):
                    return True
        prev = self.doc[span.start - 1] if span.start > sent.start else None
        if prev is not None and (prev.lower_ in LABEL_WORDS or prev.text in ("#", "$", "£", "€")):
            return True
        nxt = self.doc[span.end] if span.end < sent.end else None
        if nxt is not None and nxt.lower_ in NON_FIGURE_NEXT and not (
            nxt.lower_ == "of" and re.search(r"[a-z]", text, re.I) and parse_vague(text)
        ):
            return True
        if re.fullmatch(r"(1[89]|20)\d\d", text.strip()):
            return True  # a year
        if text.strip().lower() == "one" and (nxt is None or nxt.lower_ in ("of", "another")):
            return True
        if span.root.dep_ == "compound" and span.root.head.pos_ == "PROPN":
            return True  # part of a name ("Highway 5 Road", "Brigade 66")
        return False

    def count_noun(self, span: Span) -> Token | None:
        """The noun the number counts: the head of a nummod, or the `of` object of a vague
        quantity ("dozens of civilians")."""
        last = span[-1]
        for c in last.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    return objs[0]
        t = last
        for _ in range(3):
            if t.dep_ in ("nummod", "quantmod", "compound", "amod", "advmod", "conj") and \
                    t.head.i != t.i and t.head.i not in range(span.start, span.end):
                if t.head.pos_ in ("NOUN", "PROPN"):
                    return t.head
                t = t.head
                continue
            break
        if t.head.i in range(span.start, span.end):
            t = span.root
            if t.head.pos_ in ("NOUN", "PROPN") and t.dep_ in ("nummod", "quantmod", "compound"):
                return t.head
        # "killing 12", "the toll rose to 40": the number stands for the counted thing
        return None

    def context_levels(self, anchor: Token) -> list[set[str]]:
        """Lemmas around the counted noun, nearest first: the noun and its modifiers (plus
        participles right after it: "100 troops reported killed"), then each head above it."""
        first = [anchor, *anchor.children]
        nxt = anchor.right_edge.i + 1
        for w in self.doc[nxt : min(nxt + 3, anchor.sent.end)]:
            if w.pos_ not in ("VERB", "ADJ", "ADV", "AUX") or w.tag_ == "VBG":
                break
            first.append(w)
        levels = [_lemmas(first)]
        t = anchor
        for _ in range(3):
            if t.head.i == t.i:
                break
            t = t.head
            toks = [t] + [c for c in t.children if c.dep_ in ("acomp", "xcomp", "oprd", "attr", "amod")]
            levels.append(_lemmas(toks))
        return levels

    def acting_subject(self, anchor: Token) -> tuple[Span | None, str]:
        """Side of whoever performs the verb above `anchor` ("carried out dozens of strikes")."""
        t = anchor
        for _ in range(7):
            if t.head.i == t.i:
                break
            t = t.head
            if t.pos_ in ("VERB", "AUX"):
                for c in t.children:
                    if c.dep_ in ("nsubj",) or c.dep_ == "agent":
                        side = self.side_of_phrase(c)
                        if side != "unknown":
                            return None, side
        return None, "unknown"

    def side_of_phrase(self, tok: Token) -> str:
        toks = list(tok.subtree) if tok.dep_ != "agent" else list(tok.subtree)[1:]
        for t in toks:
            e = self.ent_at.get(t.i)
            if e is not None and e.label_ == "ACTOR" and e._.side in FIGHTING_SIDES:
                return e._.side
        text = " ".join(t.text for t in toks)
        for pat, side in _PARTY_WORDS:
            if pat.search(text):
                return side
        return "unknown"

    def noun_phrase_side(self, noun: Token) -> str:
        """Camp of the counted people: "HTS fighters" → opposition, civilians → other."""
        mods = [noun, *[c for c in noun.children if c.dep_ in ("compound", "amod", "nmod", "poss")]]
        for m in list(mods):
            mods += [g for g in m.subtree if g.dep_ in ("compound", "amod", "npadvmod", "nmod")]
        for t in mods:
            e = self.ent_at.get(t.i)
            if e is not None and e.label_ == "ACTOR":
                if e._.side in FIGHTING_SIDES:
                    return e._.side
        text = " ".join(t.text for t in sorted(set(mods), key=lambda x: x.i))
        if noun.lemma_.lower() in PEOPLE_CIVIL or noun.lower_ in PEOPLE_CIVIL:
            return "other"
        for pat, side in _PARTY_WORDS:
            if pat.search(text):
                return side
        return "unknown"

    def nearest_force_side(self, span: Span) -> str:
        sent = span.sent
        before = [e for e in self.index.within(sent) if e.label_ == "ACTOR" and e.end <= span.start and
                  e._.side in FIGHTING_SIDES]
        if before:
            return before[-1]._.side
        # "has brought them within 10 km": a pronoun object refers back to the sentence's actors
        k = [s for s in self.doc.sents if s.end <= sent.start]
        if k:
            prev = [e for e in self.index.within(k[-1]) if e.label_ == "ACTOR" and e._.side in FIGHTING_SIDES]
            if prev and any(t.lower_ in ("them", "they", "their") for t in sent[: span.start - sent.start]):
                return prev[-1]._.side
        after = [e for e in self.index.within(sent) if e.label_ == "ACTOR" and e.start >= span.end and
                 e._.side in FIGHTING_SIDES]
        return after[0]._.side if after else "unknown"

    def place_for(self, anchor: Token, sent: Span, *, after: int | None = None) -> str | None:
        places = [e for e in self.index.within(sent) if e.label_ == "PLACE"]
        if not places:
            return None
        if after is not None:
            later = [e for e in places if e.start >= after]
            if later:
                return later[0]._.entity_id
        # the place in the clause of the figure: under the same verb
        head = anchor
        while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
            head = head.head
        def clause_of(tok: Token) -> int:
            while tok.pos_ not in ("VERB", "AUX") and tok.head.i != tok.i:
                tok = tok.head
            return tok.i

        inside = [e for e in places if clause_of(e.root) == head.i]
        return inside[0]._.entity_id if inside else None

    def metric_for(self, anchor: Token, noun_lemma: str) -> str:
        if noun_lemma in ("casualty", "victim"):
            return "other"  # killed and wounded together
        for ctx in self.context_levels(anchor):
            if ctx & KILL:
                return "killed"
            if ctx & INJURE:
                return "injured"
            if ctx & DISPLACE and noun_lemma not in COMBATANT:
                return "displaced"
            if ctx & DETAIN:
                return "detained"
            if noun_lemma in PLACE_NOUNS and ctx & CAPTURE:
                return "places_captured"
            if (noun_lemma in COMBATANT or noun_lemma in PEOPLE_CIVIL) and anchor.dep_ == "dobj" \
                    and lemma(anchor.head) in ("capture", "seize", "take", "round", "grab"):
                return "detained"  # "captured more than 150 soldiers": taken prisoner
        if noun_lemma in STRIKES or noun_lemma.startswith("airstrike"):
            return "airstrikes"
        if noun_lemma in COMBATANT:
            return "fighters"
        return "other"

    # -- main ----------------------------------------------------------------------------------
    def figure_from_match(self, sent: Span, m: re.Match, prev_qual) -> Figure | None:
        body_start = m.start("range") if m.group("range") else m.start("num") if m.group("num") \
            else m.start("vague")
        text = m.group("range") or m.group("num") or m.group("vague")
        span = self._span(sent, body_start, m.end())
        if span is None or len(span) == 0:
            return None
        if self._skip(span, sent, text):
            return None
        qual_text = re.sub(r"\s+", " ", m.group("qual").lower()) if m.group("qual") else None
        qualifier = QUALIFIERS.get(qual_text) if qual_text else None
        if m.group("range"):
            r = parse_range(text)
            if r is None:
                return None
            low, high = r
            best = (low + high) / 2
            qualifier = "range"
        elif m.group("vague"):
            q = parse_vague(text)
            if q is None:
                return None
            if qualifier == "approximately" and text.lower().strip() == "a dozen":
                low = best = high = 12.0
            else:
                low, best, high = q.low, q.best, q.high
                qualifier = "vague"
        else:
            v = parse_number(text)
            if v is None:
                return None
            low = best = high = v

        noun = self.count_noun(span)
        nxt = self.doc[span.end] if span.end < sent.end else None
        unit = None
        metric = None
        place_id = None
        anchor = noun if noun is not None else span.root
        if nxt is not None and nxt.lower_ in DISTANCE_UNITS:
            unit_tok = nxt
            # "10 kilometers (6 miles)": the bracketed conversion is not a second figure
            if span.start >= 2 and self.doc[span.start - 1].text == "(" and any(
                f.unit == "km" and f.end_char >= self.doc[span.start - 2].idx for f in self.figures[-1:]
            ):
                return None
            km = [to_km(x, unit_tok.lower_) if x is not None else None for x in (low, best, high)]
            low, best, high = km
            unit = "km"
            metric = "distance_km"
            anchor = unit_tok
            after = unit_tok.i + 1
            # skip a bracketed conversion before looking for the place measured to
            if after < sent.end and self.doc[after].text == "(":
                close = next((t.i for t in self.doc[after:sent.end] if t.text == ")"), after)
                after = close + 1
            place_id = self.place_for(anchor, sent, after=after)
            if qual_text == "within":
                qualifier = "up_to"
        if qualifier is None:
            # "at least 25 HTS fighters and 100 government troops": the qualifier distributes
            if prev_qual is not None and noun is not None and noun.dep_ == "conj" and \
                    noun.head.i == prev_qual[1]:
                qualifier = prev_qual[0]
            else:
                qualifier = "exact"
        if qualifier in ("at_least", "over"):
            high = None
        elif qualifier == "up_to":
            low = None

        noun_lemma = noun.lemma_.lower() if noun is not None else ""
        side = "unknown"
        if metric is None:
            if is_vague_count_only(text) and noun is None:
                return None
            metric = self.metric_for(anchor, noun_lemma)
        if metric == "other" and text.strip().lower() in HOLD_NUMBER_VAGUE:
            return None
        if metric == "other" and noun is None and m.group("num") and not m.group("qual"):
            return None  # a bare number with nothing counted
        if noun is not None and noun_lemma in SOURCE_NOUNS and metric in ("other", "fighters") and (
                noun_lemma == "source" or lemma(noun.head) in REPORT_VERBS):
            return None  # "two sources said": who reports, not what happened
        if metric == "other" and noun is not None and noun_lemma not in PEOPLE_CIVIL and \
                noun_lemma not in COMBATANT and noun_lemma not in COUNTED_OTHER and \
                noun.lower_ not in COUNTED_OTHER and not m.group("vague"):
            return None  # "two main highways": not a tracked quantity
        if metric in ("killed", "injured", "displaced", "detained", "fighters", "other"):
            # a bare "thousands" / "tens of thousands" counts people
            side = self.noun_phrase_side(noun) if noun is not None else "other"
            if metric == "displaced" and side == "unknown":
                side = "other"
        elif metric in ("airstrikes", "places_captured"):
            _, side = self.acting_subject(anchor)
            if side == "unknown" and noun is not None:
                side = self.noun_phrase_side(noun)
                side = "unknown" if side == "other" else side
        elif metric == "distance_km":
            # "the rebels are now 10 km from Hama": the distance is the force's
            side = self.nearest_force_side(span)
        if side == "unknown" and noun is not None and noun.lower_ in ("others", "more"):
            # "killed 12 government soldiers and 26 others": the others are counted with them
            prev = [f for f in self.figures if f.start_char == sent.start_char and
                    f.side != "unknown" and f.metric == metric]
            if prev:
                side = prev[-1].side
        if place_id is None and metric != "distance_km":
            place_id = self.place_for(anchor, sent)

        trigger = anchor
        assessment = self.assess(trigger)
        ref = self.dates.governing(trigger, sent)
        subject_text = None
        if noun is not None:
            toks = [t for t in noun.subtree if t.i <= noun.i and t.i >= span.end] or [noun]
            subject_text = self.doc[toks[0].i : noun.i + 1].text
        return Figure(
            start_char=sent.start_char,
            end_char=sent.end_char,
            metric=metric,
            value_low=low,
            value_best=best,
            value_high=high,
            qualifier=qualifier,
            unit=unit or (noun_lemma + "s" if noun_lemma else None),
            subject_text=subject_text,
            side=side,
            place_id=place_id,
            event_date=ref.date if ref is not None else self.published,
            attribution_text=assessment.attribution_text,
            certainty=assessment.certainty,
            is_historical=self.dates.historical(trigger, sent),
            extra={
                "text": self.texts.of(sent)[m.start() : m.end()],
                "figure_start_char": sent.start_char + m.start(),
                "figure_end_char": sent.start_char + m.end(),
                "count_noun_i": noun.i if noun is not None else -1,
                "date_text": ref.text if ref is not None else None,
                "date_precision": ref.precision if ref is not None else (
                    "week" if self.published else "unknown"),
                "cues": assessment.cues,
            },
        )


def is_vague_count_only(text: str) -> bool:
    return text.strip().lower() in HOLD_NUMBER_VAGUE


def extract_figures(doc: Doc) -> list[Figure]:
    """Every reported figure in `doc`, in text order."""
    return _FigureExtractor(doc).run()


@Language.component("frontline_figures")
def figures_component(doc: Doc) -> Doc:
    doc._.figures = extract_figures(doc)
    return doc
