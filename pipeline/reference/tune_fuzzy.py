"""Measure the rapidfuzz threshold used as the gazetteer's last mile.

    python -m pipeline.reference.tune_fuzzy

Positives: Latin aliases that the earlier tiers would miss (their transliteration key and
skeleton are unique within their place) but that are spelling variants of another name of the
same place (folded-key ratio >= 60). Each is held out (its key removed) and looked up with
fuzz.ratio on `fuzzy_key`; a hit is correct when the best key belongs to the gold place or to a
place with the same name (a town and its same-named subdistrict).
Negatives: names that are not gazetteer places but occur in Syria war reporting (foreign cities,
regions the gazetteer lacks, people, organisations, weekdays). Any match is a false positive.
The threshold is the lowest with no negative matches, plus a margin of 2.
"""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz import fuzz, process

from pipeline.reference.gazetteer import FUZZY_MIN_KEY_LEN, fuzzy_key, load_gazetteer
from pipeline.reference.normalise import is_arabic, normalise_name, skeleton_key

NEGATIVES = [
    *"""Beirut Baghdad Ankara Istanbul Tehran Moscow Washington Jordan Lebanon Iraq Turkey Israel
    Gaza Mosul Kirkuk Erbil Amman Cairo Riyadh Doha Geneva Astana Sochi Europe Brussels London
    Paris Berlin Gaziantep Hatay Antakya Kilis Sanliurfa Reyhanli Tripoli Baalbek Hermel Ghouta
    Qalamoun Hauran Jazira Euphrates Orontes Badia Golan Kurdistan Rojava Levant Assad Putin
    Erdogan Jolani Sharaa Hezbollah Kremlin Pentagon Reuters Thursday Wednesday Saturday Sunday
    Monday Tuesday Friday November December Christmas Ramadan Anadolu Xinhua Tass Jerusalem Haifa
    Nicosia Athens Dubai Kuwait Muscat Sanaa Aden Khartoum Benghazi Misrata Kabul Kandahar
    Islamabad Karachi Lahore Delhi Mumbai Kharkiv Kyiv Donetsk Mariupol Bakhmut Avdiivka Crimea
    Odesa Kherson Zaporizhzhia Belgorod Lattakia-port Idlibistan Hamas Houthis Wagner""".split(),
    "Eastern Ghouta", "Western Ghouta", "Jabal al-Zawiya", "Jabal al-Akrad", "Jabal Turkman",
    "Golan Heights", "Middle East", "Associated Press", "Tel Aviv", "Abu Dhabi", "Syrian Observatory",
    "Tahrir al-Sham", "White Helmets", "Free Syrian Army", "Ahrar al-Sham",
]


def measure(thresholds=range(70, 101, 2)):
    g = load_gazetteer()
    key_places: dict[str, set[str]] = defaultdict(set)
    for p in g.places:
        for n in (p.name, *p.aliases):
            if not is_arabic(n):
                key_places[fuzzy_key(n)].add(p.place_id)
    name_of = {p.place_id: normalise_name(p.name.split("(")[0]) for p in g.places}
    trials = []
    for p in g.places:
        own = [n for n in (p.name, *p.aliases) if not is_arabic(n)]
        nk = [normalise_name(n) for n in own]
        sk = [skeleton_key(n) for n in own]
        for n, k, s in zip(own, nk, sk):
            others = [o for o in own if o != n]
            if nk.count(k) == 1 and sk.count(s) == 1 and len(k) >= FUZZY_MIN_KEY_LEN and any(
                fuzz.ratio(k, normalise_name(o)) >= 60 for o in others
            ):
                trials.append((fuzzy_key(n), p.place_id))
    keys = [k for k in key_places if len(k) >= FUZZY_MIN_KEY_LEN]
    pos = []
    for k, gold in trials:
        hit = process.extractOne(k, [c for c in keys if c != k], scorer=fuzz.ratio)
        ok = bool(hit) and any(pid == gold or name_of[pid] == name_of[gold]
                               for pid in key_places[hit[0]])
        pos.append((hit[1] if hit else 0.0, ok))
    neg = []
    for n in NEGATIVES:
        k = fuzzy_key(n)
        if len(k) < FUZZY_MIN_KEY_LEN or k in key_places:
            continue
        hit = process.extractOne(k, keys, scorer=fuzz.ratio)
        neg.append((n, hit[1] if hit else 0.0, hit[0] if hit else ""))
    rows = {}
    for t in thresholds:
        matched = [ok for s, ok in pos if s >= t]
        rows[t] = {
            "recall": sum(matched) / len(pos) if pos else 0.0,
            "precision": sum(matched) / len(matched) if matched else 1.0,
            "neg_match_rate": sum(s >= t for _, s, _ in neg) / len(neg) if neg else 0.0,
        }
    return rows, len(pos), neg


def main() -> None:
    rows, n_pos, neg = measure()
    print(f"held-out variant spellings: {n_pos}; negatives: {len(neg)}")
    print("threshold  recall  precision  negatives_matched")
    for t, r in rows.items():
        print(f"{t:9d}  {r['recall']:.3f}  {r['precision']:.3f}      {r['neg_match_rate']:.3f}")
    print("negatives scoring >= 80:", sorted((round(s), n, k) for n, s, k in neg if s >= 80))


if __name__ == "__main__":
    main()
