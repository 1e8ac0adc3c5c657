import datetime as dt

import pytest

from pipeline.text.temporal import DateRef, is_historical, parse_date_expression, resolve_date

SAT = dt.date(2024, 11, 30)  # a Saturday


@pytest.mark.parametrize("text, expected", [
    ("on Thursday", (dt.date(2024, 11, 28), "day")),
    ("early Friday", (dt.date(2024, 11, 29), "day")),
    ("Tuesday night", (dt.date(2024, 11, 26), "day")),
    ("on Saturday", (dt.date(2024, 11, 30), "day")),           # same day as publication
    ("since last Saturday", (dt.date(2024, 11, 23), "day")),  # "last" is strictly before
    ("since last Monday", (dt.date(2024, 11, 25), "day")),
    ("yesterday", (dt.date(2024, 11, 29), "day")),
    ("this morning", (SAT, "day")),
    ("on Nov. 27", (dt.date(2024, 11, 27), "day")),
    ("Wednesday, 27 November", (dt.date(2024, 11, 27), "day")),
    ("3 March 2023", (dt.date(2023, 3, 3), "day")),
    ("earlier this week", (dt.date(2024, 11, 29), "week")),
    ("this week", (SAT, "week")),
    ("in recent days", (SAT, "week")),
    ("last week", (dt.date(2024, 11, 24), "week")),
    ("last month", (dt.date(2024, 10, 1), "month")),
    ("in October", (dt.date(2024, 10, 1), "month")),
])
def test_resolve_against_publication(text, expected):
    d, precision, matched = resolve_date(text, SAT)
    assert (d, precision) == expected
    assert matched


def test_year_inference_crosses_new_year():
    assert resolve_date("on Dec. 29", dt.date(2025, 1, 3))[0] == dt.date(2024, 12, 29)
    assert resolve_date("on Dec. 8", dt.date(2024, 11, 30))[0] == dt.date(2024, 12, 8)


def test_without_publication_only_absolute_dates_resolve():
    assert resolve_date("on Thursday", None) == (None, "unknown", "Thursday")
    assert resolve_date("on 8 December 2024", None)[:2] == (dt.date(2024, 12, 8), "day")
    assert resolve_date("no date here", None) == (None, "unknown", None)


def test_bare_year_is_kept_for_historicity():
    ref = parse_date_expression("in 1982", SAT)
    assert ref.date is None and ref.year == 1982
    assert is_historical(ref, SAT)
    assert not is_historical(parse_date_expression("on Thursday", SAT), SAT)
    assert is_historical(DateRef(dt.date(2020, 5, 1), "day", "x"), SAT)


def test_bare_now_is_the_publication_day():
    from pipeline.text.temporal import parse_date_expression
    import datetime as _dt
    ref = parse_date_expression("now", _dt.date(2024, 12, 5))
    assert ref is not None and ref.date == _dt.date(2024, 12, 5) and ref.precision == "day"
    # "now" inside a longer phrase is not a date expression of its own
    assert parse_date_expression("until now the front held", _dt.date(2024, 12, 5)) is None


def test_overnight_and_a_week_ago():
    from pipeline.text.temporal import parse_date_expression

    pub = dt.date(2024, 12, 5)
    r = parse_date_expression("overnight", pub)
    assert (r.date, r.precision) == (pub, "day")
    r = parse_date_expression("a week ago", pub)
    assert (r.date, r.precision) == (dt.date(2024, 11, 28), "week")


def test_date_spans_of_a_sentence_from_the_doc_arrays():
    # entities wholly inside the sentence, then weekday/relative/year tokens the NER missed;
    # an entity that crosses the sentence boundary belongs to neither sentence
    import spacy
    from spacy.tokens import Span

    from pipeline.text.temporal import DocDates

    nlp = spacy.blank("en")
    doc = nlp.make_doc("Fighting began on Monday night and lasted . Then on Thursday the 1990s and 2016 and 20000 men now fled .")
    for i, t in enumerate(doc):
        t.is_sent_start = i in (0, 8)
        if t.text in ("1990s", "2016", "20000"):
            t.pos_ = "NUM"
    doc.ents = [Span(doc, 3, 5, label="DATE"), Span(doc, 6, 9, label="DATE")]
    first, second = list(doc.sents)
    dates = DocDates(None)
    assert [s.text for s in dates.spans(first)] == ["Monday night"]
    assert [s.text for s in dates.spans(second)] == ["Thursday", "1990s", "2016"]


@pytest.mark.parametrize("word,pos", [
    ("TUES", "PROPN"), ("Thurs", "PROPN"), ("wednesday", "NOUN"), ("Tonight", "NOUN"),
    ("OVERNIGHT", "ADV"), ("1990s", "NUM"), ("2016", "ADJ"),
])
def test_a_date_word_the_ner_missed_is_found_whoever_supplies_the_sentence_text(word, pos):
    # `DocDates` skips the token scan of a sentence whose text has no date word in any case;
    # the skip must never lose one, with the text cut by the caller or joined by spaCy
    import spacy

    from pipeline.text.temporal import DocDates

    doc = spacy.blank("en").make_doc(f"Rebels shelled the town {word} before dawn .")
    for t in doc:
        t.is_sent_start = t.i == 0
        if t.text == word:
            t.pos_ = pos
    sent = next(iter(doc.sents))
    for text_of in (None, lambda span: doc.text[span.start_char : span.end_char]):
        assert [s.text for s in DocDates(None, text_of=text_of).spans(sent)] == [word]


def test_a_sentence_without_date_words_keeps_its_date_entities():
    import spacy
    from spacy.tokens import Span

    from pipeline.text.temporal import DocDates

    doc = spacy.blank("en").make_doc("Fighting began in early December near the dam .")
    for t in doc:
        t.is_sent_start = t.i == 0
    doc.ents = [Span(doc, 3, 5, label="DATE"), Span(doc, 7, 8, label="FAC")]
    sent = next(iter(doc.sents))
    assert [s.text for s in DocDates(None).spans(sent)] == ["early December"]
    # the doc's entities handed over by an extractor that has them: the same answer
    assert [s.text for s in DocDates(None, ents=doc.ents).spans(sent)] == ["early December"]
