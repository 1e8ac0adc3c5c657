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
   turns state and capital names that act ("Moscow accused", "condemned by Tehran") into ACTOR
   mentions of the registry's `metonyms`; drops actor-like words that name no party (a lone
   "the opposition", modifiers such as "rebel positions", "one of the ... groups", "an Islamic
   state") and merges "Syrian state news agency SANA" into one mention;
3. re-resolves every PLACE with article context (other places, governorates, the dateline,
   same-sentence neighbours), so an ambiguous name (Suran) follows the article's geography, and
   with the words around the name that say which unit it is ("northern Hama", "Homs'
   countryside", "Hama and Idlib provinces", "Homs, one of Syria's largest provinces");
4. relabels registry people (kind `person`) to PERSON, keeping their id and camp.
Span extensions: entity_id, resolution, side, resolution_score (and resolution_decision).
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.nlp.spans import DocText
from pipeline.nlp.token_scans import TokenScans
from pipeline.reference.actors import (CAMP_ADJECTIVES, CAMP_WORDS, FORCE_NOUNS, ActorRegistry,
                                       is_acronym, load_actor_registry)
from pipeline.reference.gazetteer import Gazetteer, PlaceContext, Resolution, load_gazetteer
from pipeline.reference.normalise import ARTICLES, slugify
from pipeline.reference.patterns import case_sensitive_names, compile_for_speed, ruler_patterns

RULER_NAME = "frontline_entity_ruler"
NAMES_RULER_NAME = "frontline_name_ruler"
RESOLVER_NAME = "frontline_entity_resolver"

PLACE_LABELS = ("GPE", "LOC", "FAC")
ACTOR_CANDIDATE_LABELS = ("ORG", "NORP", "PERSON")
_QUALIFIER_AFTER = {"province", "provinces", "governorate", "governorates", "countryside", "city", "town", "village",
                    "district", "subdistrict", "sub-district", "region", "neighbourhood",
                    "neighborhood", "airport", "airbase", "mountain", "plain", "desert", "badia"}
_POSSESSIVE = {"'s", "’s", "'", "’"}
# "Hama's countryside", "Homs' province": the possessor is the region the noun names
_POSSESSED_REGION = {"countryside", "province", "governorate", "region", "hinterland"}
_PLURAL_UNIT = {"provinces", "governorates", "countrysides"}
# "Russia's foreign ministry", "Iran's Foreign Minister": the state acts through its organs
_STATE_ORGANS = {"foreign", "defence", "defense", "interior", "ministry", "minister", "ministers",
                 "government", "army", "military", "president", "embassy", "envoy", "ambassador",
                 "spokesman", "spokeswoman", "spokesperson", "officials", "leadership", "forces",
                 "troops", "navy", "delegation", "intelligence", "prime", "supreme", "top",
                 "state", "security", "air", "leader", "regime", "authorities"}
# First words of Arabic place names ("Kfar Halab", "Tal Rifaat", "Umm Jalal"): a known name
# right after one is the tail of a longer name, not a place of its own ("Halab" = Aleppo).
_NAME_HEADS = {"kafr", "kfar", "kafar", "kefr", "tal", "tall", "tell", "tel", "deir", "dayr", "dair",
               "ain", "ayn", "ein", "khan", "beit", "bayt", "umm", "um", "abu", "jabal", "jebel",
               "ras", "bab", "jisr", "maarat", "maaret", "ma'arat", "khirbet", "khirbat", "qasr",
               "marj", "wadi", "bir", "mazraat", "mazraa", "arab", "tall", "qalaat", "qal'at",
               "sheikh", "shaykh", "nahr", "hayy", "hay", "mashru", "harat", "sahl", "busra", "bosra"}
# Words after which a capitalised name the gazetteer lacks is a place ("fled to Umm Jalal").
_LOCATIVE_PREPS = {"in", "near", "at", "outside", "around", "towards", "toward", "into",
                   "through", "across", "inside", "west", "east", "north", "south", "between"}
_MOTION_VERBS = frozenset("""flee withdraw advance move return retreat push reach displace head pull
    send deploy redeploy arrive enter march relocate evacuate escape travel storm expand""".split())
_COMPASS = {"northern", "southern", "eastern", "western", "north", "south", "east", "west",
            "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
            "southeastern", "southwestern"}

# State and capital names act ("Moscow accused", "Tehran has hinted") as subjects of these
# verbs; elsewhere they are places ("strikes in Idlib", "fled to Turkey").
_AGENT_VERBS = frozenset("""say state tell announce declare allege accuse claim deny condemn
    denounce criticise criticize blame warn threaten hint signal signal urge call demand insist
    vow pledge promise reject welcome praise stress confirm express voice propose offer ask
    request respond reply react agree refuse exchange discuss negotiate hold meet send deploy
    dispatch launch strike bomb attack target support back arm fund finance supply provide
    intervene withdraw evacuate mobilise mobilize escalate sanction impose recognise recognize
    seek want plan aim try attempt decide prepare order approve authorise authorize help assist
    aid train join lead push pressure press veto broker mediate accept consider intend expect
    believe fear suspect say reiterate emphasise emphasize acknowledge admit insist note
    describe brand designate label view step act retaliate increase reinforce bolster boost
    expand sign""".split())
# Verbs whose object is a party, not a location ("accused Ukraine of", "urged Turkey to").
_PARTY_OBJECT_VERBS = frozenset("""accuse blame urge warn condemn criticise criticize thank praise
    ask pressure press persuade invite call sanction support back arm fund help assist aid
    prompt force push lead encourage allow convince""".split())
# Passive "by X" that locates rather than acts ("bordered by Turkey").
_LOCATIVE_PASSIVES = frozenset("""border surround flank bound divide separate cross connect
    link encircle""".split())
# Quantifiers that make a bare force noun non-specific ("various factions vying for control").
_NONSPECIFIC = {"various", "different", "multiple", "numerous"}
_GENERIC_WORDS = (CAMP_WORDS | FORCE_NOUNS | {"the", "and", "-", "–", "backed", "led", "allied",
                  "armed", "air", "force", "power", "military", "special", "elite", "regular",
                  "loyalist", "pro", "anti", "assad", "'s", "’s", "state", "groups", "group"})
# One camp word alone (or with "the") names no force: "the opposition", "the regime", "rebel"
# in "rebel positions" (docs/accuracy.md: not annotated).
_BARE_CAMP = {"opposition", "rebel", "regime", "government", "insurgent", "insurgency",
              "islamist", "jihadist", "loyalist", "militant"}

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


def _coverage(spans: list[Span]) -> dict[int, list[tuple[int, int, str]]]:
    """token index -> (start, end, label) of the spans over it."""
    cover: dict[int, list[tuple[int, int, str]]] = {}
    for sp in spans:
        t = (sp.start, sp.end, sp.label_)
        for i in range(sp.start, sp.end):
            cover.setdefault(i, []).append(t)
    return cover


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
        # actor descriptions built from a camp word and a force noun, so unlisted combinations
        # ("regime reinforcements", "Iranian-backed fighters", "Israeli jets") are caught; and
        # Arabic names the ruler does not list verbatim and NER splits or misses
        # ("Ma'arrat an-Nu'man", "Qamishlo"): capitalised runs checked against the gazetteer
        self.scans = TokenScans(nlp.vocab)

    # -- pass 1: labels and spans ------------------------------------------------------------
    def _relabel(self, doc: Doc) -> list[Span]:
        g, reg = self.gazetteer, self.registry
        text_of = DocText(doc).of
        spans: list[Span] = []
        for ent in doc.ents:
            label = ent.label_
            start, end = _trim(doc, ent.start, ent.end) if label != "ACTOR" else (ent.start, ent.end)
            text = text_of(doc[start:end])
            if label in ("PLACE",) + PLACE_LABELS:
                # "Hama province", "Idlib countryside": keep the qualifier for resolution
                if end < len(doc) and doc[end].lower_ in _QUALIFIER_AFTER:
                    end += 1
                    text = text_of(doc[start:end])
                if label != "PLACE":
                    if g.resolve_place(text, fuzzy=self.fuzzy) is None and reg.resolve_actor(text):
                        label = "ACTOR"
                    else:
                        label = "PLACE"
            elif label in ACTOR_CANDIDATE_LABELS:
                if reg.resolve_actor(text_of(ent)):
                    label, start, end = "ACTOR", ent.start, ent.end
                elif (text[:1].isupper() or re.match(r"^(al|el|as|ash|ad|az|an|ar|at)-[A-Z]", text)) \
                        and label != "NORP":
                    r = g.resolve_place(text, fuzzy=False)
                    if r is not None and r.resolution in ("exact", "alias"):
                        label = "PLACE"  # NER took a town for a person/organisation
            span = Span(doc, start, end, label=label, span_id=ent.id_ or "")
            spans.append(span)
        arrays = self.scans.arrays(doc)  # token attributes: stage B changes only entities
        for s, e in self.scans.descriptions(doc, arrays):
            span = doc[s:e]
            if self.registry.resolve_actor(text_of(span)):
                spans.append(Span(doc, s, e, label="ACTOR"))
        cover = _coverage(spans)
        for s, e in self.scans.names(doc, arrays):
            over = list(dict.fromkeys(t for i in range(s, e) for t in cover.get(i, ())))
            if any(lbl in ("PLACE", "ACTOR") or (e - s == 1) for _, _, lbl in over):
                continue
            if any(not (s <= a and b <= e) for a, b, _ in over):
                continue  # would cut through another entity
            if doc[s].lower_ in ("the", "a", "an") or any(t.tag_ in ("JJ", "NNPS") for t in doc[s:e]):
                continue  # "The Syrian", demonyms: not place names
            name = text_of(doc[s:e])
            r = g.resolve_place(name, fuzzy=False)
            if r is None:
                continue
            if reg.resolve_actor(name):
                continue
            spans = [sp for sp in spans if not (s <= sp.start and sp.end <= e)]
            spans.append(Span(doc, s, e, label="PLACE"))
            cover = _coverage(spans)
        # descriptive phrases win over the NORP/ORG pieces they contain; ruler PLACEs stay
        keep = filter_spans(sorted(spans, key=lambda sp: (sp.label_ != "PLACE", sp.start)))
        keep = sorted(keep, key=lambda sp: sp.start)
        keep = self._join_split_names(doc, keep)
        runs = self.scans.name_runs(doc, arrays)
        for _ in range(3):  # a promoted name can carry the next one of its list
            before = len([sp for sp in keep if sp.label_ == "PLACE"])
            keep = self._promote_unknown_places(doc, keep, runs)
            if len([sp for sp in keep if sp.label_ == "PLACE"]) == before:
                break
        keep = self._metonyms(doc, keep)
        keep = [sp for sp in keep if sp.label_ != "ACTOR" or self._is_party_mention(sp)]
        return self._merge_appositions(doc, keep)

    # -- pass 1a: multiword names and places the gazetteer lacks ----------------------------------
    def _join_split_names(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """"Bosra al-Sham", "Kfar Halab": a PLACE whose first token is an Arabic article
        ("al-Sham") or that follows a name head ("Kfar") is the tail of one longer name, so the
        whole name is one PLACE (resolved as a whole in pass 2, else unresolved), never the tail's
        own place (al-Sham = Damascus, Halab = Aleppo)."""
        out: list[Span] = []
        for sp in spans:
            if sp.label_ != "PLACE" or sp.start == 0:
                out.append(sp)
                continue
            prev = doc[sp.start - 1]
            starts_with_article = sp[0].lower_ in ARTICLES or re.match(
                r"^(al|el|as|ash|ad|az|an|ar|at)[-‐]", sp[0].lower_)
            prev_is_name = prev.is_alpha and prev.text[:1].isupper() and not prev.is_sent_start
            if out and out[-1].end == sp.start and out[-1].label_ == "PLACE" and starts_with_article:
                out[-1] = Span(doc, out[-1].start, sp.end, label="PLACE")
                continue
            if prev_is_name and (starts_with_article or prev.lower_ in _NAME_HEADS) and \
                    not (out and out[-1].end > prev.i):
                start = prev.i
                # "Deir al-Zour" style heads with their own article: "Tal al-..."
                while start > 0 and doc[start - 1].lower_ in _NAME_HEADS and doc[start - 1].text[:1].isupper():
                    start -= 1
                out.append(Span(doc, start, sp.end, label="PLACE"))
                continue
            out.append(sp)
        return out

    def _promote_unknown_places(self, doc: Doc, spans: list[Span], runs: dict[int, int]) -> list[Span]:
        """Capitalised names the gazetteer lacks become PLACE (unresolved) where the syntax says
        place: in a list with known places ("Kfar Halab, Zarzour and Umm Jalal") or after a
        locative preposition or a motion verb's "to/from" ("fled to Umm Jalal"). NER's PERSON
        and ORG guesses for such names yield; registry actors and people do not. `runs` are the
        doc's capitalised name runs (`TokenScans.name_runs`); one starting on a free token is a
        candidate, and the next one may start only after it ends."""
        reg = self.registry
        taken = {i: sp for sp in spans for i in range(sp.start, sp.end)}
        places = [sp for sp in spans if sp.label_ == "PLACE"]
        cands: list[tuple[int, int]] = []
        for sp in spans:
            if sp.label_ in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP") and sp.label_ != "PLACE":
                cands.append((sp.start, sp.end))
        free_from = 0
        for start, end in runs.items():  # in text order
            if start >= free_from and start not in taken:
                cands.append((start, end))
                free_from = end

        def listed_with_place(s: int, e: int) -> bool:
            for p in places:
                a, b = (e, p.start) if p.start >= e else (p.end, s)
                if 0 < b - a <= 2 and all(doc[i].lower_ in (",", "and", "or") for i in range(a, b)):
                    return True
                if b <= a and (p.start == e or p.end == s):
                    return False
            return False

        def locative(s: int) -> bool:
            if s == 0:
                return False
            prep = doc[s - 1]
            if prep.lower_ == "the" and s >= 2:
                prep = doc[s - 2]  # "fled to the Eastern Ghouta"
            if prep.lower_ in _LOCATIVE_PREPS:
                return prep.lower_ not in ("at",) or prep.head.pos_ == "VERB"
            if prep.lower_ in ("to", "from"):
                return prep.head.lemma_.lower() in _MOTION_VERBS
            return False

        def heading(s: int, e: int) -> bool:
            # "Government Forces in Retreat": title-case headings capitalise common words
            a, b = s, e  # the line the name is on (a heading is its own line)
            while a > 0 and "\n" not in doc[a - 1].text_with_ws:
                a -= 1
            while b < len(doc) and "\n" not in doc[b - 1].text_with_ws:
                b += 1
            words = [t for t in doc[a:b] if t.is_alpha and len(t) > 3 and t.i != a
                     and not (s <= t.i < e)]
            return len(words) >= 1 and sum(t.text[:1].isupper() for t in words) / len(words) > 0.6

        new: list[Span] = []
        text_of = DocText(doc).of
        for s, e in cands:
            text = text_of(doc[s:e])
            if reg.resolve_actor(text) or any(t.lower_ in _GENERIC_WORDS or t.like_num for t in doc[s:e]):
                continue
            old = [sp for sp in spans if s <= sp.start < e or s < sp.end <= e]
            if any(sp.label_ in ("ACTOR", "PLACE") for sp in old):
                continue
            if old and old[0].label_ == "NORP":
                continue
            if not (listed_with_place(s, e) or locative(s)) or heading(s, e):
                continue
            if e - s == 1 and doc[s].pos_ != "PROPN":
                continue
            new.append(Span(doc, s, e, label="PLACE"))
        if not new:
            return spans
        keep = [sp for sp in spans if not any(n.start < sp.end and sp.start < n.end for n in new)]
        return sorted(keep + new, key=lambda sp: sp.start)

    # -- pass 1b: which names are parties, which mentions are not --------------------------------
    def _acts(self, span: Span) -> bool:
        """Does a state/capital name act here (subject of a speech/action verb, agent of a
        passive, object of "accused"/"urged ... to")?"""
        root = span.root
        if span.end < len(span.doc) and span.doc[span.end].text in _POSSESSIVE:
            nxt = span.doc[span.end + 1] if span.end + 1 < len(span.doc) else None
            # "Russia's foreign ministry said" acts; "Syria's provinces" stays the country
            return nxt is not None and nxt.lower_ in _STATE_ORGANS
        dep, head = root.dep_, root.head
        if dep == "nsubj":
            return head.lemma_.lower() in _AGENT_VERBS
        if dep == "nsubjpass":
            return head.lemma_.lower() in _PARTY_OBJECT_VERBS
        if dep == "pobj" and head.lower_ == "by":
            verb = head.head
            return (head.dep_ == "agent" or verb.tag_ == "VBN") and \
                verb.lemma_.lower() not in _LOCATIVE_PASSIVES
        if dep == "dobj":
            lem = head.lemma_.lower()
            # "prompting Russia to launch": the object is the subject of the infinitive
            return lem in _PARTY_OBJECT_VERBS or any(c.dep_ == "xcomp" for c in head.children)
        if dep == "pobj" and head.lower_ == "with":
            # "with Russia and Iran holding talks": the object of an absolute "with"
            return any(c.dep_ == "pcomp" and c.tag_ == "VBG" for c in head.children)
        return False

    def _metonyms(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """State and capital names used for the government that acts become ACTOR mentions of
        the actor the registry's `metonyms` column names; a list of such names ("Russia, Turkey
        and Iran holding talks") acts together."""
        reg = self.registry
        text_of = DocText(doc).of
        cand = [i for i, sp in enumerate(spans) if sp.label_ == "PLACE" and reg.is_metonym(text_of(sp))]
        if not cand:
            return spans
        groups: list[list[int]] = []
        for i in cand:
            if groups:
                prev = spans[groups[-1][-1]]
                gap = doc[prev.end:spans[i].start]
                if prev.sent == spans[i].sent and all(
                        t.lower_ in (",", "and", "or", "both") for t in gap):
                    groups[-1].append(i)
                    continue
            groups.append([i])
        out = list(spans)
        for grp in groups:
            if not any(self._acts(spans[i]) for i in grp):
                continue
            for i in grp:
                sp = spans[i]
                actor = reg.state_actor(text_of(sp))
                out[i] = Span(doc, sp.start, sp.end, label="ACTOR", span_id=actor.actor_id)
        return out

    def _is_generic(self, span: Span) -> bool:
        return all(t.lower_ in _GENERIC_WORDS for t in span) and not any(
            is_acronym(t.text) for t in span)

    def _is_party_mention(self, span: Span) -> bool:
        """False for actor-like words that name no party: a lone camp word ("the opposition",
        "rebel" in "rebel positions"), a description used as a modifier ("Syrian
        government-backed", "opposition media"), a class ("one of the strongest insurgent
        groups", "various factions"), and a proper name written as a common noun ("an
        Islamic state")."""
        doc = span.doc
        if self.registry.case_mismatch(DocText(doc).of(span)):
            return False
        prev = doc[span.start - 1] if span.start > 0 else None
        if prev is not None and span[0].is_lower and prev.lower_ in CAMP_ADJECTIVES and \
                prev.lower_ != "syrian":
            # "Russian state media": the registry's generic "state media" is Syria's own
            return False
        if not self._is_generic(span):
            return True
        words = [t.lower_ for t in span if t.lower_ != "the"]
        if len(words) == 1 and words[0] in _BARE_CAMP:
            return False
        if span.end + 1 < len(doc) and doc[span.end].text in ("-", "–") and doc[span.end + 1].is_alpha:
            return False  # "government-backed", "regime-held"
        root = span.root
        heading_case = all(t.is_title or not t.is_alpha for t in span) and root.head.is_title
        if root.dep_ in ("compound", "amod", "nmod") and not (span.start <= root.head.i < span.end) \
                and root.head.lower_ not in FORCE_NOUNS and not heading_case:
            # ("Syrian Army Withdraws" in a title-case heading is a subject the parser took
            # for a modifier)
            return False
        if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.lower_ == "one":
            return False
        if any(c.dep_ in ("amod", "det") and c.lower_ in _NONSPECIFIC for c in root.children):
            return False
        if span.start > 0 and doc[span.start - 1].lower_ in _NONSPECIFIC:
            return False
        return True

    def _merge_appositions(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """"Syrian state news agency SANA": a description directly followed by the name of the
        same actor is one mention."""
        reg = self.registry
        text_of = DocText(doc).of
        out: list[Span] = []
        for sp in spans:
            if out and out[-1].label_ == "ACTOR" and sp.label_ == "ACTOR" and out[-1].end == sp.start:
                a, b = reg.resolve_actor(text_of(out[-1])), reg.resolve_actor(text_of(sp))
                if a is not None and b is not None and a.actor_id == b.actor_id:
                    out[-1] = Span(doc, out[-1].start, sp.end, label="ACTOR",
                                   span_id=out[-1].id_ or sp.id_)
                    continue
            out.append(sp)
        return out

    def _resolution_texts(self, doc: Doc, ents: list[Span]) -> dict[tuple[int, int], str]:
        """The text a PLACE is resolved with, widened by the words around the name that say
        which unit it is: a compass part before it ("northern Hama"), a possessed region after it
        ("Homs' countryside"), a shared plural unit ("Hama and Idlib provinces") and an
        apposition ("Homs, one of Syria's largest provinces")."""
        out: dict[tuple[int, int], str] = {}
        text_of = DocText(doc).of
        places = [e for e in ents if e.label_ == "PLACE"]
        for k, e in enumerate(places):
            text = text_of(e)
            s, t = e.start, e.end
            if s > 0 and doc[s - 1].lower_ in _COMPASS:
                text = doc[s - 1].lower_ + " " + text
            elif s > 2 and doc[s - 2].text in ("-", "–") and doc[s - 1].lower_ in _COMPASS | {
                    "western", "eastern"} and doc[s - 3].lower_ in ("north", "south"):
                text = doc[s - 3].lower_ + doc[s - 1].lower_ + " " + text  # north-western
            if t + 1 < len(doc) and doc[t].text in _POSSESSIVE and doc[t + 1].lower_ in _POSSESSED_REGION:
                text += " " + doc[t + 1].lower_
            elif t + 2 < len(doc) and doc[t].text in _POSSESSIVE and doc[t + 1].lower_ in _COMPASS \
                    and doc[t + 2].lower_ in _POSSESSED_REGION:
                text += " " + doc[t + 2].lower_  # "Hama's eastern countryside"
            # "the countryside of Idlib", "rural Hama", "the province of Daraa"
            if s >= 2 and doc[s - 1].lower_ == "of" and doc[s - 2].lower_ in (
                    "countryside", "countrysides", "province", "governorate", "hinterland"):
                text = "countryside of " + text if doc[s - 2].lower_ != "province" else "province of " + text
            elif s >= 1 and doc[s - 1].lower_ in ("rural", "reef", "rif"):
                text = "rural " + text
            # coordinated names sharing a plural unit word after the last one
            j, last = k, e
            while j + 1 < len(places):
                nxt = places[j + 1]
                gap = doc[last.end:nxt.start]
                if not gap or not all(g.lower_ in (",", "and", "or") for g in gap):
                    break
                j, last = j + 1, nxt
            if last is not e:
                tail = doc[last.end].lower_ if last.end < len(doc) else ""
                if doc[last.end - 1].lower_ in _PLURAL_UNIT or tail in _PLURAL_UNIT:
                    text += " province"
            # apposition: "Homs, one of Syria's largest provinces" / "Idlib, a province in ..."
            if t < len(doc) and doc[t].text == ",":
                window = []
                for tok in doc[t + 1:t + 9]:
                    if tok.is_punct and tok.text not in ("'", "’"):
                        break
                    window.append(tok.lower_)
                if window and window[0] in ("one", "a", "an", "the"):
                    for w in window:
                        if w in ("province", "provinces", "governorate", "governorates"):
                            text += " province"
                            break
                        if w in ("city", "cities", "town", "towns", "village"):
                            text += " city"
                            break
            out[(e.start, e.end)] = text
        return out

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
        rtext = self._resolution_texts(doc, ents)
        # first, context-free resolutions; unambiguous ones form the article context
        first = {}
        for e in places:
            first[(e.start, e.end)] = g.resolve_place(rtext[(e.start, e.end)], fuzzy=self.fuzzy)
        article_ids = [r.place_id for r in first.values() if r and len(r.candidates) <= 1]
        govs = [g.by_id[r.place_id].governorate for r in first.values()
                if r and g.by_id[r.place_id].feature_type == "governorate"]
        dateline = self._dateline(doc)
        sent_of = {}
        if doc.has_annotation("SENT_START"):
            for e in places:
                sent_of[(e.start, e.end)] = e.sent.start
        # the unambiguous places of each sentence, in text order: an ambiguous name's neighbours
        settled_in: dict[int | None, list[tuple[tuple[int, int], str]]] = {}
        for o in places:
            k = (o.start, o.end)
            if first.get(k) and len(first[k].candidates) <= 1:
                settled_in.setdefault(sent_of.get(k), []).append((k, first[k].place_id))
        # the same name with the same neighbours resolves the same way (the article-wide context
        # is fixed), and reporting repeats names: "Hama" ten times in one article
        in_context: dict[tuple, Resolution | None] = {}
        text_of = DocText(doc).of
        for e in ents:
            key = (e.start, e.end)
            x = e._  # one extension accessor per entity
            if e.label_ == "PLACE":
                r0 = first.get(key)
                r = r0
                if r0 is not None and len(r0.candidates) > 1:
                    near = [pid for k, pid in settled_in.get(sent_of.get(key), ()) if k != key]
                    memo = (rtext[key], tuple(near))
                    if memo not in in_context:
                        ctx = PlaceContext(place_ids=list(article_ids), near_place_ids=near,
                                           governorates=govs, dateline=dateline)
                        in_context[memo] = g.resolve_place(rtext[key], ctx, fuzzy=self.fuzzy)
                    r = in_context[memo]
                if r is not None:
                    x.entity_id, x.resolution = r.place_id, r.resolution
                    x.resolution_score, x.resolution_decision = r.score, r.decision
                else:
                    x.entity_id = unresolved_id(text_of(e))
                    x.resolution = "unresolved"
                    x.resolution_score = 0.0
                    x.resolution_decision = "not_in_gazetteer"
            elif e.label_ == "ACTOR":
                text = text_of(e)
                a = reg.resolve_actor(text)
                if a is None and e.id_:
                    a = reg.get(e.id_)
                if a is not None:
                    exact = text.lower() == a.name.lower()
                    x.entity_id, x.side = a.actor_id, a.side
                    x.resolution = "exact" if exact else "alias"
                    x.resolution_score = 1.0 if exact else 0.95
                else:
                    x.resolution = "unresolved"
        # people in the registry (Assad, al-Jolani) are PERSON mentions that keep their id and
        # camp; ACTOR is for forces, parties and sources (docs/accuracy.md)
        out = []
        for e in ents:
            a = reg.get(e._.entity_id) if e.label_ == "ACTOR" and e._.entity_id else None
            if a is not None and a.is_person:
                p = Span(doc, e.start, e.end, label="PERSON", span_id=e.id_)
                for name in ("entity_id", "resolution", "side", "resolution_score"):
                    setattr(p._, name, getattr(e._, name))
                e = p
            out.append(e)
        ents = out
        doc.ents = ents
        # doc.ents re-creates spans; extension values are keyed by offsets, so they persist
        return doc


@Language.factory(
    RESOLVER_NAME,
    default_config={"fuzzy": True},
)
def make_entity_resolver(nlp: Language, name: str, fuzzy: bool = True) -> EntityResolver:
    return EntityResolver(nlp, name, fuzzy=fuzzy)


def make_entity_ruler_patterns(tokenizer=None) -> list[dict]:
    return ruler_patterns(load_gazetteer(), load_actor_registry(), tokenizer=tokenizer)


def add_entity_components(nlp: Language, *, load_patterns: bool = True) -> Language:
    """Add the gazetteer/actor entity rulers before `ner` and the resolver after it. Without
    `load_patterns` the rulers stay empty until `load_entity_patterns` (the parse does it): a
    run that parses nothing, such as a rule edit's rebuild from cached docs, skips ~0.8 s."""
    where = {"before": "ner"} if "ner" in nlp.pipe_names else {}
    # One-token names first, exact case; the main ruler runs after and overwrites them where a
    # longer name covers them ("Hama countryside"), as one ruler would keep the longest match.
    nlp.add_pipe("entity_ruler", name=NAMES_RULER_NAME, **where,
                 config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    nlp.add_pipe("entity_ruler", name=RULER_NAME, **where,
                 config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    if load_patterns:
        load_entity_patterns(nlp)
    after = {"after": "ner"} if "ner" in nlp.pipe_names else {}
    nlp.add_pipe(RESOLVER_NAME, **after)
    return nlp


ENTITY_RULERS = (NAMES_RULER_NAME, RULER_NAME)
# Set on the rulers while they hold only the patterns a few texts can match (`load_entity_patterns`
# with `docs`): they still count as pending, and the next fill starts from empty.
_FILLED_FOR_DOCS = "frontline_filled_for_docs"
# How a phrase pattern's tokens are compared with a doc's, by the ruler's `phrase_matcher_attr`.
_MATCH_VALUE = {"ORTH": "orth_", "TEXT": "orth_", "LOWER": "lower_"}


def entity_patterns_pending(nlp: Language) -> bool:
    """Whether the gazetteer and actor rulers still lack some of their patterns: empty, or filled
    only for the texts of one small parse."""
    # read from the rulers themselves, not kept aside: a reloaded module must not fill them twice
    if not all(n in nlp.pipe_names for n in ENTITY_RULERS):
        return False
    rulers = [nlp.get_pipe(n) for n in ENTITY_RULERS]
    return all(not len(r) or getattr(r, _FILLED_FOR_DOCS, False) for r in rulers)


def entity_ruler_patterns(nlp: Language) -> dict[str, list[dict]]:
    """The gazetteer and actor rulers' patterns, by ruler name (every name is tokenised: ~1 s)."""
    patterns, names = case_sensitive_names(
        compile_for_speed(make_entity_ruler_patterns(nlp.tokenizer), nlp.tokenizer), nlp.tokenizer
    )
    return {NAMES_RULER_NAME: names, RULER_NAME: patterns}


def phrase_tokens(nlp: Language, patterns: dict[str, list[dict]]) -> dict[str, list[list[str] | None] | None]:
    """Each phrase pattern's tokens as its ruler's phrase matcher compares them (ORTH or LOWER),
    by ruler name; None for a token pattern, or for a ruler matching on another attribute."""
    out: dict[str, list[list[str] | None] | None] = {}
    for name, listed in patterns.items():
        value = _MATCH_VALUE.get(nlp.get_pipe(name).phrase_matcher_attr)
        out[name] = None if value is None else [
            [getattr(t, value) for t in nlp.make_doc(p["pattern"])] if isinstance(p["pattern"], str) else None
            for p in listed
        ]
    return out


def _patterns_for(patterns: list[dict], tokens: list[list[str] | None] | None, docs: list[Doc], attr: str) -> list[dict]:
    # A phrase matches only where every one of its tokens is a token of the doc, so a pattern
    # with a token no doc has cannot match any of them.
    value = _MATCH_VALUE.get(attr)
    if tokens is None or value is None:
        return patterns
    present = {getattr(t, value) for doc in docs for t in doc}
    return [p for p, toks in zip(patterns, tokens) if toks is None or present.issuperset(toks)]


def load_entity_patterns(
    nlp: Language,
    patterns: dict[str, list[dict]] | None = None,
    *,
    tokens: dict[str, list[list[str] | None] | None] | None = None,
    docs: list[Doc] | None = None,
) -> bool:
    """Fill the gazetteer and actor rulers, once per pipeline, with `patterns` (as
    `entity_ruler_patterns` builds them; built here if not given); True when this call filled them.

    With `docs` (the tokenised texts of a small parse) and `tokens` (`phrase_tokens` of the
    patterns), the rulers get only the patterns that can match one of those docs: the same
    entities for them, without adding ~8,800 phrases (0.5 s) to parse one new article. Such rulers
    stay pending, so the next parse fills them again, for its own texts or in full."""
    if not entity_patterns_pending(nlp):
        return False
    if patterns is None:
        patterns = entity_ruler_patterns(nlp)
    for_docs = docs is not None and tokens is not None
    # EntityRuler.add_patterns runs every component before the ruler (tok2vec, tagger, parser,
    # lemmatizer) over each phrase pattern; ORTH and LOWER phrases need only the tokenizer, and
    # with every pipe disabled the ruler tokenises its ~4,000 phrases in 0.2 s instead of 3 s.
    with nlp.select_pipes(disable=nlp.pipe_names):
        for name in ENTITY_RULERS:
            ruler = nlp.get_pipe(name)
            ruler.clear()  # a fill for other texts' docs goes
            chosen = patterns[name]
            if for_docs:
                chosen = _patterns_for(chosen, tokens.get(name), docs, ruler.phrase_matcher_attr)
            ruler.add_patterns(chosen)
            setattr(ruler, _FILLED_FOR_DOCS, for_docs)
    return for_docs or not entity_patterns_pending(nlp)
