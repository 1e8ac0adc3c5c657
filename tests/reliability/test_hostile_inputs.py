"""Hostile and broken inputs: each alone at the read/clean level (fast), then all together with
good articles in one folder built by the real job (one full build, shared with other modules)."""

import json
import os
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.text.cleaning import clean_article
from pipeline.text.corpus import clean_rows, raw_rows
from pipeline.text.reading import MAX_ARTICLE_CHARS, read_corpus
from reliability.helpers import (
    ARABIC_ARTICLE,
    BACKTICKS,
    GOOD_ARTICLE,
    HTML_PAGE,
    INJECTION,
    INJECTION_ARTICLE,
    LONG_LINE,
    ODD_NAMES,
    SHELL,
    write_big_text,
)


def read_one(tmp_path: Path, name: str, data: bytes | str, **kwargs):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return read_corpus(folder, **kwargs)


def codes(rejections) -> list[str]:
    return [r.code for r in rejections]


# --------------------------------------------------------------------------------------------
# Each input alone


def test_empty_and_whitespace_files_are_rejected_as_empty(tmp_path):
    assert codes(read_one(tmp_path, "a.txt", b"")[1]) == ["empty_file"]
    records, rejections = read_one(tmp_path, "b.txt", "  \n\t \r\n")
    assert [r.source_path for r in rejections if r.code == "empty_file"] == ["a.txt", "b.txt"]
    assert records == []


def test_binary_file_with_txt_extension_is_rejected_not_decoded(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    records, rejections = read_one(tmp_path, "photo.txt", png)
    assert records == [] and codes(rejections) == ["binary_file"]
    assert "NUL bytes" in rejections[0].reason


def test_control_character_soup_without_nuls_is_rejected_as_binary(tmp_path):
    records, rejections = read_one(tmp_path, "ctl.txt", bytes([1, 2, 3, 4, 5, 6, 7, 65]) * 500)
    assert records == [] and codes(rejections) == ["binary_file"]


def test_latin1_file_is_read_as_legacy_text_with_accents_intact(tmp_path):
    text = "Caf\u00e9 owners in Hama\u2019s old city said on Friday that fighting had stopped.\n"
    records, rejections = read_one(tmp_path, "l.txt", text.encode("cp1252"))
    assert rejections == []
    assert records[0].encoding == "cp1252" and records[0].raw_text == text


def test_utf8_with_a_few_corrupt_bytes_keeps_every_good_character(tmp_path):
    data = "Ḥamā: fighters entered Ma\u02bfarrat on Tuesday, résidents said.".encode() + b"\xff\xfe\n"
    records, rejections = read_one(tmp_path, "c.txt", data)
    assert rejections == []
    assert records[0].raw_text.startswith("Ḥamā: fighters entered Ma\u02bfarrat")
    assert "résidents" in records[0].raw_text
    assert records[0].encoding.startswith("utf-8 (")


def test_bytes_that_read_as_no_western_text_never_become_an_english_article(tmp_path):
    records, rejections = read_one(tmp_path, "g.txt", bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D] * 400))
    assert records or rejections
    for r in records:
        assert not clean_article(r.raw_text).is_english


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_encodings_with_or_without_bom_decode_to_the_same_text(tmp_path, encoding):
    records, rejections = read_one(tmp_path, "u.txt", GOOD_ARTICLE.encode(encoding))
    assert rejections == []
    assert records[0].raw_text == GOOD_ARTICLE


def test_a_50_mb_file_is_rejected_as_too_large_before_it_is_read(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    write_big_text(folder / "huge.txt", 50 * 1024 * 1024)
    started = time.perf_counter()
    records, rejections = read_corpus(folder)  # the default limit, as the job uses it
    assert time.perf_counter() - started < 5  # a stat, not a read
    assert records == [] and codes(rejections) == ["too_large"]
    assert "52,428,800 bytes > max 20,000,000" in rejections[0].reason


def test_text_longer_than_one_article_can_be_is_rejected_even_under_the_byte_limit(tmp_path):
    records, rejections = read_one(
        tmp_path, "dump.txt", "Rebels advanced. " * (MAX_ARTICLE_CHARS // 17 + 10), max_bytes=100_000_000
    )
    assert records == [] and codes(rejections) == ["too_long"]
    line = json.dumps({"text": "x " * (MAX_ARTICLE_CHARS // 2 + 10)})
    records, rejections = read_one(tmp_path, "feed.jsonl", line + "\n" + json.dumps({"text": GOOD_ARTICLE}))
    assert [r.article_id for r in records] == ["feed#2"]
    assert [(r.code, r.line) for r in rejections if r.source_path == "feed.jsonl"] == [("too_long", 1)]


def test_html_page_saved_as_txt_is_kept_with_markup_scripts_and_navigation_stripped(tmp_path):
    records, rejections = read_one(tmp_path, "page.txt", HTML_PAGE)
    assert rejections == []
    assert records[0].raw_text == HTML_PAGE  # raw keeps what was received
    cleaned = clean_article(records[0].raw_text, records[0].meta())
    assert "<" not in cleaned.body_text and ">" not in cleaned.body_text
    assert "trackPageview" not in cleaned.body_text and "color" not in cleaned.body_text
    assert "World" not in cleaned.body_text and "Example News" not in cleaned.body_text
    assert cleaned.title == "Rebels reach outskirts of Hama"
    assert "reinforcements & air support" in cleaned.body_text
    assert any(b["rule"] == "html_markup" for b in cleaned.boilerplate)
    for s in cleaned.sentences:
        assert cleaned.body_text[s.start_char : s.end_char] == s.text


def test_html_fragment_in_a_jsonl_body_is_stripped_but_plain_angle_brackets_are_not():
    fragment = "<p>Rebels entered <b>Hama</b> on Thursday.</p><p>The army withdrew.</p><div>Residents fled.</div>"
    assert clean_article(fragment).body_text == "Rebels entered Hama on Thursday.\n\nThe army withdrew.\n\nResidents fled."
    plain = "Shelling hit villages <5 km from the front, where 3 < 4 and a > b, residents said."
    assert clean_article(plain).body_text == plain


def test_arabic_article_is_kept_marked_not_english_and_yields_no_sentences(tmp_path):
    records, rejections = read_one(tmp_path, "ar.txt", ARABIC_ARTICLE)
    assert rejections == [] and len(records) == 1
    articles, sentences = clean_rows(raw_rows(records))
    assert articles[0]["language"] == "ar" and articles[0]["is_english"] is False
    assert articles[0]["body_text"].startswith("سيطرت")
    assert sentences == []


def test_jsonl_with_malformed_lines_keeps_the_good_lines_and_names_each_bad_one(tmp_path):
    lines = [
        json.dumps({"text": GOOD_ARTICLE}),
        '{"text": "cut off',
        "[1, 2]",
        json.dumps({"title": "no body"}),
        json.dumps({"text": 42}),
        json.dumps({"text": "   "}),
        "",
        json.dumps({"maintext": "Rebels entered Homs.", "date_publish": "2024-12-07"}),
    ]
    records, rejections = read_one(tmp_path, "feed.jsonl", "\n".join(lines))
    assert [r.article_id for r in records] == ["feed#1", "feed#8"]
    assert [(r.code, r.line) for r in rejections] == [
        ("malformed_json_line", 2),
        ("malformed_json_line", 3),
        ("missing_text_field", 4),
        ("missing_text_field", 5),
        ("empty_text", 6),
    ]
    assert all(f"line {r.line}" in r.reason for r in rejections)


@pytest.mark.parametrize("sidecar", ['{"published": "2024-12-01", ', "[1, 2]", b"\x00\x01\x02\xff" * 10])
def test_malformed_sidecar_is_reported_and_the_article_still_ingested(tmp_path, sidecar):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    (folder / "a.json").write_bytes(sidecar.encode() if isinstance(sidecar, str) else sidecar)
    records, rejections = read_corpus(folder)
    assert [r.article_id for r in records] == ["a"] and records[0].meta_published_date is None
    assert [(r.source_path, r.code) for r in rejections] == [("a.json", "malformed_sidecar")]
    assert "a.txt ingested without its metadata" in rejections[0].reason


@pytest.mark.parametrize("date", ["2024-02-30", "2024-13-45", "31/31/2024", "yesterday-ish", "0000-00-00"])
def test_sidecar_with_an_impossible_date_keeps_the_article_and_explains_the_date(tmp_path, date):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    (folder / "a.json").write_text(json.dumps({"published": date, "publisher": "Example"}), encoding="utf-8")
    records, rejections = read_corpus(folder)
    assert rejections == []
    rec = records[0]
    assert rec.meta_published == date and rec.meta_published_date is None
    assert rec.meta_date_error and date in rec.meta_date_error
    assert rec.meta_publisher == "Example"
    assert clean_article(rec.raw_text, rec.meta()).published_date_source != "metadata"


def test_odd_file_names_become_ids_exactly_as_written(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ODD_NAMES:
        (folder / name).write_text(GOOD_ARTICLE, encoding="utf-8")
    records, rejections = read_corpus(folder)
    assert rejections == []
    assert sorted(r.source_path for r in records) == sorted(ODD_NAMES)
    assert sorted(r.article_id for r in records) == sorted(n[: -len(".txt")] for n in ODD_NAMES)


def test_symlinks_leading_outside_the_seeds_folder_are_reported_and_never_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET launch codes", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    os.symlink(outside / "secret.txt", folder / "leak.txt")
    os.symlink(outside, folder / "leak_dir")
    os.symlink("../outside/secret.txt", folder / "relative_leak.txt")
    os.symlink(folder / "nowhere.txt", folder / "broken.txt")
    records, rejections = read_corpus(folder)
    assert [r.article_id for r in records] == ["good"]
    assert {(r.source_path, r.code) for r in rejections} == {
        ("leak.txt", "symlink_outside_seeds"),
        ("leak_dir", "symlink_outside_seeds"),
        ("relative_leak.txt", "symlink_outside_seeds"),
        ("broken.txt", "broken_symlink"),
    }
    assert not any("SECRET" in r.raw_text for r in records)


def test_paths_inside_metadata_are_data_and_never_opened(tmp_path):
    line = json.dumps(
        {"text": GOOD_ARTICLE, "url": "../../etc/passwd", "source_path": "../../../etc/shadow", "link": "/etc/hosts"}
    )
    records, rejections = read_one(tmp_path, "feed.jsonl", line)
    assert rejections == []
    rec = records[0]
    assert rec.meta_url == "../../etc/passwd"
    assert rec.source_path == "feed.jsonl" and rec.article_id == "feed#1"
    assert rec.raw_text == GOOD_ARTICLE  # nothing from /etc was read into the record
    assert raw_rows(records)[0]["source_path"] == "feed.jsonl"


def test_sql_and_shell_metacharacters_come_through_as_plain_text(tmp_path):
    records, rejections = read_one(tmp_path, "inj.txt", INJECTION_ARTICLE)
    assert rejections == []
    cleaned = clean_article(records[0].raw_text)
    for fragment in (INJECTION, SHELL, BACKTICKS, "Robert'); DELETE FROM clean.articles;"):
        assert fragment in records[0].raw_text and fragment in cleaned.body_text


def test_very_long_lines_are_split_into_sentences_in_linear_time(tmp_path):
    one_mb_line = ("Fighters advanced on the village west of Hama on Monday, residents said. " * 13_000)[:990_000]
    records, _ = read_one(tmp_path, "long.txt", "Fighting spreads\n\n" + one_mb_line)
    started = time.perf_counter()
    cleaned = clean_article(records[0].raw_text)
    elapsed = time.perf_counter() - started
    # The old splitter sliced the paragraph at every full stop: hours for this input.
    assert elapsed < 60, elapsed
    assert len(cleaned.sentences) > 12_000
    for s in cleaned.sentences[:50] + cleaned.sentences[-50:]:
        assert cleaned.body_text[s.start_char : s.end_char] == s.text
    short = clean_article("Fighting spreads west of Hama\n\n" + LONG_LINE)
    assert len([s for s in short.sentences if s.kind == "body"]) == 750


def test_one_word_article_is_kept_as_one_sentence(tmp_path):
    records, rejections = read_one(tmp_path, "one.txt", "Hama\n")
    assert rejections == []
    cleaned = clean_article(records[0].raw_text)
    assert cleaned.body_text == "Hama" and cleaned.n_words == 1
    assert [(s.kind, s.text) for s in cleaned.sentences] == [("body", "Hama")]


# --------------------------------------------------------------------------------------------
# All of them together, through the real job


@pytest.fixture(scope="module")
def con(hostile_build):
    c = duckdb.connect(str(hostile_build.db), read_only=True)
    yield c
    c.close()


def _error_failures(result) -> list:
    return [
        (e.asset_key.to_user_string(), e.check_name, e.description)
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]


def test_the_hostile_folder_builds_and_no_blocking_check_fails(hostile_build):
    assert hostile_build.result.success
    assert _error_failures(hostile_build.result) == []


def test_every_hostile_item_is_ingested_or_rejected_with_its_reason(hostile_build, con):
    articles = {p for (p,) in con.execute("select source_path from raw.articles where status = 'active'").fetchall()}
    rejected: dict[str, list[str]] = {}
    for path, reason in con.execute("select source_path, reason from raw.rejected_files").fetchall():
        rejected.setdefault(path, []).append(reason.split(":", 1)[0])
    english = dict(
        con.execute(
            "select r.source_path, bool_or(c.is_english) from raw.articles r "
            "join clean.articles c using (article_id) group by 1"
        ).fetchall()
    )
    for path, outcome in hostile_build.expected.items():
        sidecar = path[: -len(".txt")] + ".json"
        if outcome == "article":
            assert path in articles, path
        elif outcome == "not_english":
            assert path in articles and english[path] is False, path
        elif outcome == "not_english_or_rejected":
            assert (path in articles and english[path] is False) or path in rejected, path
        elif outcome.startswith("article+rejected:"):
            code = outcome.split(":", 1)[1]
            assert path in articles, path
            assert code in rejected.get(path, []) + rejected.get(sidecar, []), (path, rejected)
        else:
            code = outcome.split(":", 1)[1]
            assert path not in articles, path
            assert code in rejected.get(path, []), (path, rejected.get(path))


def test_no_partial_rows_every_layer_covers_exactly_the_active_articles(con):
    raw_ids = {a for (a,) in con.execute("select article_id from raw.articles where status = 'active'").fetchall()}
    clean_ids = {a for (a,) in con.execute("select article_id from clean.articles").fetchall()}
    assert clean_ids == raw_ids
    no_sentences = con.execute(
        "select article_id from clean.articles a where is_english and not exists "
        "(select 1 from clean.sentences s where s.article_id = a.article_id)"
    ).fetchall()
    assert no_sentences == []
    for table in ("clean.sentences", "nlp.entity_mentions", "nlp.claims", "nlp.figures"):
        orphans = con.execute(
            f"select count(*) from {table} t where not exists "  # table names are the literals above
            "(select 1 from clean.articles a where a.article_id = t.article_id)"
        ).fetchone()[0]
        assert orphans == 0, table
    bad_offsets = con.execute(
        "select count(*) from nlp.claims c join clean.articles a using (article_id) "
        "where c.end_char > length(a.body_text) or c.start_char < 0 or c.end_char <= c.start_char"
    ).fetchone()[0]
    assert bad_offsets == 0


def test_arabic_article_is_kept_but_never_parsed(con):
    row = con.execute("select language, is_english from clean.articles where article_id = 'arabic'").fetchone()
    assert row == ("ar", False)
    for table in ("clean.sentences", "nlp.entity_mentions", "nlp.claims", "nlp.figures"):
        # table names are the literals above
        assert con.execute(f"select count(*) from {table} where article_id = 'arabic'").fetchone()[0] == 0


def test_injection_text_is_stored_verbatim_and_the_tables_it_names_survive(con):
    (body,) = con.execute("select body_text from clean.articles where article_id = 'injection'").fetchone()
    for fragment in (INJECTION, SHELL, BACKTICKS):
        assert fragment in body
    (jsonl_body,) = con.execute("select raw_text from raw.articles where article_id = 'feed#6'").fetchone()
    assert INJECTION in jsonl_body
    assert con.execute("select count(*) from raw.articles").fetchone()[0] > 10
    assert con.execute("select count(*) from clean.articles").fetchone()[0] > 10


def test_metadata_paths_are_stored_as_data(con):
    row = con.execute("select source_path, meta_url from raw.articles where article_id = 'feed#1'").fetchone()
    assert row == ("feed.jsonl", "../../etc/passwd")


def test_html_page_contributes_text_not_markup(con):
    (body,) = con.execute("select body_text from clean.articles where article_id = 'page'").fetchone()
    assert "<" not in body and "trackPageview" not in body
    assert "northern outskirts of Hama" in body


def test_the_good_seed_articles_still_yield_claims(con):
    n = con.execute(
        "select count(distinct article_id) from nlp.claims where article_id in "
        "(select article_id from raw.articles where source_path like '00%')"
    ).fetchone()[0]
    assert n >= 3
