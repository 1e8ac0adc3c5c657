"""Control claims: who took, left, entered, approached, besieged, fought for or struck which place.

Rules run on the dependency parse. A *trigger* is a verb or noun whose lemma is in one of the
event lexicons below; the *place* is a PLACE entity in the grammatical slot that the event gives
it (the object of "captured", the subject of a passive or of "fell", the `from` object of
"withdrew", the `of` object of "the capture of", …), including every member of a list under that
slot ("towns such as A and B", "locations including A, B and C"); the *actor* is the ACTOR entity
in the subject / agent / possessor slot, carried across coordinated verbs and, for they/it/their,
back to the nearest ACTOR subject in the same or the previous sentence. Certainty and attribution
come from pipeline/nlp/certainty.py, dates from pipeline/text/temporal.py. docs/claims.md lists
every rule and convention.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from spacy.attrs import LEMMA, LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.nlp.certainty import (
    _PARTY_WORDS,
    FIGHTING_SIDES,
    REPORT_VERBS,
    Assessor,
    _clause_chain,
)
from pipeline.nlp.lemmas import IRREGULAR_FORMS, lemma
from pipeline.nlp.spans import DocText, EntityIndex
from pipeline.nlp.types import Claim
from pipeline.text.temporal import DocDates

for _name in ("claims", "figures", "article_id", "published", "publisher"):
    Doc.set_extension(_name, default=None, force=True)
for _name in ("entity_id", "resolution", "side", "resolution_score"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)

# --- lexicons -------------------------------------------------------------------------------
VERB_EVENTS: dict[str, str] = {
    # captured
    "capture": "captured", "seize": "captured", "overrun": "captured", "storm": "captured",
    "liberate": "captured", "conquer": "captured", "occupy": "captured", "secure": "captured",
    "take": "captured", "grab": "captured", "wrest": "captured", "overtake": "captured",
    "fall": "captured", "gain": "captured", "win": "captured", "assume": "captured",
    "cut": "captured", "sever": "captured",  # only with a road object: "cut off the M5"
    # recaptured
    "recapture": "recaptured", "retake": "recaptured", "regain": "recaptured",
    "reclaim": "recaptured", "restore": "recaptured", "reconquer": "recaptured",
    "reoccupy": "recaptured", "re-take": "recaptured", "re-capture": "recaptured",
    # withdrew
    "withdraw": "withdrew", "retreat": "withdrew", "pull": "withdrew", "evacuate": "withdrew",
    "cede": "withdrew", "abandon": "withdrew", "redeploy": "withdrew", "reposition": "withdrew",
    "vacate": "withdrew", "lose": "withdrew", "surrender": "withdrew", "flee": "withdrew",
    "leave": "withdrew", "relinquish": "withdrew", "hand": "withdrew",
    # entered
    "enter": "entered", "infiltrate": "entered", "breach": "entered", "penetrate": "entered",
    "sweep": "entered", "storm into": "entered", "deploy": "entered",
    # advanced_to
    "advance": "advanced_to", "reach": "advanced_to", "approach": "advanced_to",
    "push": "advanced_to", "march": "advanced_to", "move": "advanced_to", "close": "advanced_to",
    "edge": "advanced_to", "head": "advanced_to", "press": "advanced_to", "progress": "advanced_to",
    "make": "advanced_to",  # only "made strides/gains/progress in X"
    # besieged
    "besiege": "besieged", "encircle": "besieged", "surround": "besieged",
    "blockade": "besieged", "encircled": "besieged",
    # contested
    "clash": "contested", "fight": "contested", "battle": "contested", "resist": "contested",
    # airstrike
    "bomb": "airstrike", "shell": "airstrike", "bombard": "airstrike", "strike": "airstrike",
    "pound": "airstrike", "target": "airstrike", "hit": "airstrike", "raid": "airstrike",
    "airstrike": "airstrike", "attack": "attempted", "assault": "attempted",
}
NOUN_EVENTS: dict[str, str] = {
    "capture": "captured", "seizure": "captured", "takeover": "captured", "fall": "captured",
    "conquest": "captured", "liberation": "captured", "control": "captured",
    "recapture": "recaptured", "retaking": "recaptured", "reconquest": "recaptured",
    "loss": "captured", "withdrawal": "withdrew", "retreat": "withdrew", "pullback": "withdrew",
    "pullout": "withdrew", "pull-out": "withdrew", "evacuation": "withdrew",
    "redeployment": "withdrew",
    "entry": "entered", "incursion": "entered",
    "advance": "advanced_to", "push": "advanced_to", "march": "advanced_to",
    "presence": "advanced_to",  # only "presence on the outskirts of X"
    "siege": "besieged", "encirclement": "besieged", "blockade": "besieged",
    "clash": "contested", "fighting": "contested", "battle": "contested", "fight": "contested",
    "combat": "contested", "attack": "attempted", "assault": "attempted",
    "offensive": "attempted", "counteroffensive": "attempted", "counterattack": "attempted",
    "airstrike": "airstrike", "strike": "airstrike", "bombardment": "airstrike",
    "shelling": "airstrike", "bombing": "airstrike", "raid": "airstrike", "barrage": "airstrike",
    "air-strike": "airstrike",
}
# Which prepositions introduce the place, per event, for verbs and for nouns.
VERB_PLACE_PREPS = {
    "captured": {"into", "including"}, "recaptured": {"including"},
    "withdrew": {"from", "out", "outside"},
    "entered": {"into", "in"},
    "advanced_to": {"to", "towards", "toward", "on", "into", "upon", "near", "in", "beyond",
                    "past"},
    "besieged": set(),
    "attempted": set(),
    "contested": {"in", "around", "near", "for", "over", "at", "outside", "inside"},
    "airstrike": {"on", "in", "near", "across", "against", "around", "over"},
}
NOUN_PLACE_PREPS = {
    "captured": {"of", "over", "including"}, "recaptured": {"of", "over", "including"},
    "withdrew": {"from", "out"},
    "entered": {"into", "in", "to"},
    "advanced_to": {"to", "towards", "toward", "on", "into", "upon", "in"},
    "besieged": {"of", "on", "around"},
    "attempted": {"on", "against", "toward", "towards"},
    "contested": {"in", "around", "near", "for", "over", "at", "outside", "inside", "on",
                  "against"},
    "airstrike": {"on", "in", "near", "across", "against", "around", "over", "of", "targeting"},
}
# Verbs whose direct object is the place; the others take it only through a preposition.
OBJECT_VERBS = {
    "captured": True, "recaptured": True, "withdrew": False, "entered": True,
    "advanced_to": False, "besieged": True, "contested": False, "airstrike": True,
    "attempted": True,
}
OBJECT_WITHDRAW = {"evacuate", "cede", "abandon", "vacate", "lose", "surrender", "leave",
                   "relinquish", "flee"}
OBJECT_ADVANCE = {"reach", "approach"}
# A light verb + noun that is itself the event ("took control of X", "launched an assault on X").
CONTROL_VERBS = {"take", "seize", "gain", "assume", "secure", "wrest", "establish", "extend",
                 "announce", "declare", "impose", "claim", "consolidate", "tighten", "restore",
                 "regain", "retake", "lose", "cede", "confirm"}
# Nouns a list of places hangs off ("towns such as …", "the city of …", "the outskirts of …").
MEMBER_PREPS = {"of", "as", "including", "include", "like", "in", "among", "notably",
                "especially", "particularly", "inside"}
TERRITORY_NOUNS = {"territory", "ground", "area", "land", "position", "village", "town", "city",
                   "hamlet", "locality", "settlement", "point", "site", "neighbourhood",
                   "neighborhood", "district", "hill", "base"}
AIR_WORDS = {"air", "warplane", "jet", "aircraft", "drone", "helicopter", "plane", "bomber",
             "airstrike", "artillery", "missile", "rocket"}
PRONOUNS = {"they", "them", "their", "it", "its", "he", "his"}
CONTROL_EVENTS = {"captured", "recaptured", "withdrew"}
GAIN_EVENTS = {"captured", "recaptured", "entered", "advanced_to", "besieged"}
# Only a place's own parts carry its control: "seized areas in X" is a (partial) capture of X,
# "the loss of key strongholds in X" names no place that changed hands (docs/claims.md).
AREA_NOUNS = {"territory", "area", "part", "swath", "swathe", "region", "countryside", "village",
              "town", "city", "locality", "neighbourhood", "neighborhood", "district", "land",
              "ground", "hamlet", "settlement", "section", "portion", "stretch", "outskirt",
              "outskirts", "suburb", "quarter", "province", "farmland", "plain", "zone", "pocket",
              "chunk", "much", "most", "all", "rest", "half"}
# Installations a force leaves: "evacuated their headquarters and posts in X" = left X.
FACILITY_NOUNS = {"headquarters", "headquarter", "post", "position", "base", "barrack",
                  "barracks", "checkpoint", "stronghold", "garrison", "outpost", "office",
                  "building", "airport", "airbase"}
# "the city" / "the town" back to the last place of that kind named in the same sentence.
ANAPHOR_TYPES = {"city": {"city", "town"}, "town": {"town", "city", "village"},
                 "village": {"village", "town"}}
POPULATED_TYPES = {"city", "town", "village", "neighbourhood"}
# "its neighbourhoods", "its outskirts": parts of a populated place named before.
PART_NOUNS = {"neighbourhood", "neighborhood", "outskirt", "outskirts", "street", "centre",
              "center", "suburb", "quarter", "periphery", "entrance", "gate", "edge"}
EDGE_NOUNS = {"outskirt", "outskirts", "gate", "gates", "edge", "edges", "doorstep", "vicinity",
              "perimeter", "periphery", "entrance"}
# Governors that make an event a wish or demand, not a report of anything: no claim.
WISH_GOVERNORS = {"call", "urge", "demand", "appeal", "wish", "want", "hope", "plead"}
# "the importance of reclaiming X": a gerund under an abstract noun names no event.
ABSTRACT_GOVERNORS = {"importance", "significance", "necessity", "symbolism", "value", "idea",
                      "meaning", "difficulty", "cost"}
# Light verb + progress noun: "made strides in X", "registered gains towards X".
PROGRESS_NOUNS = {"stride", "gain", "progress", "headway", "inroad", "advance", "breakthrough"}
DISTANCE_NOUNS = {"distance", "range", "reach", "kilometer", "kilometre", "km", "mile", "meter",
                  "metre", "kilometers", "kilometres", "miles", "meters", "metres"}
ROAD_WORDS = ("highway", "road", "motorway", "route", "m4", "m5")
OPPONENT = {"government": "opposition", "opposition": "government"}
# "expelled government forces from X", "were driven out of X": the subject's side took X and the
# object's side left it (active); the passive subject left it and the agent, if named, took it.
EXPEL_VERBS = {"expel", "drive", "oust", "force", "push", "kick", "chase", "evict", "dislodge",
               "flush", "rout", "clear", "purge"}
# Verbs of holding off an attack: "repelled an attack on X" is an attempt by the other camp.
REPEL_VERBS = {"repel", "repulse", "thwart", "foil", "fend", "beat", "counter", "halt", "stop",
               "block", "resist", "rebuff", "withstand"}
# "north of Hama": a compass word whose `of` object locates fighting or strikes near the place.
COMPASS_WORDS = {"north", "south", "east", "west", "northeast", "northwest", "southeast",
                 "southwest", "north-east", "north-west", "south-east", "south-west"}
# A single settlement "in" a larger place only uses the larger place as a locator ("a town in
# Idlib province"); plural areas in it ("villages in northern Hama") are a part of it.
SINGLE_PLACE_NOUNS = {"town", "village", "city", "hamlet", "locality", "settlement",
                      "neighbourhood", "neighborhood", "district", "suburb", "base", "airport",
                      "checkpoint", "position", "hill", "site", "crossing", "dam", "road"}
# A subject that names fighters but no camp ("fighters", "gunmen"): the nearest camp named in the
# paragraph before it is theirs (docs/claims.md).
BARE_FORCE_NOUNS = {"fighter", "gunman", "gunmen", "force", "unit", "man", "men", "combatant",
                    "soldier", "militiaman", "militiamen", "attacker", "assailant"}
FORCE_NOUNS = BARE_FORCE_NOUNS | {"troop", "reinforcement", "army", "militia", "battalion",
                                  "brigade", "tank", "convoy", "police"}
QUANTIFIERS = {"some", "many", "most", "all", "part", "one", "several", "hundreds", "dozens",
               "thousands", "few", "units", "elements", "remnants", "members"}
# Places with no Syrian governorate are outside Syria: a foreign war ("Russia is fighting in
# Ukraine") or a metaphor ("an attack on Syria's sovereignty") is no Syrian control claim.
FOREIGN_OK_EVENTS = {"airstrike"}
DESTINATION_PREPS = {"to", "toward", "towards"}

# Present-tense headline verbs ("HTS Seize Salamiyah as Syrian Army Withdraws").
HEADLINE_VERBS = {
    "seize": "captured", "seizes": "captured", "capture": "captured", "captures": "captured",
    "take": "captured", "takes": "captured", "storm": "captured", "storms": "captured",
    "overrun": "captured", "overruns": "captured", "recapture": "recaptured",
    "recaptures": "recaptured", "retake": "recaptured", "retakes": "recaptured",
    "withdraw": "withdrew", "withdraws": "withdrew", "retreat": "withdrew", "retreats": "withdrew",
    "enter": "entered", "enters": "entered",
}
HEADLINE_BREAKS = {"as", "after", "amid", "while", "following", ":", ";", "–", "—", ",", "in",
                   "near", "despite"}


def _is_headline(sent: Span, text: str) -> bool:
    """A title-case line (`text`: the sentence's) without final punctuation."""
    if text.rstrip()[-1:] in ".!?\"”'":
        return False
    words = [t for t in sent if t.is_alpha]
    if len(words) < 3:
        return False
    caps = [t for t in words if t.text[0].isupper()]
    return len(caps) >= 0.6 * len(words)


# Side of an air strike whose striker the sentence leaves implicit. In the Syrian war only the
# government camp (with Russia) flies over contested towns; the gold convention
# (docs/accuracy.md) codes such strikes `government`. A corpus about another war changes this.
DEFAULT_AIR_SIDE = "government"

_TRIGGER_WORDS = frozenset(VERB_EVENTS) | frozenset(NOUN_EVENTS) | DISTANCE_NOUNS | EXPEL_VERBS
_may_trigger: dict[tuple[int, int], bool] = {}  # (LOWER id, LEMMA id) -> could a rule fire on it


def _possible_triggers(doc: Doc) -> list[int]:
    """Indices of the tokens a word rule could fire on (a superset: `run` still tests each):
    most tokens cannot, and skipping them spares creating a Token object for each."""
    strings, out = doc.vocab.strings, []
    for i, key in enumerate(map(tuple, doc.to_array([LOWER, LEMMA]).tolist())):
        hit = _may_trigger.get(key)
        if hit is None:
            lower, lem = strings[key[0]], strings[key[1]].lower()
            lem = IRREGULAR_FORMS.get(lower, lem)
            hit = _may_trigger[key] = (lem in _TRIGGER_WORDS or lower.rstrip("s") in NOUN_EVENTS
                                       or lower in DISTANCE_NOUNS)
        if hit:
            out.append(i)
    return out


def _coordination_head(tok: Token) -> Token:
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    return tok


def _side(ent: Span | None) -> str | None:
    if ent is None:
        return None
    return ent._.side


@lru_cache(maxsize=1)
def _gazetteer():
    from pipeline.reference.gazetteer import load_gazetteer

    return load_gazetteer()


def feature_type(place: Span) -> str | None:
    """The gazetteer feature type of a resolved PLACE span (None when unresolved)."""
    pid = place._.entity_id
    if not pid or pid.startswith("unresolved:"):
        return None
    try:
        p = _gazetteer().get(pid)
    except Exception:  # reference data unavailable: anaphora and road rules just do not fire
        return None
    return p.feature_type if p is not None else None


def _is_road(place: Span) -> bool:
    return feature_type(place) == "road" or any(w in place.text.lower() for w in ROAD_WORDS)


class _Extractor:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.index = EntityIndex(doc)
        self.ents = self.index.at
        self.texts = DocText(doc)
        self.assess = Assessor(self.index, self.texts)
        self.published: dt.date | None = doc._.published if Doc.has_extension("published") else None
        self.dates = DocDates(self.published, text_of=self.texts.of, ents=self.index.all)
        self.sents = list(doc.sents)
        self.sent_index = {s.start: k for k, s in enumerate(self.sents)}
        self.claims: list[Claim] = []
        self.seen: set[tuple] = set()  # (sentence start, event, place start)
        self.control_mode: str | None = None  # the control event being extracted, if any
        # withdrawals whose sentence names no place they left: (trigger, actor)
        self.placeless: list[tuple[Token, tuple]] = []

    # -- entity helpers ----------------------------------------------------------------------
    def ent_of(self, tok: Token, label: str) -> Span | None:
        e = self.ents.get(tok.i)
        return e if e is not None and e.label_ == label else None

    def actors_in(self, tok: Token) -> list[Span]:
        """ACTOR entities in the phrase headed by `tok` (not inside its clauses)."""
        out: list[Span] = []
        stack = [tok]
        while stack:
            t = stack.pop()
            e = self.ent_of(t, "ACTOR")
            if e is not None and e not in out:
                out.append(e)
            for c in t.children:
                if c.dep_ in ("relcl", "acl", "advcl", "ccomp", "punct"):
                    continue
                stack.append(c)
        return sorted(out, key=lambda e: e.start)

    def places_under(self, tok: Token, *, stop: set[int] | None = None) -> list[Span]:
        """PLACE entities that `tok` is, or that are listed under it (conjuncts, appositions,
        "such as", "including", "the city of", "parts of", "territory in")."""
        out: list[Span] = []
        stack = [tok]
        visited: set[int] = set()
        while stack:
            t = stack.pop()
            if t.i in visited:
                continue
            visited.add(t.i)
            e = self.ent_of(t, "PLACE")
            if e is not None:
                if e not in out:
                    out.append(e)
                # continue only into coordinated / appositive members of the place itself
                for c in t.children:
                    if c.dep_ in ("conj", "appos") or (c.dep_ == "prep" and c.lower_ in ("as", "including")):
                        stack.append(c)
                    elif c.dep_ == "compound":
                        stack.append(c)
                continue
            named = self._names_place(t)
            single = t.tag_ == "NN" and t.lemma_.lower() in SINGLE_PLACE_NOUNS
            for c in t.children:
                d = c.dep_
                if named and d == "prep" and c.lower_ in ("in", "near", "inside"):
                    continue  # "the city of X in central Syria": a locator, not a member
                if single and d == "prep" and c.lower_ in ("in", "near", "inside", "outside"):
                    continue  # "a town in Idlib province": Idlib locates the town
                if self.control_mode and d == "prep" and c.lower_ in ("in", "inside") and \
                        t.lemma_.lower() not in AREA_NOUNS and t.lower_ not in AREA_NOUNS and \
                        not (self.control_mode == "withdrew" and t.lemma_.lower() in FACILITY_NOUNS) \
                        and t.pos_ in ("NOUN", "PROPN"):
                    continue
                if d in ("conj", "appos", "pobj", "compound", "poss", "nmod", "npadvmod"):
                    stack.append(c)
                elif d == "prep" and c.lower_ in MEMBER_PREPS:
                    stack.append(c)
                elif d in ("amod", "advmod", "acl", "prep") and c.lower_ in (
                    "such", "including", "notably", "especially", "particularly", "like"
                ):
                    stack.append(c)
                elif d == "dobj" and t.lower_ in ("including", "include"):
                    stack.append(c)
                elif d == "cc" or d == "det":
                    continue
        return sorted(out, key=lambda e: e.start)

    def anaphor_place(self, tok: Token) -> Span | None:
        """"the city", "the town", "its neighbourhoods": the most recent PLACE of a matching kind
        named earlier in the same sentence (never across sentences: too unsafe for control)."""
        if self.ents.get(tok.i) is not None or tok.pos_ not in ("NOUN", "PROPN"):
            return None
        lem = tok.lemma_.lower()
        kids = list(tok.children)
        if lem in ANAPHOR_TYPES and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that")
                                        for c in kids) and not self._names_place(tok):
            types = ANAPHOR_TYPES[lem]
        elif (lem in PART_NOUNS or tok.lower_ in PART_NOUNS) and any(
                c.dep_ == "poss" and c.lower_ == "its" for c in kids):
            types = POPULATED_TYPES
        else:
            return None
        for e in reversed([e for e in self.index.within(tok.sent) if e.label_ == "PLACE" and e.end <= tok.i]):
            if feature_type(e) in types:
                return e
        return None

    def slot_places(self, tok: Token) -> list[Span]:
        """Places in an argument slot: named ones, else an anaphor resolved in the sentence."""
        found = self.places_under(tok)
        if found:
            return found
        a = self.anaphor_place(tok)
        return [a] if a is not None else []

    def _names_place(self, t: Token) -> bool:
        """"the city of Hama": a container noun whose `of` object is a PLACE names that place."""
        for c in t.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                for g in c.children:
                    if g.dep_ == "pobj" and self.ent_of(g, "PLACE") is not None:
                        return True
        return False

    def real_subject(self, verb: Token) -> Token | None:
        """The nsubj of `verb`, with a relative pronoun replaced by the noun it modifies."""
        subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None and subj.lower_ in ("which", "that", "who") and verb.dep_ == "relcl":
            return verb.head
        if subj is None and verb.dep_ == "relcl":
            return verb.head
        return subj

    def prep_places(self, head: Token, preps: set[str]) -> list[tuple[Span, str]]:
        out = []
        for c in head.children:
            if c.dep_ in ("prep", "agent", "prt", "advmod") and c.lower_ in preps:
                # "out of X": the place is under "of"
                objs = [g for g in c.children if g.dep_ == "pobj"]
                for g in c.children:
                    if g.dep_ == "prep" and g.lower_ == "of":
                        objs += [h for h in g.children if h.dep_ == "pobj"]
                for o in objs:
                    for p in self.slot_places(o):
                        out.append((p, c.lower_))
            if c.dep_ in ("advmod", "npadvmod", "prep", "amod") and c.lower_ in COMPASS_WORDS and \
                    "near" in preps:
                # "battling government forces north of Hama": near the place, not in it
                for g in c.children:
                    if g.dep_ == "prep" and g.lower_ == "of":
                        for o in g.children:
                            if o.dep_ == "pobj":
                                out += [(p, "near") for p in self.slot_places(o)]
            # "targeting X" as a participle of the noun or verb
            if c.dep_ in ("acl", "advcl", "xcomp") and c.lemma_.lower() in ("target", "hit"):
                for g in c.children:
                    if g.dep_ == "dobj":
                        out += [(p, "targeting") for p in self.places_under(g)]
        return out

    # -- actor helpers -----------------------------------------------------------------------
    def subject(self, verb: Token) -> Token | None:
        t = verb
        for _ in range(6):
            subjects = [c for c in t.children if c.dep_ == "nsubj"]
            if subjects:
                # "HAMA, Syria (North Press) – HTS … advanced": a dateline place parsed as a
                # second subject must not hide the force named after it
                with_actor = [c for c in subjects if any(
                    _side(a) in FIGHTING_SIDES for a in self.actors_in(c))]
                return (with_actor or subjects)[0]
            if t.dep_ == "conj":
                t = t.head
                continue
            if t.dep_ == "xcomp":
                # object control ("allowing the factions to take") before subject control
                objs = [c for c in t.head.children if c.dep_ == "dobj"]
                if objs and self.actors_in(objs[0]):
                    return objs[0]
                t = t.head
                continue
            if t.dep_ in ("advcl", "acl", "pcomp") and t.tag_ in ("VBG", "VBN"):
                t = t.head
                if t.pos_ in ("NOUN", "PROPN"):
                    return t
                continue
            if t.dep_ == "relcl":
                return t.head
            break
        return None

    def agent(self, verb: Token) -> Token | None:
        for c in verb.children:
            if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                for g in c.children:
                    if g.dep_ == "pobj":
                        return g
        return None

    def antecedent(self, tok: Token) -> Span | None:
        """The nearest preceding ACTOR with a fighting side that is (part of) a subject, in the
        same sentence or the one before; else the nearest such ACTOR at all."""
        sent = tok.sent
        k = self.sent_index.get(sent.start, 0)
        scopes = [(sent.start, tok.i)]
        if k > 0:
            prev = self.sents[k - 1]
            scopes.append((prev.start, prev.end))
        for start, end in scopes:
            cands = [e for e in self.index.all if e.label_ == "ACTOR" and start <= e.start and
                     e.end <= end and _side(e) in FIGHTING_SIDES]
            subj = [e for e in cands if any(t.dep_ in ("nsubj", "nsubjpass", "conj", "poss")
                                            for t in e)]
            pick = subj[-1] if subj else (cands[-1] if cands else None)
            if pick is not None:
                # "HTS and allied factions … They": the group is named by its first member
                head = _coordination_head(pick.root)
                return self.ents.get(head.i, pick) if self.ent_of(head, "ACTOR") else pick
        return None

    def resolve_actor(self, tok: Token | None) -> tuple[Span | None, str | None, str | None]:
        """(ACTOR span, actor text, side) for a subject/agent/possessor token."""
        if tok is None:
            return None, None, None
        if tok.lower_ in PRONOUNS:
            ant = self.antecedent(tok)
            if ant is not None:
                return ant, ant.text, _side(ant)
            return None, None, None
        if tok.lower_ in QUANTIFIERS and self.ents.get(tok.i) is None:
            # "some of their units", "many of the fighters": the `of` object is the actor
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    for g in c.children:
                        if g.dep_ == "pobj":
                            return self.resolve_actor(g)
        actors = self.actors_in(tok)
        fighting = [a for a in actors if _side(a) in FIGHTING_SIDES]
        if fighting:
            return fighting[0], fighting[0].text, _side(fighting[0])
        if actors and tok.dep_ != "nsubj":
            # a source (SOHR, a news agency) is never the actor of a capture; as a subject it
            # is a parse slip ("HAMA, Syria (North Press) – HTS … advanced"), so fall through
            return actors[0], actors[0].text, None
        poss = next((c for c in tok.children if c.dep_ == "poss" and c.lower_ in PRONOUNS), None)
        if poss is not None:
            # "its forces", "their fighters": the possessor's actor
            ant = self.antecedent(poss)
            if ant is not None:
                return ant, ant.text, _side(ant)
        text = self.doc[tok.left_edge.i : tok.right_edge.i + 1].text
        for pat, side in _PARTY_WORDS:
            if pat.search(text):
                return None, text, side
        if tok.lemma_.lower() in BARE_FORCE_NOUNS or tok.lower_ in BARE_FORCE_NOUNS:
            ctx = self.paragraph_actor(tok)
            if ctx is not None:
                return ctx, text, _side(ctx)
        return None, None, None

    def context_actor(self, trigger: Token, exclude: set[int]) -> Span | None:
        """An actor named earlier in the sentence (or the previous one) for an actor-less event:
        the nearest fighting ACTOR that is a subject or possessor, not the one it clashed with."""
        sent = trigger.sent
        k = self.sent_index.get(sent.start, 0)
        scopes = [sent]
        if k > 0:
            scopes.append(self.sents[k - 1])
        for s in scopes:
            cands = []
            for e in self.index.within(s):
                if e.label_ != "ACTOR" or _side(e) not in FIGHTING_SIDES or e.start in exclude:
                    continue
                r = e.root
                if r.head.lower_ in ("with", "against") or r.head.lemma_.lower() in (
                    "withdraw", "retreat"
                ):
                    continue
                if r.dep_ == "conj":
                    r = _coordination_head(r)
                if r.dep_ in ("nsubj", "nsubjpass", "poss", "compound", "appos") or (
                    r.dep_ == "pobj" and r.head.lower_ == "by"
                ):
                    cands.append(e)
            if cands:
                before = [e for e in cands if e.start < trigger.i]
                return (before or cands)[-1]
        return None

    @staticmethod
    def _in_syria(place: Span) -> bool:
        """False for a resolved place outside Syria and for the country itself (a claim about
        "Syria" as a whole is rhetoric, not control of a place); unresolved names pass."""
        pid = place._.entity_id
        if not pid or pid.startswith("unresolved:"):
            return True
        try:
            p = _gazetteer().get(pid)
        except Exception:
            return True
        if p is None:
            return True
        return bool(p.governorates) and p.feature_type != "country"

    def paragraph_actor(self, tok: Token) -> Span | None:
        """The nearest fighting ACTOR named before `tok` in its paragraph (else after it in the
        same sentence): whose "fighters" or "gunmen" a bare noun means."""
        text = self.texts.text
        para_start = text.rfind("\n", 0, tok.idx) + 1
        before = [e for e in self.index.all if e.label_ == "ACTOR" and _side(e) in FIGHTING_SIDES
                  and e.start_char >= para_start and e.end <= tok.i]
        if before:
            return before[-1]
        after = [e for e in self.index.within(tok.sent) if e.label_ == "ACTOR" and _side(e) in FIGHTING_SIDES
                 and e.start > tok.i and e.root.head.lower_ not in ("with", "against")]
        return after[0] if after else None

    # -- emit --------------------------------------------------------------------------------
    def emit(self, trigger: Token, event: str, place: Span, extractor: str,
             actor: tuple[Span | None, str | None, str | None], extra: dict | None = None):
        sent = trigger.sent
        a_span, a_text, side = actor
        if event not in FOREIGN_OK_EVENTS and not self._in_syria(place):
            return
        _, governors = _clause_chain(trigger)
        if any(lemma(g) in WISH_GOVERNORS and g.i < trigger.i for g in governors) or (
                trigger.tag_ == "VBG" and trigger.dep_ == "pcomp" and trigger.head.lower_ == "of"
                and lemma(trigger.head.head) in ABSTRACT_GOVERNORS):
            return  # "called for the takeover of X": a demand, not an event
        assessment = self.assess(trigger, side=side)
        final_event = event
        if assessment.attempted and event in ("captured", "recaptured", "entered", "contested"):
            final_event = "attempted"
        key = (sent.start, final_event, place.start)
        if key in self.seen:
            # one claim per (sentence, event, place); a rule that knows the side wins
            old = next(c for c in self.claims if c.extra["key"] == key)
            if old.side != "unknown" or not side:
                return
            self.claims.remove(old)
        self.seen.add(key)
        if final_event == "airstrike" and not side:
            side = DEFAULT_AIR_SIDE
        ref = self.dates.governing(trigger, sent) or self.dates.of_sentence(sent)
        if assessment.certainty in ("hypothetical", "negated", "denied"):
            # what did not happen has no date
            event_date, precision, date_text, date_source = None, "unknown", None, "not_an_event"
        elif ref is not None:
            event_date, precision, date_text = ref.date, ref.precision, ref.text
            date_source = "text"
        elif self.published is not None:
            # no date in the text: the publication date bounds the event (docs/claims.md)
            event_date, precision, date_text = self.published, "week", None
            date_source = "publication"
        else:
            event_date, precision, date_text, date_source = None, "unknown", None, "none"
        place_id = place._.entity_id or f"unresolved:{place.text.lower()}"
        claim = Claim(
            start_char=sent.start_char,
            end_char=sent.end_char,
            event=final_event,
            place_text=place.text,
            place_id=place_id,
            actor_text=a_text,
            actor_id=a_span._.entity_id if a_span is not None else None,
            side=side if side else "unknown",
            event_date=event_date,
            date_text=date_text,
            date_precision=precision,
            attribution_text=assessment.attribution_text,
            certainty=assessment.certainty,
            extractor=extractor,
            is_historical=self.dates.historical(trigger, sent),
            extra={
                "trigger": trigger.text,
                "trigger_i": trigger.i,
                "key": key,
                "place_i": place.start,
                "date_source": date_source,
                "cues": assessment.cues,
                "source_side": assessment.source_side,
                **({"intended_event": event} if final_event != event else {}),
                **(extra or {}),
            },
        )
        self.claims.append(claim)

    # -- rules -------------------------------------------------------------------------------
    def run(self) -> list[Claim]:
        # every word test below must let through what `_possible_triggers` lets through
        triggers = _possible_triggers(self.doc)
        k = 0
        for sent in self.sents:
            while k < len(triggers) and triggers[k] < sent.start:
                k += 1
            while k < len(triggers) and triggers[k] < sent.end:
                tok = self.doc[triggers[k]]
                k += 1
                lem = lemma(tok)
                if tok.pos_ in ("VERB",) or (tok.pos_ == "AUX" and lem not in ("be", "have")):
                    if lem in EXPEL_VERBS and self.expel_rule(tok):
                        continue
                    if lem in VERB_EVENTS:
                        self.verb_rule(tok, VERB_EVENTS[lem])
                elif tok.pos_ in ("NOUN", "PROPN"):
                    key = lem if lem in NOUN_EVENTS else tok.lower_.rstrip("s")
                    if key in NOUN_EVENTS:
                        self.noun_rule(tok, NOUN_EVENTS[key])
                    if lem in DISTANCE_NOUNS or tok.lower_ in DISTANCE_NOUNS:
                        self.distance_rule(tok)
            if _is_headline(sent, self.texts.of(sent)):
                self.headline_rule(sent)
        self.control_mode = None
        self.resolve_placeless()
        self.infer_sides()
        self.claims.sort(key=lambda c: (c.start_char, c.extra.get("trigger_i", 0)))
        return self.claims

    # -- rules over whole sentences --------------------------------------------------------
    def distance_rule(self, tok: Token) -> None:
        """"within 10 km of X", "within striking distance of X", "5 miles away from X":
        advanced_to X by the force the distance is said of; "X is within striking distance of
        rebel forces" the other way round. A distance between two places is no claim."""
        holders = [tok]
        if tok.dep_ == "npadvmod" and tok.head.lower_ in ("away", "off", "short"):
            holders.append(tok.head)
        if tok.dep_ == "pobj" and tok.head.lower_ in ("within", "in"):
            anchor = tok.head.head
        elif tok.dep_ == "npadvmod" and tok.head.lower_ == "away":
            anchor = tok.head.head
        else:
            return
        targets = [g for h in holders for c in h.children
                   if c.dep_ == "prep" and c.lower_ in ("of", "from")
                   for g in c.children if g.dep_ == "pobj"]
        if not targets:
            return
        if anchor.pos_ in ("VERB", "AUX"):
            mover = None
            if lemma(anchor) in ("bring", "put", "place", "get", "leave", "move", "take"):
                mover = next((c for c in anchor.children if c.dep_ == "dobj"), None)
            mover = mover or self.subject(anchor) or next(
                (c for c in anchor.children if c.dep_ == "nsubjpass"), None)
        else:
            mover = anchor
        if mover is None:
            return
        places = [p for t in targets for p in self.slot_places(t)]
        actor = self.resolve_actor(mover)
        if not places:
            # "Hama is now within striking distance of opposition forces"
            actor = next((a for a in (self.resolve_actor(t) for t in targets)
                          if a[2] in FIGHTING_SIDES), (None, None, None))
            places = self.slot_places(mover)
        if actor[2] not in FIGHTING_SIDES:
            return
        for p in places:
            if feature_type(p) != "country":
                self.emit(tok, "advanced_to", p, "distance", actor)

    def headline_rule(self, sent: Span) -> None:
        """Headline grammar the tagger misreads ("Rebels Seize Saraqib as Army Withdraws"):
        a capitalised trigger verb between the ACTORs before it and the PLACEs after it."""
        ents = [e for e in self.index.within(sent) if e.label_ in ("ACTOR", "PLACE")]
        for tok in sent:
            ev = HEADLINE_VERBS.get(tok.lower_)
            if ev is None or self.ents.get(tok.i) is not None:
                continue
            start = max([sent.start] + [t.i + 1 for t in sent if t.i < tok.i and
                                        t.lower_ in HEADLINE_BREAKS])
            stop = min([sent.end] + [t.i for t in sent if t.i > tok.i and
                                     t.lower_ in HEADLINE_BREAKS])
            actors = [e for e in ents if e.label_ == "ACTOR" and start <= e.start and e.end <= tok.i
                      and _side(e) in FIGHTING_SIDES]
            places = [e for e in ents if e.label_ == "PLACE" and tok.i < e.start and e.end <= stop]
            if not actors:
                continue
            actor = (actors[0], actors[0].text, _side(actors[0]))
            if ev == "withdrew" and not places:
                self.placeless.append((tok, actor))
            for p in places:
                self.emit(tok, ev, p, "headline", actor)

    def resolve_placeless(self) -> None:
        """A withdrawal that names no place, in a sentence that says what was captured ("X fell
        to HTS following the withdrawal of government forces", "Rebels Seize X as Army
        Withdraws"), is a withdrawal from that place; its side is its own actor's, else the
        capturer's opponent."""
        for trig, actor in self.placeless:
            start = trig.sent.start
            caps = [c for c in self.claims if c.extra["key"][0] == start
                    and c.event in ("captured", "recaptured")
                    and c.certainty not in ("hypothetical", "negated", "denied")]
            for c in caps:
                place = self.ents.get(c.extra["place_i"])
                if place is None:
                    continue
                side = actor[2] if actor[2] in FIGHTING_SIDES else OPPONENT.get(c.side)
                self.emit(trig, "withdrew", place, "counterpart", (actor[0], actor[1], side))

    def infer_sides(self) -> None:
        by_sent: dict[int, list[Claim]] = {}
        for c in self.claims:
            by_sent.setdefault(c.extra["key"][0], []).append(c)
        for start, cs in by_sent.items():
            # "the loss of X, which slipped out of government control": one change of hands,
            # told from both ends; the loser's side names the winner
            for w in [c for c in cs if c.event == "withdrew" and c.extractor == "control_change"]:
                twins = [c for c in cs if c.event == "captured" and c.place_id == w.place_id
                         and c.extractor == "nominal"]
                if twins:
                    for t in twins:
                        if t.side == "unknown" and w.side in OPPONENT:
                            t.side = OPPONENT[w.side]
                    self.claims.remove(w)
                    cs.remove(w)
            # one place captured by one side and left by the other
            for c in cs:
                if c.side != "unknown" or c.event not in CONTROL_EVENTS:
                    continue
                other = [o.side for o in cs if o.place_id == c.place_id and o.side in OPPONENT
                         and (o.event == "withdrew") != (c.event == "withdrew")
                         and o.event in CONTROL_EVENTS]
                if other:
                    c.side = OPPONENT[other[0]]
            # a withdrawal with no actor: the side of the sentence's other withdrawals, else the
            # one camp the sentence names that gained nothing in it
            for c in cs:
                if c.side != "unknown" or c.event != "withdrew":
                    continue
                sides = {o.side for o in cs if o.event == "withdrew" and o.side in FIGHTING_SIDES}
                if len(sides) != 1:
                    sides = self._bystander_sides(self.doc[start].sent, cs)
                if len(sides) == 1:
                    c.side = next(iter(sides))
                    c.extra["side_from"] = "sentence"
            # "newly captured areas" bombed "in response" by one camp: captured by its opponent
            for c in cs:
                if c.side == "unknown" and c.event == "captured" and c.extractor == "verb_passive":
                    strikes = {o.side for o in cs if o.event == "airstrike" and o.place_id == c.place_id
                               and o.actor_text}
                    camps = {("government" if s == "russia" else s) for s in strikes}
                    if len(camps) == 1 and next(iter(camps)) in OPPONENT:
                        c.side = OPPONENT[next(iter(camps))]
                        c.extra["side_from"] = "struck_by_opponent"

    def _bystander_sides(self, sent: Span, cs: list[Claim]) -> set[str]:
        gainers = {c.side for c in cs if c.event in GAIN_EVENTS}
        sides = set()
        for e in self.index.within(sent):
            if e.label_ != "ACTOR" or _side(e) not in FIGHTING_SIDES:
                continue
            r = e.root
            if r.dep_ in ("nsubj", "nsubjpass") and lemma(r.head) in REPORT_VERBS:
                continue  # a source, not a party to the withdrawal
            sides.add(_side(e))
        if sides & gainers or not sides <= set(OPPONENT):
            return set()
        return sides

    def verb_rule(self, verb: Token, event: str) -> None:
        lem = lemma(verb)
        children = list(verb.children)
        self.control_mode = event if event in CONTROL_EVENTS else None
        if lem in ("cut", "sever"):
            self.road_rule(verb)
            return
        if lem == "make":
            self.progress_rule(verb)
            return
        prts = {c.lower_ for c in children if c.dep_ in ("prt", "advmod")}
        passive = any(c.dep_ in ("auxpass",) for c in children) or (
            verb.tag_ == "VBN" and verb.dep_ in ("acl", "amod") and event != "withdrew"
        )
        if lem == "pull" and not (prts & {"out", "back"} or any(
            c.dep_ == "prep" and c.lower_ in ("from", "out") for c in children)):
            return
        if lem in ("move", "head", "press", "close", "edge", "progress") and not any(
            c.dep_ == "prep" and c.lower_ in ("to", "towards", "toward", "on", "into", "in")
            for c in children
        ):
            return
        if lem == "sweep" and not any(c.dep_ == "prep" and c.lower_ in ("into", "through") for c in children):
            event = "captured"
        if event == "airstrike" and lem in ("strike", "hit", "target", "raid") and not self._air_context(verb):
            if lem != "target":
                return
            event = "attempted"  # "the campaign targeted key locations": an attack, not a strike
        if lem in ("flee", "leave", "hand") and not self.actors_in(self.subject(verb) or verb):
            return
        if lem == "deploy":
            # only forces deploy into a place ("deployed chlorine gas in X" is no entry)
            mover = next((c for c in children if c.dep_ in ("dobj", "nsubjpass")), None)
            if mover is None:
                mover = self.subject(verb)
            if mover is None or not (self.actors_in(mover) or mover.lemma_.lower() in FORCE_NOUNS
                                     or self.resolve_actor(mover)[2] in FIGHTING_SIDES):
                return
        if lem in ("win", "gain", "assume") and not any(
            c.dep_ == "dobj" and c.lemma_.lower() in ("control", "city", "town") for c in children
        ):
            return

        # intransitive fall: "Hama fell to the rebels", "X has fallen"
        if lem == "fall":
            subj = next((c for c in children if c.dep_ == "nsubj"), None)
            if subj is None and verb.dep_ in ("acl", "relcl") and verb.head.dep_ == "attr":
                # "Hama is the second major city to fall to HTS"
                subj = next((c for c in verb.head.head.children if c.dep_ == "nsubj"), None)
            # "fell under/out of control" is the control noun's business
            if subj is None or any(c.dep_ == "prep" and c.lower_ in ("under", "out", "into", "from", "in")
                                   for c in children):
                return
            places = self.slot_places(subj)
            to = [g for c in children if c.dep_ == "prep" and c.lower_ == "to"
                  for g in c.children if g.dep_ == "pobj"]
            actor = self.resolve_actor(to[0]) if to else (None, None, None)
            if actor[0] is None and actor[2] is None:
                ctx = self.context_actor(verb, {p.start for p in places})
                actor = (ctx, ctx.text, _side(ctx)) if ctx is not None else actor
            for p in places:
                self.emit(verb, "captured", p, "intransitive_fall", actor)
            return

        subj_tok = self.subject(verb)
        if passive:
            place_slot = next((c for c in children if c.dep_ == "nsubjpass"), None)
            if place_slot is None and verb.dep_ in ("acl", "amod"):
                place_slot = verb.head
            actor = self.resolve_actor(self.agent(verb))
            places = []
            if place_slot is not None and not self.actors_in(place_slot):
                places = [(p, "verb_passive") for p in self.slot_places(place_slot)]
            # "troops were forced out of X": the subject is the actor
            if place_slot is not None and self.actors_in(place_slot):
                actor = self.resolve_actor(place_slot)
            places += [(p, "verb_passive") for p, _ in self.prep_places(verb, VERB_PLACE_PREPS[event])
                       if not self._is_destination(p)]
            if actor[0] is None and actor[2] is None and verb.dep_ not in ("amod", "acl"):
                ctx = self.context_actor(verb, {p.start for p, _ in places})
                actor = (ctx, ctx.text, _side(ctx)) if ctx is not None else actor
            for p, rule in places:
                self.emit(verb, event, p, rule, actor)
            return

        if event == "advanced_to" and self._retreating(verb, subj_tok):
            return  # "withdrew from X, heading towards Y": a retreat's destination, no advance
        actor = self.resolve_actor(subj_tok)
        found: list[tuple[Span, str]] = []
        objs = [c for c in children if c.dep_ in ("dobj", "attr")]
        if objs:
            # "seized territory in A, as well as villages in B": the small model hangs the second
            # object on the verb as a conjunct
            objs += [c for c in children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")
                     and c.i > objs[0].i]
        for o in objs:
            ol = o.lemma_.lower()
            if ol == "control" or ol in ("hold", "grip", "foothold"):
                found += [(p, "verb_control") for p, _ in self.prep_places(o, {"of", "over"})]
                continue
            if ol in EDGE_NOUNS or o.lower_ in EDGE_NOUNS:
                found += [(p, "verb_active") for p in self.slot_places(o)]
                continue
            takes_object = OBJECT_VERBS[event] or lem in OBJECT_WITHDRAW or lem in OBJECT_ADVANCE
            if takes_object:
                members = self.slot_places(o)
                rule = "list_member" if len(members) > 1 else "verb_active"
                found += [(p, rule) for p in members]
        first = objs[0] if objs else None
        if first is not None and not self.slot_places(first) and (
            (event in ("captured", "recaptured") and first.lemma_.lower() in TERRITORY_NOUNS)
            or (lem in OBJECT_WITHDRAW and (first.lemma_.lower() in TERRITORY_NOUNS
                                            or first.lemma_.lower() in FACILITY_NOUNS
                                            or first.lower_ in FACILITY_NOUNS))
        ):
            # "seized territory in the Ghab plain", "evacuated their posts in X": the place is
            # on the verb's `in`
            found += [(p, "verb_active") for p, _ in self.prep_places(verb, {"in", "across", "inside"})]
        if first is not None and not found and event in ("attempted", "airstrike") and \
                (first.lemma_.lower() in FACILITY_NOUNS or first.lemma_.lower() in TERRITORY_NOUNS):
            # "attacked a checkpoint near Rastan", "hit positions in X": the place locates it
            found += [(p, "verb_active") for p, _ in
                      self.prep_places(first, {"near", "in", "outside", "around", "on"})]
        into: set[int] = set()
        vp = self.prep_places(verb, VERB_PLACE_PREPS[event])
        if event == "advanced_to" and any(prep != "in" for _, prep in vp):
            # "pushed beyond Rastan in northern Homs": the `in` phrase locates the goal
            vp = [(p, prep) for p, prep in vp if prep != "in"]
        for p, prep in vp:
            if prep not in DESTINATION_PREPS or event == "advanced_to":
                found.append((p, "verb_prep"))
                if prep == "into" and event == "advanced_to":
                    into.add(p.start)  # "advancing into the city" = entered
        if event == "withdrew":
            # "withdrew from Hama to positions near Homs": only the `from` object was left
            found = [(p, r) for p, r in found if not self._is_destination(p)]
        if lem in ("take",) and not found:
            return
        if actor[0] is None and actor[2] is None and subj_tok is None:
            ctx = self.context_actor(verb, {p.start for p, _ in found})
            actor = (ctx, ctx.text, _side(ctx)) if ctx is not None else actor
        if event == "advanced_to":
            found = [(p, r) for p, r in found if feature_type(p) != "country"]
        if event == "withdrew" and not found and not self._has_destination(verb):
            self.placeless.append((verb, actor))
        for p, rule in found:
            if actor[0] is not None and p.start == actor[0].start:
                continue
            self.emit(verb, "entered" if p.start in into else event, p, rule, actor)
        if event == "withdrew" and lem in ("cede", "lose", "surrender", "hand", "relinquish"):
            # "ceding the city to advancing opposition forces": the receiver captured it
            receiver = self._to_actor(verb)
            if receiver[2] in FIGHTING_SIDES:
                for p, _ in found:
                    self.emit(verb, "captured", p, "counterpart", receiver)

    @staticmethod
    def _retreating(verb: Token, subj: Token | None) -> bool:
        """The mover is withdrawing: the verb hangs off a withdrawal verb ("pulled out of X,
        heading towards Y") or its subject is "retreating/fleeing troops"."""
        t = verb
        while t.dep_ in ("advcl", "conj", "xcomp", "acl") and t.head.i != t.i:
            t = t.head
            if VERB_EVENTS.get(lemma(t)) == "withdrew":
                return True
        if subj is not None:
            for c in subj.children:
                if c.dep_ in ("amod", "acl") and VERB_EVENTS.get(lemma(c)) == "withdrew":
                    return True
        return False

    @staticmethod
    def _has_destination(tok: Token) -> bool:
        return any(c.dep_ == "prep" and c.lower_ in DESTINATION_PREPS for c in tok.children)

    def _to_actor(self, verb: Token) -> tuple[Span | None, str | None, str | None]:
        for c in verb.children:
            if c.dep_ in ("prep", "dative") and c.lower_ == "to":
                for g in c.children:
                    if g.dep_ == "pobj":
                        return self.resolve_actor(g)
                    if g.dep_ == "pcomp":  # "to advancing opposition forces"
                        for h in g.children:
                            if h.dep_ in ("dobj", "nsubj"):
                                return self.resolve_actor(h)
        return None, None, None

    def expel_rule(self, verb: Token) -> bool:
        """"HTS expelled government forces from X", "drove the army out of X", "troops were
        driven out of X (by HTS)": withdrew by the expelled side, captured by the expelling one.
        False (no claim) when the verb has no from/out-of place and an expelled force."""
        children = list(verb.children)
        found = [p for p, _ in self.prep_places(verb, {"from", "out"})
                 if not self._is_destination(p)]
        if not found:
            return False
        self.control_mode = "withdrew"
        passive = any(c.dep_ == "auxpass" for c in children)
        if passive:
            expelled = next((c for c in children if c.dep_ == "nsubjpass"), None)
            expeller = self.agent(verb)
        else:
            expelled = next((c for c in children if c.dep_ == "dobj"), None)
            expeller = self.subject(verb)
        if expelled is None:
            return False
        loser = self.resolve_actor(expelled)
        winner = self.resolve_actor(expeller)
        if loser[2] not in FIGHTING_SIDES and winner[2] not in FIGHTING_SIDES:
            return False
        if loser[2] not in FIGHTING_SIDES and winner[2] in OPPONENT:
            loser = (None, None, OPPONENT[winner[2]])
        if winner[2] not in FIGHTING_SIDES and loser[2] in OPPONENT:
            winner = (None, None, OPPONENT[loser[2]])
        for p in found:
            self.emit(verb, "withdrew", p, "expel", loser)
            if winner[2] in FIGHTING_SIDES:
                self.emit(verb, "captured", p, "expel", winner)
        return True

    def road_rule(self, verb: Token) -> None:
        """"cutting off the M5 highway", "severed the Aleppo–Damascus road": a section of a road
        taken (captured, by the subject); other objects of cut/sever are not control."""
        places = [p for c in verb.children if c.dep_ == "dobj" for p in self.places_under(c)
                  if _is_road(p)]
        if not places:
            return
        subj = self.subject(verb)
        actor = self.resolve_actor(subj)
        if actor[2] is None and subj is None:
            ctx = self.context_actor(verb, {p.start for p in places})
            actor = (ctx, ctx.text, _side(ctx)) if ctx is not None else actor
        for p in places:
            self.emit(verb, "captured", p, "verb_active", actor, extra={"note": "road cut"})

    def progress_rule(self, verb: Token) -> None:
        """"made strides in X", "have made gains towards X": advanced_to X (not a country)."""
        objs = [c for c in verb.children if c.dep_ == "dobj" and c.lemma_.lower() in PROGRESS_NOUNS]
        if not objs:
            return
        preps = {"in", "into", "to", "towards", "toward", "on", "around", "near"}
        found = self.prep_places(verb, preps) + self.prep_places(objs[0], preps)
        found = [p for p, _ in found if feature_type(p) != "country"]
        if not found:
            return
        subj = self.subject(verb)
        actor = self.resolve_actor(subj)
        if actor[2] is None and subj is None:
            ctx = self.context_actor(verb, {p.start for p in found})
            actor = (ctx, ctx.text, _side(ctx)) if ctx is not None else actor
        for p in found:
            self.emit(verb, "advanced_to", p, "verb_prep", actor)

    def _air_context(self, tok: Token) -> bool:
        words = [tok.lower_] + [t.lemma_.lower() for t in tok.subtree if t.i < tok.i] + [
            t.lemma_.lower() for t in tok.children]
        subj = self.subject(tok) if tok.pos_ == "VERB" else None
        if subj is not None:
            words += [t.lemma_.lower() for t in subj.subtree]
        return any(w in AIR_WORDS or w.startswith("air") for w in words)

    def _is_destination(self, place: Span) -> bool:
        t = place.root
        for _ in range(4):
            if t.dep_ == "pobj" and t.head.lower_ in DESTINATION_PREPS:
                return True
            if t.dep_ == "pobj" and t.head.lower_ in ("near",) and t.head.head.dep_ == "pobj" and \
                    t.head.head.head.lower_ in DESTINATION_PREPS:
                return True
            t = t.head
        return False

    def noun_rule(self, noun: Token, event: str) -> None:
        lem = noun.lemma_.lower()
        children = list(noun.children)
        head = noun.head
        self.control_mode = event if event in CONTROL_EVENTS else None
        if lem == "control":
            self.control_rule(noun)
            return
        # the noun is only the event when a light verb or the noun itself carries the place
        if lem in ("strike", "raid") and not self._air_context(noun) and not any(
            c.dep_ == "prep" and c.lower_ == "on" for c in children
        ):
            return
        if lem == "advance" and not any(c.dep_ == "prep" and c.lower_ in NOUN_PLACE_PREPS[event]
                                        for c in children):
            return
        if lem == "presence" and not any(
            c.dep_ == "prep" and c.lower_ in ("on", "at", "near") and any(
                g.dep_ == "pobj" and (g.lemma_.lower() in EDGE_NOUNS or g.lower_ in EDGE_NOUNS)
                for g in c.children)
            for c in children
        ):
            return  # "a presence in X" is a state of holding, not an approach
        places: list[tuple[Span, str]] = []
        preps = NOUN_PLACE_PREPS[event]
        if lem in ("loss", "evacuation", "abandonment", "handover", "surrender", "attack", "assault"):
            preps = preps | {"of"}
        for p, prep in self.prep_places(noun, preps):
            if prep in DESTINATION_PREPS and event not in ("advanced_to", "entered"):
                continue
            places.append((p, "nominal"))
        if event in ("contested", "airstrike") and noun.dep_ in ("nsubj", "nsubjpass") and \
                head.pos_ in ("VERB", "AUX"):
            # "clashes erupted around X", "strikes continued on X": the light verb holds the place
            pp = self.prep_places(head, NOUN_PLACE_PREPS[event])
            if any(prep != "in" for _, prep in pp):
                # "clashes continued around X in northern Hama": the `in` phrase locates X
                pp = [(p, prep) for p, prep in pp if prep != "in"]
            places += [(p, "nominal") for p, _ in pp]
        poss = next((c for c in children if c.dep_ == "poss"), None)
        poss_actor = None
        if poss is not None:
            if self.places_under(poss) and not self.actors_in(poss):
                if event in ("captured", "recaptured", "besieged", "withdrew", "airstrike", "attempted"):
                    places += [(p, "nominal") for p in self.places_under(poss)]
            else:
                poss_actor = poss
        # compound place: "the Hama offensive", "Aleppo clashes"
        if event in ("contested", "airstrike"):
            for c in children:
                if c.dep_ == "compound":
                    places += [(p, "nominal") for p in self.places_under(c)]
        if event == "advanced_to":
            places = [(p, r) for p, r in places if feature_type(p) != "country"]
        if not places and event != "withdrew":
            return
        # actor: possessor, "by X", "of ACTOR" (withdrawal of government forces), subject of the
        # light verb, else the context
        actor = (None, None, None)
        if poss_actor is not None:
            actor = self.resolve_actor(poss_actor)
        if actor[2] is None:
            ag = self.agent(noun)
            if ag is not None:
                actor = self.resolve_actor(ag)
        if actor[2] is None:
            for c in children:
                if c.dep_ == "prep" and c.lower_ in ("of", "from") and event in ("withdrew", "airstrike", "entered", "advanced_to", "contested"):
                    for g in c.children:
                        if g.dep_ == "pobj" and self.actors_in(g):
                            actor = self.resolve_actor(g)
                if c.dep_ == "amod" or c.dep_ == "compound":
                    a = self.resolve_actor(c)
                    if a[2] is not None and event not in ("contested",):
                        actor = a
        gov = head.head if noun.dep_ == "pobj" and head.lower_ in ("with", "in") else head
        if actor[2] is None and gov.pos_ in ("VERB", "AUX") and noun.dep_ in ("dobj", "pobj") and \
                gov.lemma_.lower() not in ("mark", "follow", "underscore", "reflect", "see") and \
                gov.lemma_.lower() not in REPORT_VERBS:
            actor = self.resolve_actor(self.subject(gov))
        if actor[2] is None and event in ("captured", "recaptured", "entered", "advanced_to", "besieged"):
            ctx = self.context_actor(noun, {p.start for p, _ in places})
            if ctx is not None:
                actor = (ctx, ctx.text, _side(ctx))
        if not places:
            # "following the withdrawal of government forces": the place may be the one the
            # sentence says was captured (resolved after all rules ran); a withdrawal "to Homs"
            # left somewhere the sentence does not say
            if not self._has_destination(noun):
                self.placeless.append((noun, actor))
            return
        if event == "attempted" and lem in ("attack", "assault", "offensive", "counteroffensive",
                                           "counterattack"):
            if not any(c.dep_ == "prep" and c.lower_ in ("on", "against") for c in children):
                return
        if event in ("attempted", "airstrike") and lemma(gov) in REPEL_VERBS and \
                noun.dep_ in ("dobj", "pobj") and poss_actor is None and self.agent(noun) is None:
            # "government forces repelled an attack on X": the subject defended; the attack was
            # the other camp's
            defender = self.resolve_actor(self.subject(gov))
            if defender[2] in OPPONENT:
                actor = (None, None, OPPONENT[defender[2]])
            elif actor[2] == defender[2]:
                actor = (None, None, None)
        for p, rule in places:
            if actor[0] is not None and p.start == actor[0].start:
                continue
            self.emit(noun, event, p, rule, actor)

    def control_rule(self, noun: Token) -> None:
        """"took/announced control over X" → captured; "X came under their control" → captured;
        "X slipped out of government control" → withdrew (by the side whose control it was)."""
        head = noun.head
        children = list(noun.children)
        owner = next((c for c in children if c.dep_ in ("poss", "compound", "amod")), None)
        # out of / under control: the place is the subject of the verb above
        if noun.dep_ == "pobj" and head.lower_ in ("of", "under", "from"):
            prep = head
            verb = prep.head
            out_of = prep.lower_ in ("of", "from") and (
                verb.lower_ == "out" or any(c.lower_ == "out" for c in verb.children)
            )
            while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
                verb = verb.head
            if verb.lemma_.lower() in ("remain", "stay", "be", "keep", "lie"):
                return  # a state, not an event
            subj = self.real_subject(verb)
            if subj is None:
                return
            places = self.places_under(subj)
            if not places:
                return
            actor = self.resolve_actor(owner) if owner is not None else (None, None, None)
            event = "withdrew" if out_of else ("captured" if prep.lower_ == "under" else None)
            if event is None:
                return
            for p in places:
                self.emit(noun, event, p, "control_change", actor)
            return
        if head.pos_ in ("VERB", "AUX") and noun.dep_ in ("dobj", "nsubjpass"):
            hl = head.lemma_.lower()
            if hl not in CONTROL_VERBS:
                return
            if hl in VERB_EVENTS and hl != "announce":
                return  # the verb rule handles "took control of X"
            places = [p for p, _ in self.prep_places(noun, {"of", "over"})]
            if not places:
                return
            actor = (None, None, None)
            if owner is not None and owner.dep_ == "poss":
                actor = self.resolve_actor(owner)
            if actor[2] is None:
                actor = self.resolve_actor(self.subject(head))
            for p in places:
                self.emit(noun, "captured", p, "nominal_control", actor)


def extract_claims(doc: Doc) -> list[Claim]:
    """Every control claim in `doc`, in text order. Uses `doc._.published` for dates."""
    return _Extractor(doc).run()


@Language.component("frontline_claims")
def claims_component(doc: Doc) -> Doc:
    doc._.claims = extract_claims(doc)
    return doc
