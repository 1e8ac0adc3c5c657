"""Entity-ruler patterns from the gazetteer and the actor registry.

Token patterns (one dict per surface form) so that spelling mechanics do not matter:
* every token matches on LOWER (case-insensitive), except acronyms (SDF, IS, WHO) on ORTH;
* an apostrophe inside a token matches straight, curly or backtick forms (Hay'at = Hay’at);
* the hyphen after an Arabic article token is optional (al-Sham = al Sham);
* a one-word place name must not be all lowercase in the text (a place called "Hole" should not
  match the word "hole").
Ambiguous names get the id of the default (context-free) resolution; the resolver component
re-decides them with article context.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from functools import lru_cache

from pipeline.reference.actors import ActorRegistry, is_acronym
from pipeline.reference.gazetteer import Gazetteer
from pipeline.reference.normalise import ARTICLES, is_arabic, light_key

_APOS = ("'", "’", "‘", "`", "ʼ")
# One-word forms that are ordinary English (or generic Arabic geographic words) in news text.
_GENERIC_WORDS = frozenset(
    """hole mount center centre city town village district province area region north south east
    west deir kafr tell tall tal ain ayn bab jabal jebel wadi sheikh shaykh khan qasr ras tel
    sham cham damas mar abu umm ibn bir beit bayt hay haret qaryat hamam hammam ard sahl jisr
    nahr suq souq masha zor tur old new upper lower great little center al el""".split()
)


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def _token_patterns(surface: str, acronym_ok: bool = True, single_needs_case: bool = False, tokenizer=None):
    toks = [t.text for t in (tokenizer or _tokenizer())(surface) if not t.is_space]
    if not toks:
        return None
    pat: list[dict] = []
    for i, t in enumerate(toks):
        prev = toks[i - 1].lower() if i else ""
        if t in ("-", "–") and prev in ARTICLES:
            pat.append({"ORTH": {"IN": ["-", "–"]}, "OP": "?"})
        elif acronym_ok and is_acronym(t) and len(toks) == 1:
            pat.append({"ORTH": t})
        elif any(a in t for a in _APOS):
            base = t
            for a in _APOS:
                base = base.replace(a, "'")
            if not base.replace("'", ""):  # an apostrophe token of its own ("Masha' al-Arb'een"): optional
                pat.append({"ORTH": {"IN": list(_APOS)}, "OP": "?"})
                continue
            forms = sorted({base.replace("'", a).lower() for a in _APOS} | {base.replace("'", "").lower()})
            pat.append({"LOWER": {"IN": forms}})
        else:
            pat.append({"LOWER": t.lower()})
    if single_needs_case and len(pat) == 1 and "LOWER" in pat[0]:
        pat[0]["IS_LOWER"] = False
    return pat


def _place_forms(g: Gazetteer, actor_keys: set[str]):
    seen: dict[str, str] = {}
    for p in g.places:
        forms = [p.name, p.name.split("(")[0].strip(), *p.aliases]
        for f in forms:
            f = f.strip()
            if not f or is_arabic(f) or len(f) < 3 or f.islower():
                continue
            lk = light_key(f)
            if lk in seen or lk in actor_keys or lk in _GENERIC_WORDS:
                continue
            if f.isupper() and len(f) <= 5:  # codes like OS58
                continue
            r = g.resolve_place(f, fuzzy=False)
            if r is None:
                continue
            seen[lk] = r.place_id
            yield f, r.place_id


def ruler_patterns(gazetteer: Gazetteer, registry: ActorRegistry, tokenizer=None) -> list[dict]:
    """Entity-ruler patterns: label PLACE / ACTOR, id = place_id / actor_id. `tokenizer`: the
    pipeline's own, which splits names as it will split the text (default: blank English, the
    same rules, at the cost of building a second tokenizer and vocabulary)."""
    out: list[dict] = []
    seen: set[str] = set()
    actor_keys: set[str] = set()
    for a in registry.actors:
        for alias in (a.name, *a.aliases):
            if is_arabic(alias):
                continue
            pat = _token_patterns(alias, tokenizer=tokenizer)
            if not pat:
                continue
            key = json.dumps(pat, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            actor_keys.add(light_key(alias))
            out.append({"label": "ACTOR", "pattern": pat, "id": a.actor_id})
    for form, pid in _place_forms(gazetteer, actor_keys):
        pat = _token_patterns(form, acronym_ok=False, single_needs_case=True, tokenizer=tokenizer)
        if not pat:
            continue
        key = json.dumps(pat, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        out.append({"label": "PLACE", "pattern": pat, "id": pid})
    return out


def patterns_fingerprint(patterns: list[dict]) -> str:
    """Stable hash of the ruler patterns, for cache keys of docs parsed with the ruler."""
    blob = json.dumps(patterns, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


def _token_alternatives(tok: dict) -> list[str | None] | None:
    """The lower-case strings one token pattern matches (None = the token may be absent), or None
    when the token cannot be said as a phrase (case-sensitive, or another predicate)."""
    if set(tok) - {"LOWER", "ORTH", "OP"} or ("ORTH" in tok and "LOWER" in tok) or tok.get("OP") not in (None, "?"):
        return None
    value = tok.get("LOWER", tok.get("ORTH"))
    values = value["IN"] if isinstance(value, dict) and set(value) == {"IN"} else [value] if isinstance(value, str) else None
    if values is None or ("ORTH" in tok and any(v.lower() != v.upper() for v in values)):
        return None  # ORTH keeps its meaning under LOWER only for caseless strings (hyphens, dashes)
    return list(values) + ([None] if tok.get("OP") == "?" else [])


def compile_for_speed(patterns: list[dict], tokenizer, max_variants: int = 256) -> list[dict]:
    """The same matches from far fewer token patterns, for spaCy's entity ruler.

    The ruler's token Matcher costs (tokens x patterns), which made the ruler cost twice the
    statistical model; its PhraseMatcher costs (tokens). So every pattern that is a fixed sequence
    of lower-case words (after expanding apostrophe forms and the optional hyphen) becomes phrase
    strings, kept only where the tokenizer splits the phrase back into exactly those words; and the
    single-token "not lower-case" place patterns are merged into one pattern per place id.
    Matches are unchanged (verified on 200 synthetic articles: identical entities).
    """
    out: list[dict] = []
    singles: dict[tuple[str, str | None], set[str]] = {}
    for p in patterns:
        pat = p["pattern"]
        if isinstance(pat, str):
            out.append(p)
            continue
        if len(pat) == 1 and set(pat[0]) == {"LOWER", "IS_LOWER"} and pat[0]["IS_LOWER"] is False:
            value = pat[0]["LOWER"]
            singles.setdefault((p["label"], p.get("id")), set()).update(value["IN"] if isinstance(value, dict) else [value])
            continue
        alternatives = [_token_alternatives(t) for t in pat]
        combos = list(itertools.islice(itertools.product(*alternatives), max_variants + 1)) if None not in alternatives else []
        if not combos or len(combos) > max_variants:
            out.append(p)
            continue
        for combo in combos:
            words = [w for w in combo if w is not None]
            phrase = _phrase_for(words, tokenizer)
            if phrase is not None:
                out.append({**p, "pattern": phrase})
            # else no text tokenises into exactly these words ("assad", "`s": the tokenizer keeps
            # "assad`s" whole), so the token pattern could never match: dropped
    for (label, pid), values in singles.items():
        merged = {"label": label, "pattern": [{"LOWER": {"IN": sorted(values)}, "IS_LOWER": False}]}
        out.append({**merged, "id": pid} if pid is not None else merged)
    return out


def _phrase_for(words: list[str], tokenizer) -> str | None:
    """A string the tokenizer splits into exactly `words`: spaced first, else with some spaces
    left out ("ad-" + "difa"), since real text is tokenised chunk by chunk the same way. None
    when no spacing gives these tokens."""
    if not words or any(not w or w.isspace() for w in words):
        return None
    for glue in itertools.product((" ", ""), repeat=len(words) - 1):
        phrase = words[0] + "".join(g + w for g, w in zip(glue, words[1:]))
        if [t.lower_ for t in tokenizer(phrase)] == words:
            return phrase
    return None


def case_sensitive_names(patterns: list[dict], tokenizer) -> tuple[list[dict], list[dict]]:
    """Split off the one-token names that must not match a lower-case word ("Hama", "HAMA", not
    "hama"), as exact-case phrase patterns for a second ruler with `phrase_matcher_attr=ORTH`.

    In the token Matcher each of these is a pattern tried at every token, and the hundreds of them
    cost more than the statistical model; as phrases they cost one hash lookup per token. The
    casings kept are those written in news text: Capitalised, UPPER (datelines) and Title-Case;
    scripts without case (Arabic) map to themselves. Returns (other patterns, name phrases)."""
    rest, names = [], []
    for p in patterns:
        pat = p["pattern"]
        if isinstance(pat, list) and len(pat) == 1 and set(pat[0]) == {"ORTH"} and isinstance(pat[0]["ORTH"], str) \
                and len(tokenizer(pat[0]["ORTH"])) == 1:
            names.append({**p, "pattern": pat[0]["ORTH"]})  # an exact-case acronym ("HTS", "SDF")
        elif (
            isinstance(pat, list) and len(pat) == 1 and set(pat[0]) == {"LOWER", "IS_LOWER"}
            and pat[0]["IS_LOWER"] is False
        ):
            value = pat[0]["LOWER"]
            for word in sorted(value["IN"] if isinstance(value, dict) else [value]):
                for form in sorted({word[:1].upper() + word[1:], word.upper(), word.title()}):
                    if form != form.lower() or not word.isascii():
                        names.append({**p, "pattern": form})
        else:
            rest.append(p)
    return rest, names
