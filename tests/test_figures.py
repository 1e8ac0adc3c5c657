"""Figure extraction on sentences written for these tests, through the full pipeline."""

import datetime as dt

import pytest

from pipeline.nlp.figures import extract_figures

PUB = dt.date(2024, 12, 5)


def figs(nlp, text, published=PUB):
    doc = nlp.make_doc(text)
    doc._.published = published
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return extract_figures(doc)


def only(fs):
    assert len(fs) == 1, [(f.extra["text"], f.metric) for f in fs]
    return fs[0]


def test_number_word_killed_civilians(nlp):
    f = only(figs(nlp, "Shelling killed seven civilians in Saraqib on Monday."))
    assert (f.metric, f.value_best, f.qualifier, f.side) == ("killed", 7, "exact", "other")
    assert f.place_id == "saraqib"
    assert f.event_date == dt.date(2024, 12, 2)


def test_distributed_at_least_and_sides(nlp):
    fs = figs(nlp, "At least 40 SDF fighters and 12 Turkish soldiers were killed in the clashes.")
    assert [(f.metric, f.value_best, f.qualifier) for f in fs] == [
        ("killed", 40, "at_least"), ("killed", 12, "at_least")]
    assert fs[0].side == "sdf" and fs[0].value_high is None


def test_injured_and_thousands_displaced(nlp):
    fs = figs(nlp, "Medics said 1,200 people were wounded, while tens of thousands fled to Idlib.")
    m = {f.metric: f for f in fs}
    assert m["injured"].value_best == 1200
    assert m["displaced"].qualifier == "vague"
    assert (m["displaced"].value_low, m["displaced"].value_best, m["displaced"].value_high) == (20000, 30000, 99999)
    assert m["injured"].certainty == "attributed"


def test_scale_words_and_approximately(nlp):
    f = only(figs(nlp, "The UN said about 2.5 million people have been displaced."))
    assert (f.metric, f.value_best, f.qualifier) == ("displaced", 2_500_000, "approximately")


def test_distance_with_conversion_is_one_figure(nlp):
    f = only(figs(nlp, "Rebel units are 15 kilometers (9 miles) from Aleppo."))
    assert (f.metric, f.value_best, f.unit) == ("distance_km", 15, "km")
    assert f.place_id and "aleppo" in f.place_id


def test_miles_converted_and_within_is_up_to(nlp):
    f = only(figs(nlp, "The front line is now within 5 miles of Saraqib."))
    assert f.metric == "distance_km" and f.qualifier == "up_to"
    assert f.value_best == pytest.approx(8.0, abs=0.1) and f.value_low is None


def test_range(nlp):
    f = only(figs(nlp, "Between 20 and 30 soldiers were detained by the rebels."))
    assert (f.metric, f.qualifier, f.value_low, f.value_best, f.value_high) == ("detained", "range", 20, 25, 30)


def test_places_captured_and_airstrikes(nlp):
    fs = figs(nlp, "Government forces retook more than 30 villages, and Russian jets carried out dozens of raids.")
    m = {f.metric: f for f in fs}
    assert m["places_captured"].value_best == 30 and m["places_captured"].qualifier == "over"
    assert m["places_captured"].side == "government"
    assert m["airstrikes"].qualifier == "vague" and m["airstrikes"].value_best == 36


def test_fighters_joined(nlp):
    f = only(figs(nlp, "Hundreds of Hezbollah fighters have joined the battle."))
    assert (f.metric, f.side) == ("fighters", "government")


@pytest.mark.parametrize("text", [
    "The 25th Division moved north.",
    "Brigade 93 was overrun.",
    "The war began in 2011.",
    "A 17-year-old boy was hurt.",
    "Prices rose 40 percent.",
    "Saraqib was the third town to fall.",
    "One of the largest factions joined.",
])
def test_non_figures(nlp, text):
    assert [f.extra["text"] for f in figs(nlp, text)] == []


def test_historical_figure(nlp):
    f = only(figs(nlp, "The town was razed in 1980, when troops killed hundreds of residents."))
    assert f.is_historical and f.metric == "killed"


def test_hedged_figure(nlp):
    f = only(figs(nlp, "Airstrikes allegedly killed 14 people in Saraqib."))
    assert f.certainty == "unverified"


@pytest.mark.parametrize("text", [
    "UPDATE 06:15 – Rebels enter Homs.",
    "At 14:05 GMT, the rebels said they controlled the city.",
    "Two sources said the army had withdrawn from Daraa.",
    "Three security sources told Reuters that rebels took Homs.",
    "Rebels cut two main highways.",
])
def test_timestamps_source_counts_and_untracked_things_are_not_figures(nlp, text):
    assert figs(nlp, text) == []


def test_in_their_thousands_and_dozens_of_detainees_are_vague_figures(nlp):
    f = figs(nlp, "Residents fled Aleppo in their thousands.")[0]
    assert (f.metric, f.qualifier, f.side) == ("displaced", "vague", "other")
    f = figs(nlp, "Dozens of detainees were freed from a prison in Hama.")[0]
    assert (f.metric, f.qualifier) == ("detained", "vague")


def test_captured_soldiers_are_detained(nlp):
    f = figs(nlp, "Rebels captured more than 150 soldiers near Hama.")[0]
    assert (f.metric, f.qualifier, f.value_low) == ("detained", "over", 150)


def test_victim_sides_follow_the_text(nlp):
    fs = figs(nlp, "The clashes killed 12 government soldiers and 26 others, while 15 civilians "
                   "died in shelling.")
    assert [(f.value_best, f.side) for f in fs] == [(12, "government"), (26, "government"),
                                                    (15, "other")]


def test_distance_side_is_the_force_it_is_said_of(nlp):
    f = figs(nlp, "Rebel fighters are some 5 km from Homs.")[0]
    assert (f.metric, f.value_best, f.side) == ("distance_km", 5, "opposition")


def test_sentences_skipped_by_the_prefilter_have_no_figure():
    import re

    from pipeline.nlp.figures import _MAY_COUNT, _NUMWORD, _VAGUE, FIGURE_RE

    words = re.findall(r"[a-z]+", _NUMWORD) + [re.sub(r"\\s\+", " ", v) for v in _VAGUE[3:-1].split("|")]
    phrases = [f"they said {w} people" for w in words] + [
        "killed 1,200", "an estimated 3.5 million", "between five and 10", "Twenty-One Fighters",
        "A Hundred Men", "a couple of villages", "Dozens Fled", "at least 7"]
    for text in phrases:
        assert FIGURE_RE.search(text), text
        assert _MAY_COUNT.search(text), text
    assert not _MAY_COUNT.search("Rebels entered the city on Thursday after the army withdrew.")
