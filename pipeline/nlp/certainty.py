"""How sure a statement is and who says so: attribution, hedges, negation, denial, hypotheticals.

Shared by the claim and figure extractors. Given the trigger token of a statement (the verb or noun
that carries a capture, a withdrawal, a death toll …), `assess` walks the dependency parse of its
sentence and returns one `certainty` value plus the source phrase. Precedence, strongest first
(docs/claims.md):

    hypothetical > negated > denied > unverified > claimed > attributed > asserted

so "SOHR said rebels could take Homs" is hypothetical (with attribution "SOHR"), and "the army
denied that rebels had entered Hama" is denied. `attribution_text` is reported whatever wins.

A source that is a party to the fighting (its ACTOR span has a fighting side, or the phrase names
one: "opposition media outlets", "the Ministry of Defense") makes a statement `claimed`, also when
it confirms its own setback; a neutral or unnamed source ("SOHR said", "local reports indicate",
"were reported to have", "reportedly") makes it `attributed`; `unverified` needs the text to say
so (unverified, unconfirmed, allegedly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from spacy.tokens import Span, Token

from pipeline.nlp.spans import DocText, EntityIndex

REPORT_VERBS = {
    "say", "report", "tell", "confirm", "announce", "claim", "state", "add", "declare", "indicate",
    "note", "suggest", "assert", "insist", "acknowledge", "admit", "write", "post", "publish",
    "cite", "quote", "reveal", "show", "allege", "warn", "explain", "describe", "highlight",
    "stress", "mention", "affirm", "document", "record", "tweet", "broadcast", "estimate",
}
CLAIM_VERBS = {"claim", "allege", "boast"}
DENY_WORDS = {"deny", "dismiss", "reject", "refute", "rebut", "denial", "dispute"}
MODALS = {"could", "may", "might", "would", "will", "can", "should", "shall", "'ll", "wo", "ca"}
# Governors whose complement has not happened (yet): "threatens to capture", "plans to take".
HYPOTHETICAL_GOVERNORS = {
    "threaten", "plan", "aim", "seek", "intend", "hope", "want", "vow", "prepare", "expect",
    "pledge", "promise", "aspire", "wish", "mean", "poise", "gear", "threat", "possibility",
    "prospect", "fear", "risk", "goal", "ambition", "need", "call",
    "urge", "demand", "order", "push", "likely", "unlikely", "able", "ready", "set", "about",
}
ATTEMPT_GOVERNORS = {"fail", "try", "attempt", "effort", "struggle", "bid", "repel", "repulse",
                     "thwart", "foil"}
HEDGE_ADVERBS = {"reportedly", "allegedly", "purportedly", "apparently", "supposedly", "possibly",
                 "probably", "seemingly"}
UNVERIFIED_ADJ = {"unverified", "unconfirmed", "alleged", "purported", "rumoured", "rumored",
                  "uncorroborated", "unsubstantiated"}
VAGUE_SOURCE_NOUNS = {"report", "rumour", "rumor", "claim", "speculation", "allegation", "word"}
# Sides of parties to the fighting, as the entity resolver writes them on ACTOR spans.
FIGHTING_SIDES = {"opposition", "government", "sdf", "isis", "israel", "turkey", "russia", "usa"}
# Words that make an unresolved source phrase a party ("a senior opposition leader").
_PARTY_WORDS = [
    (re.compile(r"\b(opposition|rebels?|insurgents?|factions?|militants?|jihadists?|hts|"
                r"tahrir|sna|fighters? loyal to the opposition)\b", re.I), "opposition"),
    (re.compile(r"\bsyrian (?:and russian )?(?:air ?forces?|warplanes|jets|aircraft)\b", re.I),
     "government"),
    (re.compile(r"\b(government|regime|army|military|ministry|armed forces|general command|"
                r"defen[cs]e|troops|pro-government|loyalists?)\b", re.I), "government"),
    (re.compile(r"\b(sdf|kurdish-led|ypg)\b", re.I), "sdf"),
    (re.compile(r"\b(islamic state|isis|isil|daesh)\b", re.I), "isis"),
    (re.compile(r"\b(russian (?:defen[cs]e|military|forces|army|ministry)|kremlin|moscow)\b", re.I),
     "russia"),
    (re.compile(r"\b(turkish (?:defen[cs]e|military|army|ministry|security|intelligence|officials?|"
                r"sources?|government|drones?|forces)|ankara)\b", re.I), "turkey"),
    (re.compile(r"\b(israeli (?:military|army|defen[cs]e)|idf)\b", re.I), "israel"),
]
# A member of some party speaking without a camp named ("a commander told AFP"): one camp's
# account, so `claimed`; its side is the claim's (a fighter speaks for his own camp).
PARTY_MEMBER_NOUNS = {"commander", "spokesman", "spokeswoman", "spokesperson", "fighter",
                      "officer", "militant", "combatant", "soldier", "general", "colonel",
                      "brigadier", "emir"}
# "could not be independently verified", "AFP was unable to confirm": an explicit hedge outweighs
# any attribution (docs/accuracy.md).
_UNVERIFIABLE = re.compile(
    r"\b(?:not|n't|cannot|unable\s+to)\s+(?:be\s+|been\s+|able\s+to\s+)?"
    r"(?:(?:independently|immediately|yet|be)\s+)*(?:verif|confirm|corroborat)", re.I)

CERTAINTY_ORDER = ["hypothetical", "negated", "denied", "unverified", "claimed", "attributed",
                   "asserted"]


@dataclass
class Assessment:
    certainty: str = "asserted"
    attribution_text: str | None = None
    source_side: str | None = None
    cues: list[str] = field(default_factory=list)
    attempted: bool = False  # "failed to take", "tried to capture": the act was only attempted


def _clause_head(tok: Token) -> Token:
    t = tok
    while t.pos_ not in ("VERB", "AUX") and t.head.i != t.i:
        t = t.head
    return t


def _clause_chain(trigger: Token) -> tuple[list[Token], list[Token]]:
    """(clause, governors) of a trigger.

    clause: the trigger and the verbs it is a complement or conjunct of ("threatens to
    [capture]", "aims to oust and [reclaim]"); their aux/neg/mark children hedge the statement.
    It stops at relative and adverbial clauses so the "could" of a main clause does not leak into
    "rebels who captured X could …". A noun trigger's clause is the noun alone.
    governors: the words above the trigger up to the first reporting verb (or, for a noun, up to
    its first verb): "efforts to [capture]", "the prospect of [clashes]", "attack … repelled".
    """
    clause = [trigger]
    governors: list[Token] = []
    is_noun = trigger.pos_ not in ("VERB", "AUX")
    t = trigger
    in_clause = not is_noun
    while t.head.i != t.i:
        dep = t.dep_
        if dep not in ("xcomp", "conj", "pcomp", "acl", "prep", "pobj", "dobj", "acomp",
                       "nsubj", "nsubjpass", "compound", "amod", "appos", "advcl"):
            break
        if dep in ("nsubj", "nsubjpass", "advcl") and not is_noun:
            break
        t = t.head
        if in_clause and dep in ("xcomp", "conj") and t.pos_ in ("VERB", "AUX"):
            clause.append(t)
        else:
            in_clause = False
        governors.append(t)
        if t.lemma_.lower() in REPORT_VERBS or (is_noun and t.pos_ in ("VERB", "AUX")):
            break
    return clause, governors


def _span_text(tok: Token) -> str:
    toks = list(tok.subtree)
    # a source phrase ends before a relative clause or a trailing comma-apposition clause
    doc = tok.doc
    start, end = toks[0].i, toks[-1].i + 1
    for t in toks:
        if t.dep_ in ("relcl", "acl") and t.head == tok:
            end = min(end, t.left_edge.i)
    text = doc[start:end].text.strip(" ,")
    return text


def source_side(span: Span, ents: EntityIndex, texts: DocText) -> str | None:
    """The fighting side of a source phrase, or None for neutral sources (SOHR, SANA, AP)."""
    has_side = Span.has_extension("side")
    for ent in ents.within(span):
        if ent.label_ != "ACTOR":
            continue
        side = ent._.side if has_side else None
        if side in FIGHTING_SIDES:
            return side
        # a registry actor without a fighting side (a monitor, a news agency) is neutral
        return None
    text = texts.of(span)
    for pat, side in _PARTY_WORDS:
        if pat.search(text):
            return side
    return None


def _subject_of(verb: Token) -> Token | None:
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if subjects:
        # "HAMA, Syria (North Press) – HTS … announced": a dateline parsed as a first subject;
        # the subject nearest the verb is the speaker
        before = [c for c in subjects if c.i < verb.i]
        return before[-1] if before else subjects[0]
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    # "and told Reuters": the subject of the first conjunct
    if verb.dep_ == "conj":
        return _subject_of(verb.head)
    return None


def find_source(trigger: Token, ents: EntityIndex, texts: DocText) -> tuple[Span | None, Token | None, str]:
    """(source span, reporting verb, kind) for the statement carried by `trigger`.

    kind is "according", "verb", "passive" (reported without an agent), "vague" (unnamed reports)
    or "" when the reporter speaks in their own voice. `ents` and `texts`: the doc's indexes.
    """
    sent = trigger.sent
    doc = trigger.doc
    sent_text = texts.of(sent)
    # "according to X" anywhere in the sentence covers every statement in it
    for t in sent if "according" in sent_text.lower() else ():
        if t.lower_ == "according" and t.i + 1 < sent.end and doc[t.i + 1].lower_ == "to":
            to = doc[t.i + 1]
            objs = [c for c in to.children if c.dep_ == "pobj"]
            if objs:
                o = objs[0]
                return doc[o.left_edge.i : _phrase_end(o)], None, "according"
    # a reporting verb above the trigger ("SANA reported that …", "X told Y that …")
    path = [trigger, *trigger.ancestors]
    for k, a in enumerate(path):
        if a.i != trigger.i and a.lemma_.lower() in REPORT_VERBS and a.pos_ in ("VERB", "AUX"):
            below = path[k - 1]
            if below.dep_ == "advcl" and below.tag_ == "VBG" and below.i > a.i:
                # "the ministry confirmed the retreat, allowing HTS to take X": the participle is
                # the reporter's comment on the report, not its content
                break
            subj = _subject_of(a)
            if subj is not None and subj.left_edge.i <= trigger.i <= subj.right_edge.i:
                return None, a, "passive"  # "25 fighters (were) reported killed": no source
            return _verb_source(a, ents)
    # a parenthetical reporting verb ("…, the army said.") hanging off the trigger's clause
    head = _clause_head(trigger)
    for h in (head, sent.root):
        for c in h.children:
            if c.dep_ in ("parataxis", "ccomp", "advcl") and c.lemma_.lower() in REPORT_VERBS \
                    and c.i > trigger.i:
                return _verb_source(c, ents)
    # reporting nouns: "a statement by the army", "reports of …", "claims that …"
    return None, None, ""


def _phrase_end(tok: Token) -> int:
    end = tok.right_edge.i + 1
    for c in tok.children:
        if c.dep_ in ("relcl", "acl") or (c.dep_ == "punct" and c.i > tok.i):
            end = min(end, c.i if c.dep_ == "punct" else c.left_edge.i)
    return end


def _verb_source(verb: Token, ents: EntityIndex) -> tuple[Span | None, Token | None, str]:
    doc = verb.doc
    subj = _subject_of(verb)
    is_passive = any(c.dep_ == "auxpass" for c in verb.children) or verb.tag_ == "VBN" and \
        verb.dep_ in ("amod", "acl")
    if subj is None or subj.dep_ == "nsubjpass" or subj.lower_ in ("it", "this"):
        agent = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if agent:
            return doc[agent[0].left_edge.i : _phrase_end(agent[0])], verb, "verb"
        if is_passive:
            return None, verb, "passive"
        return None, verb, ""
    span = doc[subj.left_edge.i : _phrase_end(subj)]
    if subj.lemma_.lower() in VAGUE_SOURCE_NOUNS and not any(
        e.label_ in ("ACTOR", "ORG") for e in ents.within(span)
    ):
        return span, verb, "vague"
    return span, verb, "verb"


class Assessor:
    """`assess` for the triggers of one doc, each trigger's parse walked once. The claim rules
    assess a trigger once per place and actor it carries (twice to five times over), and of the
    result only a party member's source side depends on the claim."""

    def __init__(self, ents: EntityIndex, texts: DocText):
        self.ents, self.texts = ents, texts
        self._memo: dict[int, tuple[Assessment, bool]] = {}

    def __call__(self, trigger: Token, *, side: str | None = None) -> Assessment:
        found = self._memo.get(trigger.i)
        if found is None:
            found = self._memo[trigger.i] = _assess(trigger, self.ents, self.texts)
        base, side_is_claims = found
        source_side = (side if side in FIGHTING_SIDES else "unknown") if side_is_claims else base.source_side
        return replace(base, cues=list(base.cues), source_side=source_side)


def assess(
    trigger: Token,
    *,
    side: str | None = None,
    ents: EntityIndex | None = None,
    texts: DocText | None = None,
) -> Assessment:
    """Certainty and attribution of the statement whose trigger token is `trigger`.

    `side` (of the claim) is the source side of an unnamed party member ("a commander said");
    figures pass none. `ents` and `texts`: the doc's indexes (spans.py), built here if not given.
    An extractor assessing many triggers of one doc keeps an `Assessor` instead.
    """
    doc = trigger.doc
    ents = EntityIndex(doc) if ents is None else ents
    return Assessor(ents, DocText(doc) if texts is None else texts)(trigger, side=side)


def _assess(trigger: Token, ents: EntityIndex, texts: DocText) -> tuple[Assessment, bool]:
    """(assessment, whether its source side is the claim's: an unnamed party member speaks)."""
    side_is_claims = False
    out = Assessment()
    chain, governors = _clause_chain(trigger)
    found: set[str] = set()
    # A noun trigger is hedged by the modal of the verb it is an argument of ("a takeover of Hama
    # would pose …"), not by that verb's negation ("has not issued a statement on its retreat").
    definite = any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in ("the", "this", "that"))
                   for c in trigger.children)
    # "A rebel takeover of Hama would pose …" is hypothetical; "the advance towards Hama could
    # provoke …" presupposes the advance and hedges only its consequence (gold convention)
    if trigger.pos_ not in ("VERB", "AUX") and trigger.dep_ in ("nsubj", "nsubjpass", "dobj") \
            and not definite:
        for c in trigger.head.children:
            if (c.dep_ == "aux" and c.lower_ in MODALS) or (c.dep_ == "mark" and c.lower_ in ("if", "unless")):
                found.add("hypothetical")
                out.cues.append(c.text)
    for t in chain:
        for c in t.children:
            cl = c.lemma_.lower()
            if c.dep_ in ("aux", "auxpass") and (cl in MODALS or c.lower_ in MODALS):
                found.add("hypothetical")
                out.cues.append(c.text)
            elif c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether", "once"):
                found.add("hypothetical")
                out.cues.append(c.text)
            elif c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") or c.lower_ == "never":
                found.add("negated")
                out.cues.append(c.text)
            elif cl in HEDGE_ADVERBS and c.dep_ in ("advmod", "npadvmod"):
                found.add("attributed" if cl == "reportedly" else "unverified")
                out.cues.append(c.text)
            elif c.dep_ == "amod" and cl in UNVERIFIED_ADJ:
                found.add("unverified")
                out.cues.append(c.text)
    for t in governors:
        lem = t.lemma_.lower()
        if lem in HYPOTHETICAL_GOVERNORS and t.i < trigger.i:
            found.add("hypothetical")
            out.cues.append(t.text)
        if lem in ATTEMPT_GOVERNORS and (t.i < trigger.i or lem in ("repel", "repulse", "thwart", "foil")):
            out.attempted = True
            out.cues.append(t.text)
        if t.pos_ in ("VERB", "AUX") and lem in ATTEMPT_GOVERNORS:
            for c in t.children:  # "tried but could not take", "will try to take"
                if c.dep_ == "aux" and c.lower_ in MODALS:
                    found.add("hypothetical")
    if out.attempted:
        # "failed to take Hama": the attempt is a fact; its success is what is negated
        found.discard("negated")

    # Denial and hedges anywhere above the trigger ("the army denied reports that …").
    for a in trigger.ancestors:
        al = a.lemma_.lower()
        if al in DENY_WORDS:
            found.add("denied")
            out.cues.append(a.text)
        if al in VAGUE_SOURCE_NOUNS and a.pos_ == "NOUN":
            found.add("attributed")
            out.cues.append(a.text)
        for c in a.children:
            if c.dep_ == "amod" and c.lemma_.lower() in UNVERIFIED_ADJ:
                found.add("unverified")
                out.cues.append(c.text)
            if c.lemma_.lower() in HEDGE_ADVERBS and c.dep_ == "advmod":
                found.add("attributed" if c.lower_ == "reportedly" else "unverified")
                out.cues.append(c.text)
    # "reported killed", "were reported to have withdrawn": a report with no source
    for c in trigger.children:
        if c.lower_ == "reported" and c.dep_ in ("amod", "acl", "advmod"):
            found.add("attributed")
            out.cues.append(c.text)
    if trigger.head.lower_ == "reported" and trigger.dep_ in ("acl", "oprd", "xcomp", "ccomp") \
            and not any(c.dep_ == "nsubj" for c in trigger.head.children):
        found.add("attributed")

    span, verb, kind = find_source(trigger, ents, texts)
    if span is not None:
        out.attribution_text = texts.of(span)
        out.source_side = source_side(span, ents, texts)
        if any(t.lemma_.lower() in UNVERIFIED_ADJ or t.lower_ in UNVERIFIED_ADJ for t in span):
            found.add("unverified")  # "unconfirmed reports said …"
            out.cues.append(out.attribution_text)
        elif out.source_side is None and span.root.lemma_.lower() in PARTY_MEMBER_NOUNS and \
                not any(e.label_ == "ACTOR" for e in ents.within(span)):
            side_is_claims = True
            found.add("claimed")
    m = _UNVERIFIABLE.search(texts.of(trigger.sent))
    if m:
        found.add("unverified")
        out.cues.append(m.group(0))
    if kind in ("vague", "passive"):
        # unnamed reports ("local reports indicate", "were reported to have") are attributed;
        # only an explicit unverified/unconfirmed/allegedly makes a statement unverified
        found.add("attributed")
    elif kind in ("verb", "according") and span is not None:
        if verb is not None and verb.lemma_.lower() in CLAIM_VERBS:
            found.add("claimed")
        elif out.source_side in FIGHTING_SIDES:
            # A party's word is a claim whether it boasts of a gain or confirms its own setback
            # (the gold convention, docs/accuracy.md): both are one camp's account.
            found.add("claimed")
        else:
            found.add("attributed")
    for c in CERTAINTY_ORDER:
        if c in found:
            out.certainty = c
            break
    return out, side_is_claims
