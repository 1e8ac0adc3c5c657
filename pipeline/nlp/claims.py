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

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.nlp.certainty import _PARTY_WORDS, FIGHTING_SIDES, REPORT_VERBS, assess
from pipeline.nlp.types import Claim
from pipeline.text.temporal import governing_date, historical_context, sentence_date

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
    "sweep": "entered", "storm into": "entered",
    # advanced_to
    "advance": "advanced_to", "reach": "advanced_to", "approach": "advanced_to",
    "push": "advanced_to", "march": "advanced_to", "move": "advanced_to", "close": "advanced_to",
    "edge": "advanced_to", "head": "advanced_to", "press": "advanced_to", "progress": "advanced_to",
    # besieged
    "besiege": "besieged", "encircle": "besieged", "surround": "besieged",
    "blockade": "besieged", "encircled": "besieged",
    # contested
    "clash": "contested", "fight": "contested", "battle": "contested",
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
    "withdrew": {"from", "out"},
    "entered": {"into", "in"},
    "advanced_to": {"to", "towards", "toward", "on", "into", "upon", "near", "in"},
    "besieged": set(),
    "attempted": set(),
    "contested": {"in", "around", "near", "for", "over", "at", "outside", "inside"},
    "airstrike": {"on", "in", "near", "across", "against", "around", "over"},
}
NOUN_PLACE_PREPS = {
    "captured": {"of", "over", "including"}, "recaptured": {"of", "over", "including"},
    "withdrew": {"from", "out"},
    "entered": {"into", "in", "to"},
    "advanced_to": {"to", "towards", "toward", "on", "into", "upon"},
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
DESTINATION_PREPS = {"to", "toward", "towards"}

# Side of an air strike whose striker the sentence leaves implicit. In the Syrian war only the
# government camp (with Russia) flies over contested towns; the gold convention
# (docs/accuracy.md) codes such strikes `government`. A corpus about another war changes this.
DEFAULT_AIR_SIDE = "government"

# Events inferred without an actor: the side that usually performs them cannot be known from
# the word alone, so they stay "unknown" unless the context names an actor.


# The small model's lemmatizer misses some irregular and prefixed past forms ("retook").
IRREGULAR_FORMS = {"retook": "retake", "retaken": "retake", "took": "take", "taken": "take",
                   "overran": "overrun", "fell": "fall", "fallen": "fall", "withdrew": "withdraw",
                   "withdrawn": "withdraw", "fled": "flee", "lost": "lose", "won": "win",
                   "struck": "strike", "stricken": "strike", "besieged": "besiege",
                   "recaptured": "recapture", "regained": "regain", "overrun": "overrun"}


def lemma(tok: Token) -> str:
    return IRREGULAR_FORMS.get(tok.lower_, tok.lemma_.lower())


def _ent_map(doc: Doc) -> dict[int, Span]:
    m: dict[int, Span] = {}
    for e in doc.ents:
        for i in range(e.start, e.end):
            m[i] = e
    return m


def _coordination_head(tok: Token) -> Token:
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    return tok


def _side(ent: Span | None) -> str | None:
    if ent is None:
        return None
    return ent._.side


class _Extractor:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.ents = _ent_map(doc)
        self.published: dt.date | None = doc._.published if Doc.has_extension("published") else None
        self.sents = list(doc.sents)
        self.sent_index = {s.start: k for k, s in enumerate(self.sents)}
        self.claims: list[Claim] = []
        self.seen: set[tuple] = set()  # (sentence start, event, place start)

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
            for c in t.children:
                d = c.dep_
                if named and d == "prep" and c.lower_ in ("in", "near", "inside"):
                    continue  # "the city of X in central Syria": a locator, not a member
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
                    for p in self.places_under(o):
                        out.append((p, c.lower_))
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
            for c in t.children:
                if c.dep_ in ("nsubj",):
                    return c
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
            cands = [e for e in self.doc.ents if e.label_ == "ACTOR" and start <= e.start and
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
            for e in s.ents:
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

    # -- emit --------------------------------------------------------------------------------
    def emit(self, trigger: Token, event: str, place: Span, extractor: str,
             actor: tuple[Span | None, str | None, str | None], extra: dict | None = None):
        sent = trigger.sent
        a_span, a_text, side = actor
        assessment = assess(trigger, event=event, side=side)
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
        ref = governing_date(trigger, self.published, sent=sent) or sentence_date(sent, self.published)
        if assessment.certainty in ("hypothetical", "negated"):
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
            is_historical=historical_context(trigger, self.published, sent=sent),
            extra={
                "trigger": trigger.text,
                "trigger_i": trigger.i,
                "key": key,
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
        for sent in self.sents:
            for tok in sent:
                lem = lemma(tok)
                if tok.pos_ in ("VERB",) or (tok.pos_ == "AUX" and lem not in ("be", "have")):
                    if lem in VERB_EVENTS:
                        self.verb_rule(tok, VERB_EVENTS[lem])
                elif tok.pos_ in ("NOUN", "PROPN"):
                    key = lem if lem in NOUN_EVENTS else tok.lower_.rstrip("s")
                    if key in NOUN_EVENTS:
                        self.noun_rule(tok, NOUN_EVENTS[key])
        self.claims.sort(key=lambda c: (c.start_char, c.extra.get("trigger_i", 0)))
        return self.claims

    def verb_rule(self, verb: Token, event: str) -> None:
        lem = lemma(verb)
        children = list(verb.children)
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
            places = self.places_under(subj)
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
                places = [(p, "verb_passive") for p in self.places_under(place_slot)]
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

        actor = self.resolve_actor(subj_tok)
        found: list[tuple[Span, str]] = []
        objs = [c for c in children if c.dep_ in ("dobj", "attr")]
        for o in objs:
            ol = o.lemma_.lower()
            if ol == "control" or ol in ("hold", "grip", "foothold"):
                found += [(p, "verb_control") for p, _ in self.prep_places(o, {"of", "over"})]
                continue
            if ol in ("outskirts", "gate", "gates", "edge", "edges", "doorstep", "vicinity", "perimeter"):
                found += [(p, "verb_active") for p in self.places_under(o)]
                continue
            takes_object = OBJECT_VERBS[event] or lem in OBJECT_WITHDRAW or lem in OBJECT_ADVANCE
            if takes_object:
                members = self.places_under(o)
                rule = "list_member" if len(members) > 1 else "verb_active"
                found += [(p, rule) for p in members]
        if event in ("captured", "recaptured") and objs and not found and objs[0].lemma_.lower() in TERRITORY_NOUNS:
            # "seized territory in the Ghab plain": the place is on the verb's `in`
            found += [(p, "verb_active") for p, _ in self.prep_places(verb, {"in", "across"})]
        found += [(p, "verb_prep") for p, prep in self.prep_places(verb, VERB_PLACE_PREPS[event])
                  if prep not in DESTINATION_PREPS or event == "advanced_to"]
        if event == "withdrew":
            # "withdrew from Hama to positions near Homs": only the `from` object was left
            found = [(p, r) for p, r in found if not self._is_destination(p)]
        if lem in ("take",) and not found:
            return
        if actor[0] is None and actor[2] is None and subj_tok is None:
            ctx = self.context_actor(verb, {p.start for p, _ in found})
            actor = (ctx, ctx.text, _side(ctx)) if ctx is not None else actor
        for p, rule in found:
            if actor[0] is not None and p.start == actor[0].start:
                continue
            self.emit(verb, event, p, rule, actor)

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
            places += [(p, "nominal") for p, prep in self.prep_places(head, NOUN_PLACE_PREPS[event])]
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
        if not places:
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
        if event == "attempted" and lem in ("attack", "assault", "offensive", "counteroffensive",
                                           "counterattack"):
            if not any(c.dep_ == "prep" and c.lower_ in ("on", "against") for c in children):
                return
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
