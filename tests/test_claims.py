"""Claim extraction on sentences written for these tests (other towns, outlets and phrasings
than the seed articles), through the full pipeline (`nlp` fixture from conftest.py)."""

import datetime as dt

import pytest

from pipeline.nlp.claims import extract_claims

PUB = dt.date(2024, 12, 5)  # a Thursday


def run(nlp, text, published=PUB):
    doc = nlp.make_doc(text)
    doc._.published = published
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def claims(nlp, text, published=PUB):
    return extract_claims(run(nlp, text, published))


def by_place(cs):
    return {c.place_id: c for c in cs}


def one(cs, place_id, event=None):
    found = [c for c in cs if c.place_id == place_id and (event is None or c.event == event)]
    assert found, f"no claim for {place_id}/{event} in {[(c.event, c.place_id) for c in cs]}"
    return found[0]


def test_active_capture_with_actor_side_and_weekday(nlp):
    cs = claims(nlp, "Rebel fighters stormed Saraqib on Tuesday.")
    c = one(cs, "saraqib", "captured")
    assert c.side == "opposition"
    assert c.extractor == "verb_active"
    assert c.event_date == dt.date(2024, 12, 3) and c.date_precision == "day"
    assert c.certainty == "asserted"


@pytest.mark.parametrize("verb", ["seized", "overran", "took control of", "liberated"])
def test_capture_verb_variants(nlp, verb):
    cs = claims(nlp, f"Opposition factions {verb} Maarat al-Numan.")
    assert one(cs, "maarrat_al_numan").event == "captured"


def test_passive_capture_takes_agent_as_actor(nlp):
    c = one(claims(nlp, "Saraqib was captured by Hayat Tahrir al-Sham late Wednesday."), "saraqib")
    assert (c.event, c.side, c.extractor) == ("captured", "opposition", "verb_passive")
    assert c.actor_id == "hts"
    assert c.event_date == dt.date(2024, 12, 4)


def test_intransitive_fall_to(nlp):
    c = one(claims(nlp, "Maarat al-Numan fell to the rebels overnight."), "maarrat_al_numan")
    assert (c.event, c.side, c.extractor) == ("captured", "opposition", "intransitive_fall")


def test_nominal_capture_list_of_two_places(nlp):
    cs = claims(nlp, "The army confirmed the fall of Saraqib and Maarat al-Numan.")
    assert {c.place_id for c in cs if c.event == "captured"} >= {"saraqib", "maarrat_al_numan"}


def test_list_members_each_get_a_claim(nlp):
    cs = claims(nlp, "HTS fighters overran villages such as Kafr Nabl, Hish and Saraqib.")
    got = {c.place_id for c in cs if c.event == "captured"}
    assert {"saraqib"} <= got and len(got) >= 3
    assert all(c.side == "opposition" for c in cs)


def test_pronoun_subject_resolves_to_previous_sentence_actor(nlp):
    cs = claims(nlp, "Government troops launched a counterattack at dawn. They recaptured Saraqib.")
    c = one(cs, "saraqib", "recaptured")
    assert c.side == "government"


def test_withdrawal_place_is_from_object_not_destination(nlp):
    cs = claims(nlp, "Government troops withdrew from Saraqib to positions near Aleppo.")
    assert one(cs, "saraqib").event == "withdrew"
    assert one(cs, "saraqib").side == "government"
    assert not [c for c in cs if c.place_id and "aleppo" in c.place_id]


def test_nominal_withdrawal_of_forces(nlp):
    cs = claims(nlp, "Residents reported the withdrawal of regime forces from Maarat al-Numan.")
    c = one(cs, "maarrat_al_numan", "withdrew")
    assert c.side == "government"


def test_advance_and_outskirts(nlp):
    cs = claims(nlp, "Rebel forces reached the outskirts of Saraqib, and pushed towards Aleppo.")
    assert one(cs, "saraqib").event == "advanced_to"


def test_besieged_and_contested_and_airstrike(nlp):
    cs = claims(nlp, "Government forces encircled Saraqib. Heavy clashes erupted around Maarat al-Numan. "
                     "Russian warplanes bombed Idlib.")
    assert one(cs, "saraqib").event == "besieged"
    assert one(cs, "maarrat_al_numan").event == "contested"
    air = [c for c in cs if c.event == "airstrike"]
    assert air and air[0].side == "russia"


def test_attempted_failed_to_take(nlp):
    c = one(claims(nlp, "Rebel fighters failed to take Saraqib after a day of fighting."), "saraqib")
    assert c.event == "attempted"
    assert c.extra["intended_event"] == "captured"


def test_attribution_according_to_neutral_source(nlp):
    c = one(claims(nlp, "Rebel fighters captured Saraqib, according to the Syrian Observatory for Human Rights."),
            "saraqib")
    assert c.certainty == "attributed"
    assert "Observatory" in c.attribution_text


def test_party_announcement_is_claimed(nlp):
    c = one(claims(nlp, "HTS announced that its fighters had seized Saraqib."), "saraqib")
    assert c.certainty == "claimed"


def test_party_admission_is_still_claimed(nlp):
    c = one(claims(nlp, "The Syrian Ministry of Defense said its forces withdrew from Saraqib."), "saraqib")
    assert c.certainty == "claimed" and c.side == "government"


def test_claim_verb(nlp):
    c = one(claims(nlp, "Pro-government media claim the army recaptured Saraqib."), "saraqib")
    assert c.certainty == "claimed"


@pytest.mark.parametrize(
    "text, certainty",
    [
        ("Rebel fighters could capture Saraqib within days.", "hypothetical"),
        ("If the rebels take Saraqib, the road to Aleppo is open.", "hypothetical"),
        ("HTS threatens to storm Saraqib.", "hypothetical"),
        ("Rebel fighters have not captured Saraqib.", "negated"),
        ("The army denied that rebels had entered Saraqib.", "denied"),
        ("Rebel fighters reportedly entered Saraqib.", "attributed"),
        ("Local reports indicate that the army pulled out of Saraqib.", "attributed"),
        ("Rebel fighters allegedly entered Saraqib.", "unverified"),
        ("There were unconfirmed reports of a withdrawal from Saraqib.", "unverified"),
    ],
)
def test_certainty(nlp, text, certainty):
    assert one(claims(nlp, text), "saraqib").certainty == certainty


def test_no_date_uses_publication_week_and_no_publication_is_unknown(nlp):
    c = one(claims(nlp, "Rebel fighters captured Saraqib."), "saraqib")
    assert (c.event_date, c.date_precision, c.extra["date_source"]) == (PUB, "week", "publication")
    c = one(claims(nlp, "Rebel fighters captured Saraqib on Tuesday.", published=None), "saraqib")
    assert (c.event_date, c.date_precision) == (None, "unknown")


def test_historical_event_is_flagged(nlp):
    c = one(claims(nlp, "Government forces recaptured Saraqib in 2020."), "saraqib")
    assert c.is_historical


def test_since_phrase_does_not_make_current_claim_historical(nlp):
    cs = claims(nlp, "Rebel fighters captured Saraqib for the first time since the war began in 2011.")
    assert not one(cs, "saraqib").is_historical


def test_evidence_span_is_the_sentence(nlp):
    text = "Fighting went on. Rebel fighters seized Saraqib on Monday."
    c = one(claims(nlp, text), "saraqib")
    assert text[c.start_char:c.end_char] == "Rebel fighters seized Saraqib on Monday."


def test_component_sets_doc_claims(nlp):
    doc = run(nlp, "Rebel fighters seized Saraqib.")
    assert doc._.claims and doc._.claims[0].place_id == "saraqib"


def test_hypothetical_claim_has_no_date(nlp):
    c = one(claims(nlp, "Rebel fighters could capture Saraqib on Friday."), "saraqib")
    assert (c.event_date, c.date_precision) == (None, "unknown")


def test_event_tied_to_dated_event_takes_its_date(nlp):
    cs = claims(nlp, "Rebel fighters have captured Saraqib, following the withdrawal of government "
                     "troops from the town on Tuesday.")
    assert one(cs, "saraqib", "captured").event_date == dt.date(2024, 12, 3)


def test_loss_of_place_is_a_capture_and_implicit_airstrike_is_government(nlp):
    cs = claims(nlp, "The loss of Saraqib stunned Damascus. Airstrikes on Maarat al-Numan continued.")
    assert one(cs, "saraqib").event == "captured"
    assert one(cs, "maarrat_al_numan", "airstrike").side == "government"


def test_attack_on_place_repelled_is_attempted(nlp):
    c = one(claims(nlp, "A rebel attack on Saraqib was repelled by the army."), "saraqib")
    assert c.event == "attempted"


# --- rules added for headline grammar, anaphora, counterparts, states and sides ------------------

def test_headline_grammar_capture_and_counterpart_withdrawal(nlp):
    cs = claims(nlp, "Rebels Storm Saraqib as Regime Troops Retreat")
    cap = one(cs, "saraqib", "captured")
    assert cap.side == "opposition" and cap.extractor == "headline"
    wd = one(cs, "saraqib", "withdrew")
    assert wd.side == "government"


def test_headline_rule_ignores_ordinary_sentences(nlp):
    cs = claims(nlp, "Officials take Homs residents to shelters.")
    assert not [c for c in cs if c.extractor == "headline"]


def test_the_city_refers_back_to_a_city_named_in_the_sentence(nlp):
    cs = claims(nlp, "After days of shelling around Al-Rastan, government troops pulled out of "
                     "the city on Monday.")
    c = one(cs, "al_rastan", "withdrew")
    assert c.side == "government"
    assert c.event_date == dt.date(2024, 12, 2)


def test_the_city_is_not_resolved_across_sentences(nlp):
    cs = claims(nlp, "Jisr al-Shughur lies on the river. Insurgents stormed the city at dawn.")
    assert not [c for c in cs if c.event == "captured"]


def test_redeployed_outside_the_town_is_a_withdrawal(nlp):
    cs = claims(nlp, "To spare civilians in Talbiseh, army units repositioned outside the town, "
                     "the Defence Ministry said.")
    c = one(cs, "talbiseh", "withdrew")
    assert c.side == "government" and c.certainty == "claimed"


def test_its_neighbourhoods_point_to_the_named_city(nlp):
    cs = claims(nlp, "Islamist fighters overran Tadmur after the withdrawal of regime forces "
                     "from its eastern neighbourhoods.")
    assert one(cs, "tadmur", "withdrew").side == "government"


def test_withdrawal_without_place_takes_the_captured_place(nlp):
    cs = claims(nlp, "Khan Sheikhoun fell to rebel fighters after the pullout of army units.")
    assert one(cs, "khan_sheikhoun", "captured").side == "opposition"
    w = one(cs, "khan_sheikhoun", "withdrew")
    assert w.extractor == "counterpart" and w.side == "government"


def test_withdrawal_towards_a_destination_is_not_the_captured_place(nlp):
    cs = claims(nlp, "Rebels seized Saraqib, following the retreat of loyalist troops to Homs.")
    assert not [c for c in cs if c.event == "withdrew"]


def test_ceding_a_place_to_a_force_is_its_capture(nlp):
    cs = claims(nlp, "The army abandoned its barracks in Daraa, effectively ceding the city to "
                     "advancing rebel forces.")
    assert one(cs, "daraa", "withdrew").side == "government"
    assert one(cs, "daraa", "captured").side == "opposition"


def test_cutting_a_highway_is_a_capture_but_cutting_other_things_is_not(nlp):
    cs = claims(nlp, "Opposition fighters cut off the M5 highway near Saraqib on Wednesday.")
    c = one(cs, "m5_highway", "captured")
    assert c.side == "opposition"
    cs = claims(nlp, "Government troops cut supplies to Saraqib.")
    assert not [c for c in cs if c.event == "captured"]


def test_made_strides_in_a_town_but_not_in_the_country(nlp):
    cs = claims(nlp, "Insurgents made rapid gains in Khan Sheikhoun and across Syria.")
    assert one(cs, "khan_sheikhoun", "advanced_to").side == "opposition"
    assert "syria" not in {c.place_id for c in cs}


@pytest.mark.parametrize("text", [
    "Rebel forces are now within 5 kilometres of Homs, residents said.",
    "The advance has brought the rebels within striking distance of Homs.",
    "Homs is now within artillery range of opposition fighters.",
])
def test_distance_states_are_advanced_to(nlp, text):
    c = one(claims(nlp, text), "homs", "advanced_to")
    assert c.side == "opposition" and c.extractor == "distance"


def test_distance_between_places_is_not_a_claim(nlp):
    cs = claims(nlp, "Talbiseh lies about 10 kilometres from Homs.")
    assert not cs


def test_presence_on_the_outskirts_is_advanced_to_even_when_a_consequence_is_hedged(nlp):
    c = one(claims(nlp, "The rebels' presence on the outskirts of Daraa could trigger an exodus."),
            "daraa", "advanced_to")
    assert c.side == "opposition" and c.certainty == "asserted"


def test_presence_in_a_town_is_a_state_not_an_advance(nlp):
    assert not claims(nlp, "The army maintains a presence in Daraa.")


def test_calls_and_wishes_are_not_claims(nlp):
    cs = claims(nlp, "The rebel commander called for the capture of Homs before winter.")
    assert not [c for c in cs if c.place_id == "homs"]


def test_strongholds_in_a_town_are_not_the_town(nlp):
    cs = claims(nlp, "The loss of several army checkpoints in Saraqib worried Damascus.")
    assert not [c for c in cs if c.event in ("captured", "withdrew")]


def test_advancing_into_the_city_is_entered(nlp):
    cs = claims(nlp, "Rebel fighters took a hilltop east of Homs before advancing into the city.")
    assert one(cs, "homs").event == "entered"


def test_withdrawal_side_from_the_only_camp_the_sentence_names(nlp):
    cs = claims(nlp, "The retreat from Talbiseh deepens the crisis facing Syrian government "
                     "forces.")
    assert one(cs, "talbiseh", "withdrew").side == "government"


def test_withdrawal_side_stays_unknown_when_the_other_camp_gained(nlp):
    cs = claims(nlp, "Rebels entered Saraqib after the retreat from Talbiseh.")
    assert one(cs, "talbiseh", "withdrew").side == "unknown"


def test_loss_and_slipping_out_of_control_is_one_capture_by_the_opponent(nlp):
    cs = claims(nlp, "It comes after the loss of Daraa, which slipped out of regime control.")
    ctl = [c for c in cs if c.place_id == "daraa"]
    assert [(c.event, c.side) for c in ctl] == [("captured", "opposition")]


def test_dateline_place_does_not_hide_the_subject(nlp):
    cs = claims(nlp, "DARAA, Syria (Reuters) - Hayat Tahrir al-Sham (HTS), formerly known as "
                     "the Nusra Front, advanced to the gates of Homs on Monday.")
    assert one(cs, "homs", "advanced_to").side == "opposition"


def test_definite_advance_is_not_hedged_by_a_modal_consequence(nlp):
    c = one(claims(nlp, "The push towards Homs could trigger a wider war."), "homs")
    assert c.certainty == "asserted" and c.event_date == PUB
    c = one(claims(nlp, "A rebel capture of Homs would change the war."), "homs")
    assert c.certainty == "hypothetical"


def test_now_dates_a_state_but_not_the_events_behind_a_holding(nlp):
    c = one(claims(nlp, "Rebel fighters are now within 3 miles of Homs."), "homs")
    assert (c.event_date, c.date_precision) == (PUB, "day")
    c = one(claims(nlp, "After the fall of Saraqib, the rebels now hold the whole road."), "saraqib")
    assert c.date_precision == "week"


# --- generalisation: constructions, clauses, headlines, false positives, attributes ----------

def test_expel_from_is_capture_by_subject_and_withdrawal_by_object(nlp):
    cs = claims(nlp, "Rebels managed to expel regime troops from Khan Shaykhun on Monday.")
    assert one(cs, "khan_sheikhoun", "captured").side == "opposition"
    w = one(cs, "khan_sheikhoun", "withdrew")
    assert w.side == "government" and w.event_date == dt.date(2024, 12, 2)


def test_driven_out_of_is_withdrawal_of_the_passive_subject(nlp):
    cs = claims(nlp, "Government troops were driven out of Talbiseh by opposition fighters.")
    assert one(cs, "talbiseh", "withdrew").side == "government"
    assert one(cs, "talbiseh", "captured").side == "opposition"


@pytest.mark.parametrize("text,place,event,side", [
    ("Opposition fighters took over Saraqib on Wednesday.", "saraqib", "captured", "opposition"),
    ("Turkish-backed factions deployed in Tal Rifaat.", "tall_rifat", "entered", "opposition"),
    ("Rebels were battling government forces north of Hama.", "hama", "contested", "opposition"),
    ("Turkish drones struck Tal Rifaat on Monday.", "tall_rifat", "airstrike", "turkey"),
    ("SDF fighters were still resisting in Manbij.", "manbij", "contested", "sdf"),
    ("Opposition fighters attacked a checkpoint near Rastan.", "al_rastan", "attempted",
     "opposition"),
    ("Rebels pushed beyond Rastan in northern Homs.", "al_rastan", "advanced_to", "opposition"),
    ("Saraqib was abandoned by government troops.", "saraqib", "withdrew", "government"),
])
def test_constructions_without_a_rule_before(nlp, text, place, event, side):
    assert one(claims(nlp, text), place, event).side == side


def test_deploying_a_weapon_is_no_entry(nlp):
    cs = claims(nlp, "Witnesses said the army was deploying chlorine gas in Talbiseh.")
    assert not [c for c in cs if c.event == "entered"]


def test_repelled_attack_belongs_to_the_attacker_side(nlp):
    c = one(claims(nlp, "Government forces repelled an attack on Khan Shaykhun."),
            "khan_sheikhoun", "attempted")
    assert c.side == "opposition"


def test_later_clauses_carry_their_own_claims(nlp):
    cs = claims(nlp, "The rebels captured Daraa on Friday and pushed on towards Homs, while "
                     "government troops withdrew from Rastan.")
    assert one(cs, "daraa", "captured").side == "opposition"
    assert one(cs, "homs", "advanced_to").side == "opposition"
    assert one(cs, "al_rastan", "withdrew").side == "government"


def test_quantified_pronoun_subject_takes_the_possessor(nlp):
    cs = claims(nlp, "Rebels said they had captured Saraqib and that some of their units had "
                     "reached Homs.")
    assert one(cs, "homs", "advanced_to").side == "opposition"


@pytest.mark.parametrize("text,place,event", [
    ("UPDATE 14:05 – Rebels enter Homs", "homs", "entered"),
    ("Syria rebels capture Daraa in major blow to Assad", "daraa", "captured"),
])
def test_headlines_carry_claims(nlp, text, place, event):
    c = one(claims(nlp, text), place, event)
    assert c.side == "opposition" and c.certainty == "asserted"


@pytest.mark.parametrize("text,place", [
    ("Homs was retaken by regime forces in 2018.", "homs"),
    ("Manbij was captured by the SDF from ISIL in 2016.", "manbij"),
])
def test_events_dated_to_an_old_year_are_historical(nlp, text, place):
    assert all(c.is_historical for c in claims(nlp, text) if c.place_id == place)


def test_withdrawal_destination_is_not_an_advance(nlp):
    cs = claims(nlp, "Government forces withdrew from Rastan, heading towards Homs.")
    assert one(cs, "al_rastan", "withdrew").side == "government"
    assert not [c for c in cs if c.place_id == "homs"]


def test_a_town_in_a_province_is_not_the_province(nlp):
    cs = claims(nlp, "Rebels seized a town in Idlib province.")
    assert not [c for c in cs if c.place_id == "idlib_governorate"]


@pytest.mark.parametrize("text", [
    "Russia is fighting in Ukraine.",
    "It was an attack on Syria's sovereignty, the minister said.",
])
def test_foreign_wars_and_metaphors_are_not_claims(nlp, text):
    assert claims(nlp, text) == []


def test_bare_fighters_take_the_camp_named_earlier_in_the_paragraph(nlp):
    cs = claims(nlp, "HTS has advanced on Hama. Fighters seized Souran on Tuesday.")
    assert one(cs, "suran_hama", "captured").side == "opposition"


def test_overnight_is_the_publication_day(nlp):
    c = one(claims(nlp, "The army recaptured Saraqib overnight."), "saraqib", "recaptured")
    assert (c.event_date, c.date_precision) == (PUB, "day")


def test_denied_event_has_no_date(nlp):
    c = one(claims(nlp, "The SDF denied that its forces had withdrawn from Manbij on Monday."),
            "manbij", "withdrew")
    assert c.certainty == "denied" and c.event_date is None


@pytest.mark.parametrize("text,certainty", [
    ("Unconfirmed reports said rebels had entered Homs.", "unverified"),
    ("Rebels captured Talbiseh, a claim that could not be independently confirmed.",
     "unverified"),
    ("Rebels have captured Saraqib, a commander told AFP.", "claimed"),
    ("A Turkish security source said SNA fighters had taken Tal Rifaat.", "claimed"),
])
def test_certainty_of_hedged_and_party_sources(nlp, text, certainty):
    cs = claims(nlp, text)
    assert cs and all(c.certainty == certainty for c in cs)


def test_skipping_tokens_no_rule_can_fire_on_changes_no_claim(nlp, monkeypatch):
    """`run` walks only `_possible_triggers`; walking every token must give the same claims."""
    from pathlib import Path

    from pipeline.nlp import claims as claims_module

    texts = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[1] / "seeds").glob("*.txt"))]
    texts += ["Regime troops retook Kafr Nabudah and drove the fighters out of Tell Malah; the advance "
              "on Hama stalled 10 km away. Rebels overran two checkpoints as the army pulled back.",
              "Turkish-backed factions seized Tal Rifaat, SANA said, after clashes; the capture "
              "came days after the withdrawal from Manbij, within striking distance of the city."]
    docs = [run(nlp, t) for t in texts]
    rows = lambda: [[c.row() for c in extract_claims(d)] for d in docs]  # noqa: E731
    filtered = rows()
    assert sum(map(len, filtered)) > 20
    monkeypatch.setattr(claims_module, "_possible_triggers", lambda doc: list(range(len(doc))))
    assert rows() == filtered


def test_possible_triggers_are_the_words_a_rule_tests_for(nlp):
    """The array lookup finds exactly the tokens a per-token test of form and lemma finds,
    irregular forms deciding by themselves ("took", "fled", "overran")."""
    from pipeline.nlp import claims as claims_module
    from pipeline.nlp.lemmas import IRREGULAR_FORMS

    doc = run(nlp, "Rebels took Hama and overran two checkpoints as troops fled; the army withdrew "
                   "from Salamiyah, 20 km away. Captures, withdrawals and advances were reported. "
                   "SANA said the takeover of Saraqib was repelled by shelling and airstrikes.")

    def could_fire(t) -> bool:
        lem = IRREGULAR_FORMS.get(t.lower_, t.lemma_.lower())
        return (lem in claims_module._TRIGGER_WORDS or t.lower_.rstrip("s") in claims_module.NOUN_EVENTS
                or t.lower_ in claims_module.DISTANCE_NOUNS)

    expected = [t.i for t in doc if could_fire(t)]
    assert {"took", "overran", "fled", "withdrew", "km", "withdrawals"} <= {doc[i].lower_ for i in expected}
    assert claims_module._possible_triggers(doc) == expected
    assert claims_module._possible_triggers(nlp.make_doc("")) == []


def test_assessor_walks_each_trigger_once_and_gives_each_claim_its_own_side(nlp):
    """An extractor's `Assessor` remembers a trigger's assessment; what it returns must equal a
    fresh `assess` for any side, and an unnamed party member's source side is the claim's."""
    from pipeline.nlp.certainty import Assessor, assess
    from pipeline.nlp.spans import DocText, EntityIndex

    doc = run(nlp, "Rebels have captured Saraqib, a commander told AFP. The army said it withdrew from "
                   "Homs, but unconfirmed reports said it could return to Rastan.")
    assessor = Assessor(EntityIndex(doc), DocText(doc))
    for side in ("opposition", "government", None):
        for tok in doc:
            assert assessor(tok, side=side) == assess(tok, side=side), (tok.text, side)
    captured = next(t for t in doc if t.lower_ == "captured")
    assert assessor(captured, side="opposition").source_side == "opposition"
    assert assessor(captured, side="government").source_side == "government"
    assert assessor(captured).source_side == "unknown"
    # each call hands out its own cue list: one claim's cues never leak into another's
    assessor(captured).cues.append("a cue added later")
    assert "a cue added later" not in assessor(captured).cues
