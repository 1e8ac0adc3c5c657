"""Actor registry: forces, officials and sources of Syria's war, with aliases and camp (side).

`resolve_actor(text)` looks the mention up by its light key (case, punctuation and apostrophe
style folded), then by the transliteration key (Hay'at Tahrir al-Sham = Hayat Tahrir ash-Sham),
then with a leading article or possessive removed, and last by descriptive rules for phrases
the registry does not list verbatim ("Turkish-backed Syrian opposition factions" -> SNA,
"regime reinforcements" -> Syrian army). Acronyms (SDF, IS, WHO, AP) match case-sensitively so
"who" or "is" never become actors.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.reference.normalise import is_arabic, light_key, normalise_name

DATA = Path(__file__).resolve().parent / "data" / "actors.csv"

SIDES = ("opposition", "government", "sdf", "isis", "israel", "turkey", "russia", "usa", "other",
         "unknown")
KINDS = ("armed_group", "coalition", "state_force", "militia", "air_force", "source", "official",
         "organisation", "person")

# Words that name a camp or a state as a modifier of a force noun ("Russian warplanes",
# "government troops"); the entity rules build descriptive mentions from them.
CAMP_WORDS = frozenset("""government regime pro-government pro-regime pro-assad loyalist syrian
    russian turkish israeli american u.s. us iranian iraqi lebanese ukrainian jordanian kurdish opposition
    rebel islamist jihadist insurgent assad hts sdf isis is""".split())
# Adjectives of a state or camp that coordinate into one joint force ("Syrian and Russian air
# forces"); names ("HTS and opposition factions") are two mentions, not one.
CAMP_ADJECTIVES = frozenset("""syrian russian turkish israeli american iranian iraqi lebanese
    ukrainian kurdish jordanian""".split())
# Nouns that head a mention of an armed force ("forces", "warplanes", "instructors").
FORCE_NOUNS = frozenset("""forces troops soldiers fighters militias militia factions rebels units
    warplanes jets aircraft helicopters drones reinforcements army military militants groups
    gunmen brigades airpower instructors advisers advisors trainers mercenaries commandos
    paratroopers personnel""".split())

_POSSESSIVE = re.compile(r"['’`]s$|['’]$")
# "Syrian and Russian air forces": a coordinated camp modifier; the first-named camp is the actor
_COORDINATED_CAMP = re.compile(r"^((?:the )?([a-z.]+)) (?:and|&) ([a-z.]+) (?=\S)")
_FORCE = r"(forces|troops|soldiers|military|army|units|instructors|advisers|advisors|trainers|personnel|mercenaries|commandos)"
_LEADING = re.compile(r"^(the|a|an|some|several|many|other|fellow|allied|local)\s+", re.I)

# Descriptive fallbacks: (regex on the light key, actor_id). Order matters: first match wins.
_DESCRIPTIVE: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b(turkish|turkey|ankara) (backed|supported|aligned|allied)\b|\bpro turk"), "sna"),
    (re.compile(r"\bhts\b|\btahrir al sham\b|\bnusra\b"), "hts"),
    (re.compile(r"\b(iran|iranian) (backed|supported|aligned|allied)\b|\bpro iran"),
     "iranian_backed_militias"),
    (re.compile(r"\b(russian|russia s) (war ?planes|jets|aircraft|air ?strikes|bombers|planes|helicopters|air ?forces?|air ?power)\b"),
     "russia_air_force"),
    (re.compile(r"\b(russian|russia s)\b.*\b" + _FORCE + r"\b"), "russia_forces"),
    (re.compile(r"\b(ukrainian|ukraine s)\b.*\b" + _FORCE + r"\b"), "ukraine_forces"),
    (re.compile(r"\b(iranian|iran s)\b.*\b(troops|soldiers|military|army|instructors|advisers|advisors|personnel|revolutionary guards?)\b"),
     "iran_irgc"),
    (re.compile(r"\b(turkish|turkey s)\b.*\b(forces|troops|soldiers|military|army|drones?|war ?planes|jets|artillery)\b"),
     "turkey_forces"),
    (re.compile(r"\b(israeli|israel s)\b.*\b(forces|troops|soldiers|military|army|drones?|war ?planes|jets|air ?strikes?)\b"),
     "israel_forces"),
    (re.compile(r"\b(us|u s|american|us led)\b.*\b(forces|troops|soldiers|military|war ?planes|jets|coalition)\b"),
     "usa_forces"),
    (re.compile(r"\b(kurdish|kurdish led|sdf)\b.*\b(forces|fighters|militias?|units)\b"), "sdf"),
    (re.compile(r"\b(is|isis|isil|daesh|islamic state)\b.*\b(militants|fighters|cells|members|jihadists)\b"), "isis"),
    (re.compile(r"\b(pro government|pro regime|pro assad|loyalist|government allied|government aligned)\b.*\b(militias?|fighters|groups|gunmen)\b"),
     "pro_government_militias"),
    (re.compile(r"\b(syrian|government|regime|assad s?|army)\b.*\b(war ?planes|jets|aircraft|helicopters|air ?forces?|air ?power)\b"),
     "syrian_air_force"),
    (re.compile(r"\b(syrian|government|regime|assad s?|pro government|loyalist|army)\b.*\b(forces|troops|soldiers|army|units|reinforcements|positions|divisions?|brigades?|military)\b"),
     "syrian_army"),
    (re.compile(r"\b(opposition|rebel|rebels|insurgent|islamist|jihadist|armed|militant)\b.*\b(factions|forces|fighters|groups|brigades|units|coalition|alliance|militants|reinforcements)\b"),
     "opposition_factions"),
    (re.compile(r"^(rebels|insurgents|factions|jihadists|islamists)$"), "opposition_factions"),
]


@dataclass(frozen=True)
class Actor:
    actor_id: str
    name: str
    side: str
    kind: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    metonyms: tuple[str, ...] = ()  # state/capital names that stand for it as an agent

    @property
    def is_source(self) -> bool:
        return self.kind in ("source", "organisation")

    @property
    def is_person(self) -> bool:
        return self.kind == "person"


def is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return 1 < len(letters) <= 6 and alias.replace(".", "").replace(" ", "").isupper()


class ActorRegistry:
    def __init__(self, actors):
        self.actors: list[Actor] = list(actors)
        self.by_id = {a.actor_id: a for a in self.actors}
        self._light: dict[str, str] = {}
        self._acronym: dict[str, str] = {}
        self._translit: dict[str, str] = {}
        self._metonym: dict[str, str] = {}
        self._forms: dict[str, list[str]] = {}
        for a in self.actors:
            for m in a.metonyms:
                self._metonym.setdefault(light_key(m.replace(".", "")), a.actor_id)  # file order = priority when an alias is listed twice
            for alias in (a.name, *a.aliases):
                if is_acronym(alias):
                    self._acronym.setdefault(alias.replace(".", ""), a.actor_id)
                    continue
                key = alias.strip() if is_arabic(alias) else light_key(alias)
                self._light.setdefault(key, a.actor_id)
                self._forms.setdefault(key, []).append(alias)
                if not is_arabic(alias):
                    self._translit.setdefault(normalise_name(alias), a.actor_id)

    def __len__(self) -> int:
        return len(self.actors)

    def get(self, actor_id: str) -> Actor | None:
        return self.by_id.get(actor_id)

    def _direct(self, text: str) -> str | None:
        t = text.strip()
        if not t:
            return None
        if is_arabic(t):
            return self._light.get(t)
        compact = t.replace(".", "")
        if compact in self._acronym:
            return self._acronym[compact]
        if is_acronym(t):
            return None  # an unknown acronym is not a lowercased alias ("WHO" vs "who")
        lk = light_key(t)
        if lk in self._light:
            return self._light[lk]
        k = normalise_name(t)
        if len(k) >= 4 and k in self._translit:
            return self._translit[k]
        return None

    @lru_cache(maxsize=20_000)
    def resolve_actor(self, text: str) -> Actor | None:
        """The registry actor a mention names, or None."""
        if not text:
            return None
        t = _POSSESSIVE.sub("", text.strip().strip(".,;:\"“”()"))
        for cand in (t, _LEADING.sub("", t)):
            aid = self._direct(cand)
            if aid:
                return self.by_id[aid]
        lk = light_key(t)
        if not lk or is_acronym(t):
            return None
        m = _COORDINATED_CAMP.match(lk)
        if m and m.group(2) in CAMP_ADJECTIVES and m.group(3) in CAMP_ADJECTIVES:
            return self.resolve_actor(m.group(1) + " " + lk[m.end():])
        for rx, aid in _DESCRIPTIVE:
            if rx.search(lk):
                return self.by_id.get(aid)
        return None

    def case_mismatch(self, text: str) -> bool:
        """True when the text spells a listed proper name in lower case where every listed form
        capitalises it: "an Islamic state" is a kind of state, not the Islamic State."""
        t = _LEADING.sub("", _POSSESSIVE.sub("", (text or "").strip()))
        forms = self._forms.get(light_key(t))
        if not forms or t.isupper():
            return False
        words = t.split()

        def fits(form: str) -> bool:
            fw = _LEADING.sub("", form).split()
            if len(fw) != len(words):
                return True  # cannot align: do not judge
            return not any(f[:1].isupper() and w[:1].islower() for f, w in zip(fw, words))

        return not any(fits(f) for f in forms)

    def state_actor(self, text: str) -> Actor | None:
        """The actor a state or capital name stands for when it acts ("Moscow accused",
        "Tehran has hinted"): the `metonyms` column. The caller decides whether the name acts."""
        t = _POSSESSIVE.sub("", (text or "").strip())
        aid = self._metonym.get(light_key(t.replace(".", "")))
        if aid is None:
            aid = self._metonym.get(light_key(_LEADING.sub("", t).replace(".", "")))
        return self.by_id.get(aid) if aid else None

    def is_metonym(self, text: str) -> bool:
        return self.state_actor(text) is not None

    def side_of(self, text: str) -> str:
        a = self.resolve_actor(text)
        return a.side if a else "unknown"


def _read(path: Path) -> list[Actor]:
    with open(path, encoding="utf-8") as f:
        out = []
        for r in csv.DictReader(f):
            assert r["side"] in SIDES, r
            assert r["kind"] in KINDS, r
            out.append(Actor(r["actor_id"], r["name"], r["side"], r["kind"],
                             tuple(a for a in r["aliases"].split("|") if a), r["description"],
                             tuple(m for m in (r.get("metonyms") or "").split("|") if m)))
    return out


@lru_cache(maxsize=4)
def load_actor_registry(path: str | None = None) -> ActorRegistry:
    return ActorRegistry(_read(Path(path) if path else DATA))


def actors_frame(registry: ActorRegistry | None = None):
    """The warehouse `dim_actor` columns as a polars DataFrame (aliases as list[str])."""
    import polars as pl

    r = registry or load_actor_registry()
    return pl.DataFrame(
        {
            "actor_id": [a.actor_id for a in r.actors],
            "name": [a.name for a in r.actors],
            "side": [a.side for a in r.actors],
            "kind": [a.kind for a in r.actors],
            "aliases": [list(a.aliases) for a in r.actors],
        },
        schema={"actor_id": pl.Utf8, "name": pl.Utf8, "side": pl.Utf8, "kind": pl.Utf8,
                "aliases": pl.List(pl.Utf8)},
    )
