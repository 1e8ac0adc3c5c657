"""The array-based attribute ruler gives exactly what spaCy's AttributeRuler gives."""

import numpy as np
import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, NORM, POS, TAG

from pipeline.nlp.attribute_ruler import FACTORY, replace_attribute_ruler
from pipeline.nlp.pipeline import DEFAULT_MODEL

ARRAYS = [TAG, POS, MORPH, LEMMA, NORM, DEP, HEAD]

# Shapes the model's patterns handle: contractions, colloquial forms, auxiliaries, determiners,
# subordinators, whitespace tokens, quotes and dashes
TEXTS = [
    "Rebels ain't leaving Hama, and the army's gonna hold the line, y'all.",
    "We've got nothin' left, said a resident of Saraqib who'd fled twice.",
    "The town  was\n\ntaken on Friday; that is what they say – if it's true.",
    "Don't you think they'd have won if they hadn't withdrawn?",
    "\"Whatever happens,\" he said, \"those villages are ours.\"",
    "",
]


@pytest.fixture(scope="module")
def pipelines():
    stock = spacy.load(DEFAULT_MODEL)
    fast = spacy.load(DEFAULT_MODEL)
    assert replace_attribute_ruler(fast)
    return stock, fast


def test_the_model_pipeline_gives_the_stock_annotations(pipelines):
    stock, fast = pipelines
    assert fast.get_pipe_meta("attribute_ruler").factory == FACTORY
    assert fast.pipe_names == stock.pipe_names
    assert fast.get_pipe("attribute_ruler").patterns == stock.get_pipe("attribute_ruler").patterns
    for a, b in zip(stock.pipe(TEXTS), fast.pipe(TEXTS)):
        assert np.array_equal(a.to_array(ARRAYS), b.to_array(ARRAYS)), a.text
        assert [str(t.morph) for t in a] == [str(t.morph) for t in b]
    lemmas = {t.text: t.lemma_ for t in fast(TEXTS[0])}
    assert lemmas["ai"] == "be" and lemmas["gon"] == "go"  # set by two-token patterns


def _ruler_pair(patterns):
    out = []
    for factory in ("attribute_ruler", FACTORY):
        nlp = spacy.blank("en")
        nlp.add_pipe(factory, name="attribute_ruler").add_patterns(patterns)
        out.append(nlp)
    return out


def test_pattern_kinds_the_model_does_not_show_behave_as_in_spacy():
    patterns = [
        {"patterns": [[{"LOWER": {"IN": ["took", "seized"]}}]], "attrs": {"LEMMA": "take", "POS": "VERB"}},
        # a later group overrides an earlier one on the same token
        {"patterns": [[{"LOWER": "seized"}]], "attrs": {"LEMMA": "seize"}},
        {"patterns": [[{"LOWER": {"REGEX": "^re"}}, {"IS_PUNCT": False}]], "attrs": {"NORM": "re-"}, "index": 0},
        # a negative index: the last token of the match
        {"patterns": [[{"ORTH": "al"}, {"ORTH": "-"}, {"LOWER": {"NOT_IN": ["nusra", ""]}}]],
         "attrs": {"MORPH": "Foreign=Yes"}, "index": -1},
        {"patterns": [[{"IS_SPACE": True}]], "attrs": {"POS": "SPACE"}},
        {"patterns": [[{"TEXT": "Hama"}], [{"TEXT": "Homs"}]], "attrs": {"POS": "PROPN", "LEMMA": "city"}},
    ]
    stock, fast = _ruler_pair(patterns)
    text = "Rebels seized Hama and  took Homs, retook al-Bab; al-Nusra retreated \n re . "
    a, b = stock(text), fast(text)
    assert np.array_equal(a.to_array(ARRAYS), b.to_array(ARRAYS))
    assert [str(t.morph) for t in a] == [str(t.morph) for t in b]
    by_text = {t.text: t for t in b}
    assert by_text["seized"].lemma_ == "seize" and by_text["took"].lemma_ == "take"
    assert by_text["Bab"].morph.get("Foreign") == ["Yes"] and not by_text["Nusra"].morph
    assert by_text["retook"].norm_ == "re-" and by_text["re"].norm_ != "re-"  # "re" is followed by "."


def test_a_pattern_it_cannot_evaluate_leaves_the_stock_component():
    nlp = spacy.blank("en")
    nlp.add_pipe("attribute_ruler").add_patterns(
        [{"patterns": [[{"LOWER": "very", "OP": "+"}, {"POS": "ADJ"}]], "attrs": {"LEMMA": "x"}}])
    assert not replace_attribute_ruler(nlp)
    assert nlp.get_pipe_meta("attribute_ruler").factory == "attribute_ruler"
    assert not replace_attribute_ruler(spacy.blank("en"))  # no ruler at all
