"""spaCy side of entity resolution: PLACE / ACTOR entities with gazetteer and registry ids.

Assembly (what the pipeline does; `add_entity_components(nlp)` does exactly this):

    ruler = nlp.add_pipe("entity_ruler", name="frontline_entity_ruler", before="ner",
                         config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns(ruler_patterns(load_gazetteer(), load_actor_registry()))
    nlp.add_pipe("frontline_entity_resolver", after="ner")

The resolver (stage B, rules only) then
1. relabels NER GPE/LOC/FAC the ruler missed to PLACE (gazetteer incl. fuzzy, else
   `unresolved:<normalised-name>`), ORG/NORP/PERSON that are registry actors to ACTOR, and
   gazetteer places that NER mistook for PERSON/ORG to PLACE;
2. adds descriptive actor mentions the ruler and NER miss ("pro-government forces",
   "Russian warplanes", "the factions") and extends places over a following qualifier
   ("Hama province", "Idlib countryside") and drops a trailing possessive ("Hama's");
3. re-resolves every PLACE with article context (other places, governorates, the dateline,
   same-sentence neighbours), so an ambiguous name (Suran) follows the article's geography.
Span extensions: entity_id, resolution, side, resolution_score (and resolution_decision).
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.reference.actors import ActorRegistry, load_actor_registry
from pipeline.reference.gazetteer import Gazetteer, PlaceContext, load_gazetteer
from pipeline.reference.normalise import ARTICLES, slugify
from pipeline.reference.patterns import ruler_patterns

RULER_NAME = "frontline_entity_ruler"
RESOLVER_NAME = "frontline_entity_resolver"

PLACE_LABELS = ("GPE", "LOC", "FAC")
ACTOR_CANDIDATE_LABELS = ("ORG", "NORP", "PERSON")
_QUALIFIER_AFTER = {"province", "governorate", "countryside", "city", "town", "village",
                    "district", "subdistrict", "sub-district", "region", "neighbourhood",
                    "neighborhood", "airport", "airbase", "mountain", "plain"}
_POSSESSIVE = {"'s", "’s", "'", "’"}

for _name in ("entity_id", "resolution", "side", "resolution_score", "resolution_decision"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None, force=True)


def unresolved_id(text: str) -> str:
    """`unresolved:<name>` for a place the gazetteer lacks: a readable slug with a leading
    article and a possessive dropped, so "the Eastern Ghouta's" and "Eastern Ghouta" share one id."""
    words = [w for w in slugify(re.sub(r"['’`]s$", "", text.strip())).split("_") if w]
    while len(words) > 1 and (words[0] in ARTICLES or words[0] == "the"):
        words = words[1:]
    return "unresolved:" + ("_".join(words) or text.strip().lower())


def _descriptive_patterns() -> list[list[dict]]:
    """Actor descriptions built from a camp word and a force noun, so unlisted combinations
    ("regime reinforcements", "Iranian-backed fighters", "Israeli jets") are caught."""
    camp = ["government", "regime", "pro-government", "pro-regime", "pro-assad", "loyalist",
            "syrian", "russian", "turkish", "israeli", "american", "u.s.", "us", "iranian",
            "kurdish", "opposition", "rebel", "islamist", "jihadist", "insurgent", "assad",
            "hts", "sdf", "isis", "is"]
    backed = ["turkish", "turkey", "ankara", "iranian", "iran", "russian", "us", "u.s.", "hts",
              "kurdish", "islamist", "jihadist", "american"]
    nouns = ["forces", "troops", "soldiers", "fighters", "militias", "militia", "factions",
             "rebels", "units", "warplanes", "jets", "aircraft", "helicopters", "drones",
             "reinforcements", "army", "military", "militants", "groups", "gunmen", "brigades"]
    pats = [
        [{"LOWER": {"IN": camp}}, {"LOWER": {"IN": nouns}}],
        [{"LOWER": {"IN": camp}}, {"LOWER": {"IN": ["-", "–"]}}, {"LOWER": {"IN": ["government", "regime", "assad"]}},
         {"LOWER": {"IN": nouns}}],
        [{"LOWER": {"IN": ["pro", "anti"]}}, {"ORTH": "-"}, {"LOWER": {"IN": ["government", "regime", "assad", "turkish", "iranian"]}},
         {"LOWER": {"IN": nouns}}],
        [{"LOWER": {"IN": backed}}, {"ORTH": "-"}, {"LOWER": {"IN": ["backed", "led", "supported", "aligned"]}},
         {"IS_ALPHA": True, "LOWER": {"NOT_IN": nouns}, "OP": "*"}, {"LOWER": {"IN": nouns}}],
        [{"LOWER": "the"}, {"LOWER": {"IN": ["factions", "rebels", "insurgents", "regime", "army"]}}],
        [{"LOWER": {"IN": ["assad", "assad's"]}}, {"LOWER": {"IN": ["'s", "’s"]}, "OP": "?"}, {"LOWER": {"IN": nouns}}],
    ]
    return pats


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    while end - start > 1 and doc[end - 1].text in _POSSESSIVE:
        end -= 1
    while end - start > 1 and doc[start].lower_ in ("the",):
        start += 1
    return start, end


class EntityResolver:
    def __init__(self, nlp: Language, name: str, gazetteer: Gazetteer | None = None,
                 registry: ActorRegistry | None = None, fuzzy: bool = True):
        self.name = name
        self.gazetteer = gazetteer or load_gazetteer()
        self.registry = registry or load_actor_registry()
        self.fuzzy = fuzzy
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("ACTOR_DESC", _descriptive_patterns())
        # Arabic names the ruler does not list verbatim and NER splits or misses
        # ("Ma'arrat an-Nu'man", "Qamishlo"): capitalised runs checked against the gazetteer
        art = sorted(ARTICLES)
        self.name_matcher = Matcher(nlp.vocab)
        cap = {"TEXT": {"REGEX": r"^[A-Z\u00c0-\u024f]"}}
        self.name_matcher.add("NAME", [
            [cap, {"LOWER": {"IN": art}}, {"ORTH": "-", "OP": "?"}, {"IS_ALPHA": False, "OP": "?"}, cap],
            [cap, {"LOWER": {"IN": art}}, {"ORTH": "-", "OP": "?"}, {"IS_ALPHA": True}],
            [cap, cap, {"LOWER": {"IN": art}}, {"ORTH": "-", "OP": "?"}, {"IS_ALPHA": True}],
            [cap, cap],
            [{"POS": "PROPN", **cap}],
        ])

    # -- pass 1: labels and spans ------------------------------------------------------------
    def _relabel(self, doc: Doc) -> list[Span]:
        g, reg = self.gazetteer, self.registry
        spans: list[Span] = []
        for ent in doc.ents:
            label = ent.label_
            start, end = _trim(doc, ent.start, ent.end) if label != "ACTOR" else (ent.start, ent.end)
            text = doc[start:end].text
            if label in ("PLACE",) + PLACE_LABELS:
                # "Hama province", "Idlib countryside": keep the qualifier for resolution
                if end < len(doc) and doc[end].lower_ in _QUALIFIER_AFTER:
                    end += 1
                    text = doc[start:end].text
                if label != "PLACE":
                    if g.resolve_place(text, fuzzy=self.fuzzy) is None and reg.resolve_actor(text):
                        label = "ACTOR"
                    else:
                        label = "PLACE"
            elif label in ACTOR_CANDIDATE_LABELS:
                if reg.resolve_actor(ent.text):
                    label, start, end = "ACTOR", ent.start, ent.end
                elif text[:1].isupper() and label != "NORP":
                    r = g.resolve_place(text, fuzzy=False)
                    if r is not None and r.resolution in ("exact", "alias"):
                        label = "PLACE"  # NER took a town for a person/organisation
            span = Span(doc, start, end, label=label, span_id=ent.id_ or "")
            spans.append(span)
        for _, s, e in self.matcher(doc):
            span = doc[s:e]
            if self.registry.resolve_actor(span.text):
                spans.append(Span(doc, s, e, label="ACTOR"))
        taken = [(sp.start, sp.end, sp.label_) for sp in spans]
        for _, s, e in self.name_matcher(doc):
            over = [t for t in taken if t[0] < e and s < t[1]]
            if any(lbl in ("PLACE", "ACTOR") or (e - s == 1) for _, _, lbl in over):
                continue
            if any(not (s <= a and b <= e) for a, b, _ in over):
                continue  # would cut through another entity
            if doc[s].lower_ in ("the", "a", "an") or any(t.tag_ in ("JJ", "NNPS") for t in doc[s:e]):
                continue  # "The Syrian", demonyms: not place names
            r = g.resolve_place(doc[s:e].text, fuzzy=False)
            if r is None:
                continue
            if reg.resolve_actor(doc[s:e].text):
                continue
            spans = [sp for sp in spans if not (s <= sp.start and sp.end <= e)]
            spans.append(Span(doc, s, e, label="PLACE"))
            taken = [(sp.start, sp.end, sp.label_) for sp in spans]
        # descriptive phrases win over the NORP/ORG pieces they contain; ruler PLACEs stay
        keep = filter_spans(sorted(spans, key=lambda sp: (sp.label_ != "PLACE", sp.start)))
        return sorted(keep, key=lambda sp: sp.start)

    # -- pass 2: resolution with context ------------------------------------------------------
    def _dateline(self, doc: Doc) -> str | None:
        if Doc.has_extension("dateline"):
            d = doc._.dateline
            if d:
                return str(d).split(",")[0].strip()
        return None

    def __call__(self, doc: Doc) -> Doc:
        g, reg = self.gazetteer, self.registry
        ents = self._relabel(doc)
        places = [e for e in ents if e.label_ == "PLACE"]
        # first, context-free resolutions; unambiguous ones form the article context
        first = {}
        for e in places:
            first[(e.start, e.end)] = g.resolve_place(e.text, fuzzy=self.fuzzy)
        article_ids = [r.place_id for r in first.values() if r and len(r.candidates) <= 1]
        govs = [g.by_id[r.place_id].governorate for r in first.values()
                if r and g.by_id[r.place_id].feature_type == "governorate"]
        dateline = self._dateline(doc)
        sent_of = {}
        if doc.has_annotation("SENT_START"):
            for e in places:
                sent_of[(e.start, e.end)] = e.sent.start
        for e in ents:
            key = (e.start, e.end)
            if e.label_ == "PLACE":
                r0 = first.get(key)
                r = r0
                if r0 is not None and len(r0.candidates) > 1:
                    near = [first[(o.start, o.end)].place_id for o in places
                            if (o.start, o.end) != key and first.get((o.start, o.end))
                            and sent_of.get((o.start, o.end)) == sent_of.get(key)
                            and len(first[(o.start, o.end)].candidates) <= 1]
                    ctx = PlaceContext(place_ids=[i for i in article_ids], near_place_ids=near,
                                       governorates=govs, dateline=dateline)
                    r = g.resolve_place(e.text, ctx, fuzzy=self.fuzzy)
                if r is not None:
                    e._.entity_id, e._.resolution = r.place_id, r.resolution
                    e._.resolution_score, e._.resolution_decision = r.score, r.decision
                else:
                    e._.entity_id = unresolved_id(e.text)
                    e._.resolution = "unresolved"
                    e._.resolution_score = 0.0
                    e._.resolution_decision = "not_in_gazetteer"
            elif e.label_ == "ACTOR":
                a = reg.resolve_actor(e.text)
                if a is None and e.id_:
                    a = reg.get(e.id_)
                if a is not None:
                    e._.entity_id, e._.side = a.actor_id, a.side
                    e._.resolution = "exact" if e.text.lower() == a.name.lower() else "alias"
                    e._.resolution_score = 1.0 if e._.resolution == "exact" else 0.95
                else:
                    e._.resolution = "unresolved"
        doc.ents = ents
        # doc.ents re-creates spans; extension values are keyed by offsets, so they persist
        return doc


@Language.factory(
    RESOLVER_NAME,
    default_config={"fuzzy": True},
)
def make_entity_resolver(nlp: Language, name: str, fuzzy: bool = True) -> EntityResolver:
    return EntityResolver(nlp, name, fuzzy=fuzzy)


def make_entity_ruler_patterns() -> list[dict]:
    return ruler_patterns(load_gazetteer(), load_actor_registry())


def add_entity_components(nlp: Language) -> Language:
    """Add the gazetteer/actor entity ruler before `ner` and the resolver after it."""
    where = {"before": "ner"} if "ner" in nlp.pipe_names else {}
    ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, **where,
                         config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns(make_entity_ruler_patterns())
    after = {"after": "ner"} if "ner" in nlp.pipe_names else {}
    nlp.add_pipe(RESOLVER_NAME, **after)
    return nlp
