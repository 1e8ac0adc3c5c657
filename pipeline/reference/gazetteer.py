"""Syria places gazetteer: loading, transliteration-robust lookup and context disambiguation.

`resolve_place(text, context)` works in tiers, stopping at the first tier that finds candidates:

1. exact  - the light key (case/diacritics/punctuation folded) equals a place's name;
2. alias  - the light key equals one of its aliases, or the transliteration key
   (`normalise_name`) equals the key of its name or an alias (Souran = Suran);
3. fuzzy  - the consonant skeleton matches (Kfar Zita = Kafr Zita), or, last, rapidfuzz's
   ratio on transliteration keys is >= FUZZY_THRESHOLD (measured, see README.md).

Several places may share a name (Suran in Hama and in Aleppo; Hama city, district, governorate).
A qualifier in the text ("province", "countryside", "city", "Mount ...") first narrows the
feature type; the remaining candidates are scored by feature type (a populated place over an admin
unit for a bare name), same governorate as the article's other places, and distance to places
mentioned nearby. The decision and the candidate list are kept on the `Resolution`.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process

from pipeline.reference.normalise import is_arabic, light_key, normalise_name, skeleton_key

DATA = Path(__file__).resolve().parent / "data" / "places.csv"

# rapidfuzz fuzz.ratio on space-free light keys. Measured with tune_fuzzy.py (README.md):
# 0 of 113 non-gazetteer names match at >= 84; 86 leaves a margin.
FUZZY_THRESHOLD = 86.0
FUZZY_MIN_KEY_LEN = 5

SCORE_EXACT = 1.0
SCORE_ALIAS = 0.95
SCORE_TRANSLIT = 0.9
SCORE_SKELETON = 0.8

POPULATED = ("city", "town", "village")
ADMIN = ("governorate", "district", "subdistrict")

# Prior for a bare name: people write "Hama" for the city, not the governorate.
FEATURE_PRIOR = {
    "city": 0.30, "town": 0.28, "village": 0.25, "country": 0.30, "neighbourhood": 0.22,
    "airport": 0.18, "military_site": 0.18, "mountain": 0.18, "plain": 0.18, "road": 0.15,
    "region": 0.15, "governorate": 0.10, "district": 0.05, "subdistrict": 0.0,
}

# Qualifiers that name the feature type: (regex on the light key, feature types, strip?)
_SUFFIX_HINTS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"\s+(provinces?|governorates?|muhafazat)$"), ("governorate",)),
    (re.compile(r"\s+(countryside|countrysides|suburbs|outskirts)$"), ("governorate", "district")),
    (re.compile(r"\s+(region|regions|area|areas)$"), ("governorate", "district", "plain", "region")),
    (re.compile(r"\s+(sub ?district|nahiya|nahiyah)$"), ("subdistrict",)),
    (re.compile(r"\s+district$"), ("district", "subdistrict")),
    (re.compile(r"\s+(city|town|village|centre|center)$"), POPULATED),
    (re.compile(r"\s+(mountain|mountains|mount|heights|hill|hills)$"), ("mountain",)),
    (re.compile(r"\s+(neighbourhood|neighborhood|quarter)$"), ("neighbourhood",)),
    (re.compile(r"\s+(plain|plains|valley)$"), ("plain", "region")),
    (re.compile(r"\s+(military airport|airport|air base|airbase|airfield|military airbase)$"),
     ("airport", "military_site")),
    # "the Homs desert", "Deir ez-Zor's badia": the governorate's desert part
    (re.compile(r"\s+(desert|badia|badiya|steppe)$"), ("governorate", "region")),
]
# A facility qualifier names the facility, never the town it is named after: "Deir ez-Zor
# airport" stays unresolved rather than becoming the city when the gazetteer lacks the airport.
_FACILITY_HINTS = {("airport", "military_site")}
_PREFIX_HINTS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"^(province|governorate|countryside|muhafazat) of\s+"), ("governorate",)),
    (re.compile(r"^(rural|reef|rif|countryside of|outskirts of)\s+"), ("governorate", "district")),
    (re.compile(r"^(city|town|village) of\s+"), POPULATED),
    (re.compile(r"^(mount|mt|jabal|jebel|jabel|jbel)\s+"), ("mountain",)),
    (re.compile(r"^(hay|hayy)\s+"), ("neighbourhood",)),
    (re.compile(r"^(district) of\s+"), ("district",)),
]
_POSSESSIVE = re.compile(r"['’`]s$|['’]$")
_NOISE_PREFIX = re.compile(
    r"^(the|greater|central|outskirts of|parts of|part of|downtown|besieged|"
    r"strategic|key|rebel held|government held|regime held)\s+"
)
# A compass part of a name ("northern Hama", "southwestern Idlib") is a part of the region,
# so a name that is both a city and a governorate means the governorate; a country stays the
# country ("northeast Syria") and a plain town stays the town (docs/accuracy.md).
_COMPASS_PREFIX = re.compile(
    r"^(northern|southern|eastern|western|north|south|east|west|northeast|northwest|southeast|"
    r"southwest|northeastern|northwestern|southeastern|southwestern|north eastern|"
    r"north western|south eastern|south western)\s+"
)
COMPASS_HINT = ("governorate", "country", "region", "plain")


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    feature_type: str
    governorate: str
    district: str
    lat: float | None
    lon: float | None
    geonames_id: str
    pcode: str
    aliases: tuple[str, ...]
    source: str
    note: str

    @property
    def governorates(self) -> tuple[str, ...]:
        # a road can run through several governorates ("Daraa|...|Aleppo")
        return tuple(g for g in self.governorate.split("|") if g)

    @property
    def is_populated(self) -> bool:
        return self.feature_type in POPULATED


@dataclass(frozen=True)
class Resolution:
    place_id: str
    resolution: str  # exact / alias / fuzzy
    score: float  # match quality in [0, 1]
    decision: str = "unique"  # how the candidate was chosen
    candidates: tuple[str, ...] = ()


@dataclass
class PlaceContext:
    """What else the article says about where it is.

    place_ids: places resolved elsewhere in the article (order irrelevant, repeats count);
    near_place_ids: places in the same sentence / list (weigh more for distance);
    governorates: governorate names mentioned ("Aleppo", "Hama province" resolved);
    dateline: the dateline place (text or place_id).
    """

    place_ids: list[str] = field(default_factory=list)
    near_place_ids: list[str] = field(default_factory=list)
    governorates: list[str] = field(default_factory=list)
    dateline: str | None = None

    @classmethod
    def coerce(cls, ctx) -> "PlaceContext | None":
        if ctx is None or isinstance(ctx, PlaceContext):
            return ctx
        if isinstance(ctx, Mapping):
            return cls(
                place_ids=list(ctx.get("place_ids", []) or []),
                near_place_ids=list(ctx.get("near_place_ids", []) or []),
                governorates=list(ctx.get("governorates", []) or []),
                dateline=ctx.get("dateline"),
            )
        if isinstance(ctx, str):
            return cls(place_ids=[ctx])
        return cls(place_ids=list(ctx))


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def fuzzy_key(text: str) -> str:
    """Key for the rapidfuzz tier: the light key without spaces (vowels kept: folded keys are
    too short for edit-distance ratios to separate names, see tune_fuzzy.py)."""
    return light_key(text).replace(" ", "")


def strip_qualifiers(text: str) -> tuple[str, tuple[str, ...] | None]:
    """'northern Hama countryside' -> ('hama', ('governorate',)); returns a light key."""
    key = light_key(_POSSESSIVE.sub("", text.strip()))
    hint: tuple[str, ...] | None = None
    changed = True
    while changed:
        changed = False
        m = _NOISE_PREFIX.match(key)
        if m and len(key) > m.end():
            key, changed = key[m.end():], True
        m = _COMPASS_PREFIX.match(key)
        if m and len(key) > m.end():
            key, changed, hint = key[m.end():], True, hint or COMPASS_HINT
        for rx, ft in _PREFIX_HINTS:
            m = rx.match(key)
            if m and len(key) > m.end():
                key, changed, hint = key[m.end():], True, hint or ft
        for rx, ft in _SUFFIX_HINTS:
            m = rx.search(key)
            if m and m.start() > 0:
                key, changed, hint = key[: m.start()], True, hint or ft
    return key.strip(), hint


class Gazetteer:
    def __init__(self, places: Iterable[Place]):
        self.places: list[Place] = list(places)
        self.by_id: dict[str, Place] = {p.place_id: p for p in self.places}
        self._exact: dict[str, set[str]] = defaultdict(set)
        self._alias: dict[str, set[str]] = defaultdict(set)
        self._translit: dict[str, set[str]] = defaultdict(set)
        self._skeleton: dict[str, set[str]] = defaultdict(set)
        for p in self.places:
            names = [p.name, p.name.split("(")[0].strip()]
            for n in names:
                self._exact[light_key(n)].add(p.place_id)
            for a in p.aliases:
                if is_arabic(a):
                    self._alias[a.strip()].add(p.place_id)
                else:
                    self._alias[light_key(a)].add(p.place_id)
            for n in names + [a for a in p.aliases if not is_arabic(a)]:
                k = normalise_name(n)
                if k:
                    self._translit[k].add(p.place_id)
                s = skeleton_key(n)
                if len(s) >= 4:
                    self._skeleton[s].add(p.place_id)
        self._fuzzy: dict[str, set[str]] = defaultdict(set)
        for p in self.places:
            for n in (p.name, *p.aliases):
                if not is_arabic(n):
                    self._fuzzy[fuzzy_key(n)].add(p.place_id)
        self._fuzzy_keys = [k for k in self._fuzzy if len(k) >= FUZZY_MIN_KEY_LEN]
        self._gov_keys = {normalise_name(p.governorate): p.governorate
                          for p in self.places if p.feature_type == "governorate"}
        # per place, what context scoring reads of it (filled as places are scored)
        self._scoring_facts: dict[str, tuple[str, bool, tuple[float, float] | None]] = {}
        self._governorate_named: dict[str, str | None] = {}
        self._resolve_cached = lru_cache(maxsize=50_000)(self._candidates)
        # without context the answer depends on the text alone, and a corpus names the same
        # places over and over (Resolution is frozen, so sharing one is safe)
        self._resolve_free = lru_cache(maxsize=50_000)(lambda text, fuzzy: self._resolve(text, None, fuzzy))

    def __len__(self) -> int:
        return len(self.places)

    def get(self, place_id: str) -> Place | None:
        return self.by_id.get(place_id)

    # -- candidate lookup -------------------------------------------------------------------
    def _match(self, text: str, fuzzy: bool = True) -> dict[str, tuple[str, float]]:
        """place_id -> (resolution, score). Exact, alias and transliteration matches are pooled
        (a city's name can be its governorate's alias); fuzzy tiers only run when those fail."""
        raw = text.strip()
        if is_arabic(raw):
            return {pid: ("alias", SCORE_ALIAS) for pid in self._alias.get(raw, ())}
        lk = light_key(raw)
        if not lk:
            return {}
        m: dict[str, tuple[str, float]] = {}
        for pid in self._exact.get(lk, ()):
            m[pid] = ("exact", SCORE_EXACT)
        for pid in self._alias.get(lk, ()):
            m.setdefault(pid, ("alias", SCORE_ALIAS))
        for pid in self._translit.get(normalise_name(raw), ()):
            m.setdefault(pid, ("alias", SCORE_TRANSLIT))
        if m or not fuzzy:
            return m
        s = skeleton_key(raw)
        if len(s) >= 4 and s in self._skeleton:
            return {pid: ("fuzzy", SCORE_SKELETON) for pid in self._skeleton[s]}
        k = fuzzy_key(raw)
        if len(k) >= FUZZY_MIN_KEY_LEN:
            best = process.extract(k, self._fuzzy_keys, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_THRESHOLD, limit=5)
            if best:
                top = best[0][1]
                for key, sc, _ in best:
                    if sc >= top - 1e-9:
                        for pid in self._fuzzy[key]:
                            m[pid] = ("fuzzy", round(top / 100.0, 3))
        return m

    def _candidates(self, text: str, fuzzy: bool = True):
        """(matches, hint). A qualifier ("province", "city", "Mount") narrows the feature type
        when the bare name has a place of that type; otherwise the full text is matched, so
        names containing such words ("Mount Simeon", "Hama Military Airport") still resolve."""
        text = _POSSESSIVE.sub("", text.strip())
        core, hint = strip_qualifiers(text)
        lk = light_key(text)
        if lk in self._exact or lk in self._alias:
            m = self._match(text, fuzzy=False)
            # "Damascus City" is an alias of the governorate; a town qualifier still wins below
            if not (hint and set(hint) <= set(POPULATED)):
                return m, None
        if hint and core:
            m = self._match(core, fuzzy=False)
            if any(self.by_id[pid].feature_type in hint for pid in m):
                return m, hint
        m = self._match(text, fuzzy=False)
        if m:
            return m, None
        if hint in _FACILITY_HINTS and core and self._match(core, fuzzy=False):
            return {}, hint
        if core and core != light_key(text):
            m = self._match(core, fuzzy=fuzzy)
            if m:
                return m, hint
        return self._match(text, fuzzy=fuzzy), None

    # -- disambiguation ----------------------------------------------------------------------
    def _context_governorates(self, ctx: PlaceContext) -> Counter:
        c: Counter = Counter()
        for g in ctx.governorates:
            if g not in self._governorate_named:
                self._governorate_named[g] = self._gov_keys.get(normalise_name(strip_qualifiers(g)[0]))
            name = self._governorate_named[g]
            if name:
                c[name] += 1
        for pid in ctx.place_ids + ctx.near_place_ids:
            p = self.by_id.get(pid)
            if p and p.feature_type != "country":
                for g in p.governorates:
                    c[g] += 1
        if ctx.dateline:
            p = self._dateline_place(ctx.dateline)
            if p:
                for g in p.governorates:
                    c[g] += 2
        return c

    def _dateline_place(self, dateline: str) -> Place | None:
        p = self.by_id.get(dateline)
        if p is None:
            r = self.resolve_place(dateline, fuzzy=False)
            p = self.by_id.get(r.place_id) if r else None
        return p

    def _point(self, p: Place) -> tuple[float, float] | None:
        if p.lat is not None and p.lon is not None and p.feature_type not in ("road", "country"):
            return p.lat, p.lon
        if p.feature_type == "neighbourhood":
            # a neighbourhood without coordinates sits in its city
            city = self.by_id.get(light_key(p.district).replace(" ", "_"))
            if city and city.lat is not None:
                return city.lat, city.lon
        return None

    def _context_points(self, ctx: PlaceContext, exclude: set[str]) -> list[tuple[float, float, float]]:
        pts = []
        for w, ids in ((1.0, ctx.near_place_ids), (0.5, ctx.place_ids)):
            for pid in ids:
                p = self.by_id.get(pid)
                if p is None or pid in exclude or p.feature_type in ADMIN:
                    continue
                pt = self._point(p)
                if pt:
                    pts.append((pt[0], pt[1], w))
        if ctx.dateline:
            p = self._dateline_place(ctx.dateline)
            if p and p.place_id not in exclude:
                pt = self._point(p)
                if pt:
                    pts.append((pt[0], pt[1], 0.5))
        return pts

    def _is_seat(self, p: Place) -> bool:
        """A governorate's capital (Daraa city for Daraa governorate)."""
        return p.is_populated and self._gov_keys.get(
            normalise_name(p.name.split("(")[0])) == p.governorate

    def _facts(self, p: Place) -> tuple[str, bool, tuple[float, float] | None]:
        """(light key of its name, is a governorate seat, point) of a place, worked out once."""
        facts = self._scoring_facts.get(p.place_id)
        if facts is None:
            facts = self._scoring_facts[p.place_id] = (
                light_key(p.name.split("(")[0]), self._is_seat(p), self._point(p))
        return facts

    def _choose(self, matches: dict, hint, ctx: PlaceContext | None, text: str):
        ids = sorted(matches)
        cands = [self.by_id[i] for i in ids]
        decision = []
        if hint:
            narrowed = [p for p in cands if p.feature_type in hint]
            if narrowed:
                cands = narrowed
                decision.append("qualifier:" + "/".join(hint))
        # A spelling the gazetteer lists for a populated place (Deraa for Daraa) beats places
        # elsewhere that only share its folded transliteration key (Darayya near Damascus),
        # whatever the context; the listed place's own admin units stay candidates.
        listed = [p for p in cands if matches[p.place_id][1] >= SCORE_ALIAS and p.is_populated]
        if listed:
            govs = {g for p in listed for g in p.governorates}
            keep = [p for p in cands if matches[p.place_id][1] >= SCORE_ALIAS
                    or set(p.governorates) & govs]
            if len(keep) < len(cands):
                cands = keep
                decision.append("listed_spelling")
        if len(cands) == 1:
            return cands[0], (";".join(decision) or "unique"), tuple(ids)
        gov_counts = self._context_governorates(ctx) if ctx else Counter()
        total_gov = sum(gov_counts.values())
        pts = self._context_points(ctx, exclude=set(ids)) if ctx else []
        lk = light_key(text)
        scored = []
        for p in cands:
            name_key, is_seat, pt = self._facts(p)
            s = FEATURE_PRIOR.get(p.feature_type, 0.1) + 0.1 * matches[p.place_id][1]
            pop_bonus = 0.0
            if p.source.startswith("curated"):
                s += 0.03  # hand-checked for this war's reporting
            if name_key == lk:
                s += 0.02
            if is_seat:
                s += 0.05  # the bigger, better-known place of a shared name
            why = []
            if total_gov:
                share = max((gov_counts.get(g, 0) for g in p.governorates), default=0) / total_gov
                if share:
                    s += 0.5 * share
                    why.append("same_governorate")
            if pt and pts:
                prox = max(w * math.exp(-_haversine(pt[0], pt[1], a, b) / 30.0) for a, b, w in pts)
                if prox > 0.05:
                    s += 0.4 * prox
                    why.append("near_context")
            s += pop_bonus
            scored.append((s, p, why))
        scored.sort(key=lambda t: (-t[0], t[1].place_id))
        best_s, best, why = scored[0]
        if len(scored) > 1 and best_s - scored[1][0] < 0.01:
            decision.append("tie")
        decision.append("context:" + "+".join(why) if why else "default:feature_prior")
        return best, ";".join(decision), tuple(p.place_id for _, p, _ in scored)

    def resolve_place(self, text: str, context=None, fuzzy: bool = True) -> Resolution | None:
        """Resolve a surface form to a place, or None. `context` is a PlaceContext, a mapping
        with the same keys, or an iterable of place_ids mentioned elsewhere in the article."""
        if not text or not text.strip():
            return None
        if context is None:
            return self._resolve_free(text, fuzzy)
        return self._resolve(text, PlaceContext.coerce(context), fuzzy)

    def _resolve(self, text: str, ctx: PlaceContext | None, fuzzy: bool) -> Resolution | None:
        matches, hint = self._resolve_cached(text.strip(), fuzzy)
        if not matches:
            return None
        place, decision, cands = self._choose(matches, hint, ctx, text)
        res, score = matches[place.place_id]
        return Resolution(place.place_id, res, score, decision, cands)

    def candidates(self, text: str) -> list[Place]:
        matches, _ = self._resolve_cached(text.strip(), True)
        return [self.by_id[i] for i in sorted(matches)]

    def is_ambiguous(self, text: str) -> bool:
        return len(self.candidates(text)) > 1

    def governorate_of(self, place_id: str) -> str | None:
        p = self.by_id.get(place_id)
        return p.governorate if p else None


def _read_places(path: Path) -> list[Place]:
    out = []
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append(Place(
                place_id=r["place_id"], name=r["name"], feature_type=r["feature_type"],
                governorate=r["governorate"], district=r["district"],
                lat=float(r["lat"]) if r["lat"] else None,
                lon=float(r["lon"]) if r["lon"] else None,
                geonames_id=r["geonames_id"], pcode=r["pcode"],
                aliases=tuple(a for a in r["aliases"].split("|") if a),
                source=r["source"], note=r["note"],
            ))
    return out


@lru_cache(maxsize=4)
def load_gazetteer(path: str | None = None) -> Gazetteer:
    return Gazetteer(_read_places(Path(path) if path else DATA))


def places_frame(gazetteer: Gazetteer | None = None):
    """The warehouse `dim_place` columns as a polars DataFrame (aliases as list[str])."""
    import polars as pl

    g = gazetteer or load_gazetteer()
    return pl.DataFrame(
        {
            "place_id": [p.place_id for p in g.places],
            "name": [p.name for p in g.places],
            "feature_type": [p.feature_type for p in g.places],
            "governorate": [p.governorate or None for p in g.places],
            "district": [p.district or None for p in g.places],
            "lat": [p.lat for p in g.places],
            "lon": [p.lon for p in g.places],
            "geonames_id": [int(p.geonames_id) if p.geonames_id else None for p in g.places],
            "aliases": [list(p.aliases) for p in g.places],
        },
        schema={
            "place_id": pl.Utf8, "name": pl.Utf8, "feature_type": pl.Utf8,
            "governorate": pl.Utf8, "district": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64,
            "geonames_id": pl.Int64, "aliases": pl.List(pl.Utf8),
        },
    )
