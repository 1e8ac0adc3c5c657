import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.text.cleaning import (
    clean_article,
    normalise_text,
    parse_dateline,
    repeated_lines,
    split_sentences,
)
from pipeline.text.reading import read_corpus

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seeds():
    records, _ = read_corpus(SEEDS)
    return {r.article_id[:3]: (r, clean_article(r.raw_text, r.meta())) for r in records}


def _check_offsets(art):
    for s in art.sentences:
        assert art.body_text[s.start_char : s.end_char] == s.text
    assert [s.sentence_id for s in art.sentences] == list(range(len(art.sentences)))


def _sents(text):
    return [text[s:e] for s, e in split_sentences(text)]


# ---- seeds -------------------------------------------------------------------------------


def test_seed_offsets_hold(seeds):
    for _, art in seeds.values():
        _check_offsets(art)
        assert art.is_english and art.language == "en"
        assert "\r" not in art.body_text


def test_seed_000_headline_headings_dateline(seeds):
    _, art = seeds["000"]
    assert art.sentences[0].kind == "headline"
    assert art.title == art.sentences[0].text == "Turkish-Backed Factions Reach Hama’s Outskirts in Central Syria"
    headings = [s.text for s in art.sentences if s.kind == "heading"]
    assert "Rapid Territorial Gains" in headings and "Government Forces in Retreat" in headings
    nxt = next(s for s in art.sentences if s.start_char > art.body_text.index("Rapid Territorial Gains"))
    assert nxt.kind == "body" and nxt.text.startswith("A senior opposition leader")
    assert art.dateline == "HAMA, Syria (North Press) –"
    assert art.dateline_place == "Hama, Syria"
    assert art.dateline_publisher == "North Press"
    assert art.body_text[art.dateline_start_char : art.dateline_end_char] == art.dateline
    assert art.published_date == dt.date(2024, 11, 30) and art.published_date_source == "metadata"


def test_seed_001_blogger_footer_removed(seeds):
    _, art = seeds["001"]
    rules = {b["text"]: b["rule"] for b in art.boilerplate}
    assert {"No comments:", "Leave comment here", "Powered by Blogger."} <= set(rules)
    assert "Blogger" not in art.body_text and "comment" not in art.body_text.lower()
    assert art.body_text.rstrip().endswith("according to United Nations estimates.")
    assert art.sentences[0].kind == "headline"


def test_seed_002_link_line_and_disclaimers_removed(seeds):
    _, art = seeds["002"]
    removed = {b["rule"] for b in art.boilerplate}
    assert "related_link" in removed
    assert "Messages of Reconciliation" not in art.body_text
    assert "translated and edited by" not in art.body_text
    assert "has not verified" not in art.body_text
    assert "Hama: Following Aleppo’s Lead" in [s.text for s in art.sentences if s.kind == "heading"]
    assert art.body_text.rstrip().endswith("in the unfolding developments.")
    assert art.sentences[0].kind == "body"  # the first line is a sentence, not a headline
    assert art.title is None


def test_seed_004_automation_disclaimer_and_mixed_case_dateline(seeds):
    _, art = seeds["004"]
    assert "automation technology" not in art.body_text
    assert art.dateline == "Hama, Syria —"
    assert art.publisher is None  # no metadata publisher, no dateline agency, no credit line


# ---- normalisation -----------------------------------------------------------------------


def test_normalise_whitespace_and_invisible_characters():
    raw = "Head\u00a0line\r\nFirst\u200b line.\u2028Second\tline.  \r\n\r\n\ufeffThird\u202fline."
    assert normalise_text(raw) == "Head line\nFirst line.\nSecond line.\n\nThird line."
    # decomposed é becomes composed
    assert normalise_text("Cafe\u0301") == "Café"


def test_normalise_text_skips_no_character_its_character_classes_would_change():
    # normalise_text only runs its character-class substitutions when a text holds one of
    # `_ODD_CHARS`; every character of the BMP must come out as the substitutions alone make it
    import re
    import unicodedata

    from pipeline.text import cleaning

    def by_substitution(text: str) -> str:
        text = unicodedata.normalize("NFC", text)
        for old, new in (("\r\n", "\n"), ("\r", "\n"), ("\u2028", "\n"), ("\u2029", "\n\n"), ("\x85", "\n")):
            text = text.replace(old, new)
        text = cleaning._SPACE_CHARS.sub(" ", cleaning._DROP_CHARS.sub("", text))
        text = re.sub(" {2,}", " ", cleaning._CONTROL_CHARS.sub("", text))
        return "\n".join(line.strip() for line in text.split("\n")).strip("\n")

    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters
            continue
        text = f"Rebels{chr(code)}entered  the town"
        assert normalise_text(text) == by_substitution(text), hex(code)


@pytest.mark.parametrize("line", [
    "  Breaking\u00a0News \t", "Read\u3000more\x1c here", "SHARE\u2028THIS", "Ｆｕｌｌ　width", "İstanbul  desk",
])
def test_normalise_line_is_nfkc_with_whitespace_runs_as_one_space_casefolded(line):
    import re
    import unicodedata

    from pipeline.text.cleaning import normalise_line

    assert normalise_line(line) == re.sub(r"\s+", " ", unicodedata.normalize("NFKC", line)).strip().casefold()


# ---- sentences ---------------------------------------------------------------------------


def test_sentence_splitter_abbreviations_initials_quotes():
    text = (
        "Gen. Ali Mahmoud said on Dec. 5 that Brigade No. 66 had left. "
        "The U.S. envoy met J. R. Smith in Amman. "
        "“We will not retreat,” a commander said. "
        "He added: “The city is ours.” Residents fled to Homs. "
        "Was it over? Nobody knew… Fighting resumed at 5 p.m. on Friday. "
        "Troops withdrew to the U.S. Meanwhile, the U.N. called for calm."
    )
    assert _sents(text) == [
        "Gen. Ali Mahmoud said on Dec. 5 that Brigade No. 66 had left.",
        "The U.S. envoy met J. R. Smith in Amman.",
        "“We will not retreat,” a commander said.",
        "He added: “The city is ours.”",
        "Residents fled to Homs.",
        "Was it over?",
        "Nobody knew…",
        "Fighting resumed at 5 p.m. on Friday.",
        "Troops withdrew to the U.S.",
        "Meanwhile, the U.N. called for calm.",
    ]


def test_headings_are_never_glued_to_the_next_sentence():
    raw = (
        "Army Pulls Back From Northern Towns\n"
        "The army withdrew from three towns overnight, officials said.\n"
        "Fighting Near the Airport\n"
        "Clashes continued near the military airport on Friday.\n"
        "what comes next for civilians\n"
        "Aid groups warned of shortages.\n"
    )
    art = clean_article(raw)
    _check_offsets(art)
    kinds = [(s.kind, s.text) for s in art.sentences]
    assert kinds[0] == ("headline", "Army Pulls Back From Northern Towns")
    assert ("heading", "Fighting Near the Airport") in kinds
    # a lowercase line is not a heading; it is joined to nothing and stays body
    assert all(s.kind != "heading" for s in art.sentences if s.text.startswith("what"))
    assert art.body_text.count("\n\n") == len({s.paragraph_id for s in art.sentences}) - 1


def test_sentence_like_line_without_period_is_not_heading():
    raw = (
        "Rebels Reach Outskirts\n"
        "Fighters said they were advancing and that the army has been retreating since the morning\n"
        "More fighting followed.\n"
    )
    art = clean_article(raw)
    assert [s.kind for s in art.sentences] == ["headline", "body", "body"]


def test_hard_wrapped_lines_are_joined_into_one_paragraph():
    raw = "Opposition fighters entered the city\nafter a night of clashes, residents\nsaid on Thursday.\nA second paragraph."
    art = clean_article(raw)
    _check_offsets(art)
    assert art.sentences[0].text == "Opposition fighters entered the city after a night of clashes, residents said on Thursday."
    assert art.sentences[0].paragraph_id != art.sentences[1].paragraph_id


# ---- boilerplate --------------------------------------------------------------------------


def test_footer_share_and_credit_lines_are_removed():
    raw = (
        "Troops Withdraw From Town\n"
        "By Jane Doe\n"
        "Government troops withdrew from the town of Kafr Nabudah on Tuesday.\n"
        "Read more: Ceasefire Talks Collapse in Geneva\n"
        "The opposition said it controlled the town by evening.\n"
        "(Reporting by Jane Doe; Editing by John Roe)\n"
        "Share this:\n"
        "Facebook\n"
        "Twitter\n"
        "Related\n"
        "© 2024 Levant Wire. All rights reserved.\n"
    )
    art = clean_article(raw)
    _check_offsets(art)
    assert art.body_text == (
        "Troops Withdraw From Town\n\n"
        "Government troops withdrew from the town of Kafr Nabudah on Tuesday.\n\n"
        "The opposition said it controlled the town by evening."
    )
    rules = [b["rule"] for b in art.boilerplate]
    assert {"byline", "related_link", "credit_line", "share_links", "copyright"} <= set(rules)
    assert art.publisher == "Levant Wire" and art.publisher_source == "boilerplate"


@pytest.mark.parametrize(
    "line",
    [
        "By Thursday, rebels had taken the city.",
        "Like many residents, she fled towards Homs.",
        "Shares of the state oil company fell sharply.",
        "Related clashes broke out in Homs countryside.",
        "Updated casualty figures show 40 dead.",
        "Join the fight, the commander urged his men.",
        "Follow-up talks were held in Astana.",
        "Recommended evacuation routes were shelled.",
    ],
)
def test_sentences_that_start_like_boilerplate_are_kept(line):
    art = clean_article(f"Fighting Spreads North\n{line}\nThe army denied the report.")
    assert line in art.body_text, art.boilerplate


def test_inline_related_link_line_removed_but_topical_heading_kept():
    raw = (
        "Rebels Advance on Homs\n"
        "Rebel fighters advanced towards Homs on Friday after taking Rastan and Talbiseh, local sources said.\n"
        "Kurdish Leaders Weigh Options: Autonomy, Elections and the Question of Oil Revenues\n"
        "The advance followed the withdrawal of government troops from Rastan overnight.\n"
        "Rastan and Talbiseh Change Hands\n"
        "Residents of Rastan reported that government troops had left before dawn.\n"
    )
    art = clean_article(raw)
    assert [b["rule"] for b in art.boilerplate] == ["related_link"]
    assert "Kurdish Leaders" not in art.body_text
    assert ("heading", "Rastan and Talbiseh Change Hands") in [(s.kind, s.text) for s in art.sentences]


def test_disclaimer_sentences_removed_from_inside_a_paragraph():
    raw = (
        "Clashes erupted near the airport. This report was translated from Arabic by Levant Monitor. "
        "The editors have not independently verified the claims. Residents fled.\n"
        "The views expressed in this article are those of the author and do not reflect the outlet."
    )
    art = clean_article(raw)
    _check_offsets(art)
    assert art.body_text == "Clashes erupted near the airport. Residents fled."
    assert len(art.boilerplate) == 3


def test_publisher_repeated_lines():
    footer = "Support independent journalism from the Levant today"
    texts = [f"Story {i} Headline\nTroops moved to sector {i} on Monday.\n{footer}" for i in range(4)]
    lines = repeated_lines({"Levant Daily": texts, "Other": ["A\nB"]})
    assert footer.casefold() in lines
    assert not any("troops moved" in line for line in lines)
    art = clean_article(texts[0], {"publisher": "Levant Daily"}, publisher_repeated_lines=lines)
    assert footer not in art.body_text
    assert art.boilerplate == [{"rule": "publisher_repeated_line", "text": footer}]


# ---- datelines, publisher, dates, language -------------------------------------------------


@pytest.mark.parametrize(
    "para, text, place, pub, date_text",
    [
        ("DAMASCUS (Reuters) - Syrian troops pulled out.", "DAMASCUS (Reuters) -", "Damascus", "Reuters", None),
        ("BEIRUT, Dec 5 (AFP) – Rebels said they took the city.", "BEIRUT, Dec 5 (AFP) –", "Beirut", "AFP", "Dec 5"),
        ("KYIV, Ukraine, Dec. 5, 2024 (AP) — Drones hit the city.", "KYIV, Ukraine, Dec. 5, 2024 (AP) —", "Kyiv, Ukraine", "AP", "Dec. 5, 2024"),
        ("Hama, Syria — Fighters entered.", "Hama, Syria —", "Hama, Syria", None, None),
        ("IDLIB: Airstrikes killed five people.", "IDLIB:", "Idlib", None, None),
    ],
)
def test_dateline_shapes(para, text, place, pub, date_text):
    d = parse_dateline(para)
    assert d is not None
    assert (d.text, d.place, d.publisher, d.date_text) == (text, place, pub, date_text)


@pytest.mark.parametrize(
    "para",
    [
        "Hayat Tahrir al-Sham (HTS) – a group once linked to al-Qaeda – advanced.",
        "Government forces - backed by Russia - attacked.",
        "Rebels: we took the city.",
        "The city fell on Thursday – residents said.",
    ],
)
def test_not_datelines(para):
    assert parse_dateline(para) is None


def test_publisher_and_date_from_dateline_without_metadata():
    raw = "Rebels Enter Hama\nBEIRUT, Dec 5, 2024 (AFP) – Rebels entered Hama on Thursday, a monitor said."
    art = clean_article(raw)
    assert art.publisher == "AFP" and art.publisher_source == "dateline"
    assert art.published_date == dt.date(2024, 12, 5) and art.published_date_source == "text"
    assert art.dateline_place == "Beirut"


def test_dateline_day_month_uses_metadata_year():
    art = clean_article("BEIRUT, Dec 30 (AFP) – Clashes continued.", {"published": dt.date(2025, 1, 2)})
    assert art.dateline_date == dt.date(2024, 12, 30)
    assert art.published_date == dt.date(2025, 1, 2) and art.published_date_source == "metadata"


def test_published_date_from_text_prefers_latest_explicit_date():
    raw = (
        "Protests began on March 15, 2011, in Daraa. "
        "On 5 December 2024 the opposition entered Hama, residents said."
    )
    art = clean_article(raw)
    assert art.published_date == dt.date(2024, 12, 5) and art.published_date_source == "text"
    assert clean_article("No date here at all.").published_date_source == "unknown"


def test_metadata_date_string_accepted():
    art = clean_article("Rebels advanced.", {"published": "2024-12-05T10:38:32Z", "title": "Meta title"})
    assert art.published_date == dt.date(2024, 12, 5) and art.title == "Meta title"


def test_arabic_article_is_marked_not_english():
    raw = "سيطرت فصائل المعارضة المسلحة على مدينة حماة وسط سوريا بعد انسحاب القوات الحكومية منها يوم الخميس."
    art = clean_article(raw)
    assert art.language == "ar" and art.is_english is False
    _check_offsets(art)


def test_many_articles_clean_the_same_in_worker_processes():
    import hashlib

    from pipeline.text.corpus import clean_rows

    towns = ["Hama", "Homs", "Saraqib", "Aleppo", "Idlib", "Salamiyah", "Daraa"]
    rows = []
    for i in range(240):
        text = (f"Fighting near {towns[i % 7]}\n\n{towns[i % 7].upper()}, Syria (Wire {i % 5}) - Rebels said on "
                f"day {i} that {100 + i} fighters entered {towns[(i + 3) % 7]}.\n\nResidents fled north. "
                f"Share this article\n\n© Wire {i % 5}")
        rows.append({"article_id": f"a{i:03d}", "status": "active", "raw_text": text,
                     "content_sha256": hashlib.sha256(text.encode()).hexdigest(), "meta_publisher": f"Wire {i % 5}",
                     "meta_published_date": dt.date(2024, 12, 1) + dt.timedelta(days=i % 9), "meta_title": None,
                     "meta_url": None, "ingested_at": dt.datetime(2024, 12, 10, tzinfo=dt.timezone.utc)})
    serial = clean_rows(rows, n_process=1)
    assert clean_rows(rows, n_process=2) == serial
    articles, sentences = serial
    assert len(articles) == 240 and not any("Share this article" in a["body_text"] for a in articles)
    assert {s["article_id"] for s in sentences} == {a["article_id"] for a in articles}


def test_language_classifier_is_loaded_once_while_a_background_load_runs(monkeypatch):
    import time

    import py3langid.langid as langid

    from pipeline.text import language

    monkeypatch.setattr(language, "_LOADED", [])
    loads = []
    real = langid.LanguageIdentifier.from_model_file

    def slow_load(*args, **kwargs):
        loads.append(1)
        time.sleep(0.3)  # still loading when the caller below asks for it
        return real(*args, **kwargs)

    monkeypatch.setattr(langid.LanguageIdentifier, "from_model_file", staticmethod(slow_load))
    language.load_identifier_in_background()
    guess = language.detect_language("Rebel fighters entered the city on Thursday after government forces withdrew.")
    assert guess.is_english and loads == [1]
    language.load_identifier_in_background()  # already loaded: nothing more to do
    assert language.identifier() is language._LOADED[0] and loads == [1]


def _classify_in_child(queue) -> None:
    from pipeline.text import language

    queue.put(language.detect_language("Government forces withdrew from the town after heavy shelling overnight.").language)


def test_a_process_forked_while_the_classifier_loads_can_still_classify(monkeypatch):
    # the nlp step may fork workers while a load started by the clean step still runs
    import multiprocessing as mp
    import time

    import py3langid.langid as langid

    from pipeline.text import language

    monkeypatch.setattr(language, "_LOADED", [])
    real = langid.LanguageIdentifier.from_model_file

    def slow_load(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(langid.LanguageIdentifier, "from_model_file", staticmethod(slow_load))
    language.load_identifier_in_background()
    time.sleep(0.2)  # the loading thread now holds the lock
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_classify_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0 and queue.get(timeout=5) == "en"


def _build_clean(folder, db, monkeypatch=None, *, raw_only=False):
    import dagster as dg

    from pipeline.assets.clean import clean_layer
    from pipeline.assets.raw import raw_layer
    from pipeline.resources import SeedsConfig, Warehouse

    assets = [raw_layer] if raw_only else [raw_layer, clean_layer]
    with dg.instance_for_test() as instance:
        assert dg.materialize(assets, instance=instance, resources={
            "warehouse": Warehouse(database=str(db)), "seeds": SeedsConfig(seeds_dir=str(folder))}).success


def _clean_tables(db) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.sql(f"select * from {t} order by all").pl() for t in ("clean.articles", "clean.sentences")}
    finally:
        con.close()


def test_an_incremental_clean_writes_only_changed_rows_and_equals_a_full_build(tmp_path, seeds_copy, monkeypatch):
    import pipeline.assets.clean as clean_asset

    folder = tmp_path / "seeds"
    shutil.copytree(seeds_copy, folder)
    db = tmp_path / "w.duckdb"
    _build_clean(folder, db)
    first = min(p.stem for p in folder.glob("*.txt"))
    # one new article, one whose text changed, one gone
    (folder / "zz_new.txt").write_text(
        "Army retakes Suran\nSURAN (Example) - Government forces retook Suran on Tuesday, a commander said.\n",
        encoding="utf-8")
    edited = sorted(folder.glob("*.txt"))[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nThe army said it would press on.\n", encoding="utf-8")
    (folder / f"{first}.txt").unlink()
    (folder / f"{first}.json").unlink()
    written, cleanings = [], []
    real_replace_rows, real_clean_rows = clean_asset.replace_rows, clean_asset.clean_rows
    monkeypatch.setattr(clean_asset, "replace_rows",
                        lambda con, table, frame, column, values: written.append((table, sorted(values)))
                        or real_replace_rows(con, table, frame, column, values))
    monkeypatch.setattr(clean_asset, "clean_rows", lambda *a, **k: cleanings.append(1) or real_clean_rows(*a, **k))
    _build_clean(folder, db)
    assert [t for t, _ in written] == ["clean.articles", "clean.sentences"]
    assert len(cleanings) == 1  # the tables were as read: no second pass
    assert all(ids == sorted({"zz_new", edited.stem, first}) for _, ids in written), written

    fresh = tmp_path / "fresh.duckdb"
    _build_clean(folder, fresh)
    assert all(a.equals(b) for a, b in zip(_clean_tables(db).values(), _clean_tables(fresh).values()))


def test_a_clean_step_whose_tables_another_run_rewrote_meanwhile_writes_against_what_that_run_left(
        tmp_path, seeds_copy, monkeypatch):
    import duckdb

    import pipeline.assets.clean as clean_asset

    folder = tmp_path / "seeds"
    shutil.copytree(seeds_copy, folder)
    db = tmp_path / "w.duckdb"
    _build_clean(folder, db)
    (folder / "zz_new.txt").write_text(
        "Army retakes Suran\nSURAN (Example) - Government forces retook Suran on Tuesday, a commander said.\n",
        encoding="utf-8")
    _build_clean(folder, db, raw_only=True)
    other = min(p.stem for p in folder.glob("*.txt"))
    real_clean_rows = clean_asset.clean_rows

    def clean_rows_while_another_run_writes(*args, **kwargs):
        rows = real_clean_rows(*args, **kwargs)
        if not getattr(clean_rows_while_another_run_writes, "done", False):
            clean_rows_while_another_run_writes.done = True
            # another run, whose raw view no longer had `other`, wrote the tables in between
            con = duckdb.connect(str(db))
            con.execute("delete from clean.sentences where article_id = ?", [other])
            con.execute("delete from clean.articles where article_id = ?", [other])
            con.close()
        return rows

    monkeypatch.setattr(clean_asset, "clean_rows", clean_rows_while_another_run_writes)
    _build_clean(folder, db)
    # this run's view stands whole, as if it had run alone: `other` back, nothing twice
    fresh = tmp_path / "fresh.duckdb"
    _build_clean(folder, fresh)
    assert all(a.equals(b) for a, b in zip(_clean_tables(db).values(), _clean_tables(fresh).values()))
