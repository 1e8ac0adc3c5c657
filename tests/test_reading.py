import datetime as dt
import json
import os
from pathlib import Path

import polars as pl
import pytest

from pipeline.text.dates import find_text_dates, parse_meta_date, resolve_day_month
from pipeline.text.reading import decode_bytes, read_corpus

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _by_path(rejections):
    return {r.source_path: r for r in rejections}


def test_seeds_read_with_sidecar_metadata():
    records, rejections = read_corpus(SEEDS)
    assert rejections == []
    assert [r.article_id for r in records] == sorted(r.article_id for r in records)
    first = records[0]
    assert first.article_id == "000_4136a81843eec66e"
    assert first.source_path == "000_4136a81843eec66e.txt"
    assert first.meta_publisher == "North Press Agency"
    assert first.meta_published_date == dt.date(2024, 11, 30)
    assert first.meta_url.startswith("https://")
    assert first.record_format == "txt" and first.encoding == "utf-8"
    assert len(first.content_sha256) == 64


def test_encodings(tmp_path):
    text = "Rebels entered the café district of “Hama” on Thursday – residents said."
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))  # with BOM
    (tmp_path / "bom8.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "legacy.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "plain.txt").write_text(text, encoding="utf-8")
    records, rejections = read_corpus(tmp_path)
    assert rejections == []
    by_id = {r.article_id: r for r in records}
    for rec in by_id.values():
        assert rec.raw_text == text, rec.encoding
    assert by_id["utf16"].encoding == "utf-16"
    assert by_id["bom8"].encoding == "utf-8-sig"
    assert by_id["legacy"].encoding == "cp1252"
    # identical decoded text, identical hash, whatever the bytes
    assert len({r.content_sha256 for r in records}) == 1


def test_bad_files_are_rejected_with_specific_reasons(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n ")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "big.txt").write_text("word " * 100)
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "noext").write_text("text")
    (tmp_path / "lonely.json").write_text("{}")
    (tmp_path / "good.txt").write_text("Government forces withdrew from the town.")
    records, rejections = read_corpus(tmp_path, max_bytes=300)
    assert [r.article_id for r in records] == ["good"]
    rej = _by_path(rejections)
    assert rej["empty.txt"].reason == "empty_file: 0 bytes"
    assert rej["blank.txt"].code == "empty_file"
    assert rej["binary.txt"].reason == "binary_file: NUL bytes in first 8 KiB"
    assert rej["big.txt"].reason == "too_large: 500 bytes > max 300"
    assert rej["report.pdf"].reason.startswith("unsupported_extension: .pdf")
    assert rej["noext"].reason.startswith("unsupported_extension: (none)")
    assert rej["lonely.json"].code == "orphan_sidecar"


def test_ignored_names_are_not_articles_nor_rejections(tmp_path):
    (tmp_path / "README.md").write_text("# about")
    (tmp_path / "baseline_control.csv").write_text("a,b\n")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("Hidden article.")
    (tmp_path / "a.txt").write_text("An article.")
    records, rejections = read_corpus(tmp_path)
    assert [r.article_id for r in records] == ["a"]
    assert rejections == []


def test_jsonl_good_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"maintext": "Rebels took Hama.", "title": "Hama falls", "date_publish": "2024-12-05 10:38:32",
                    "url": "https://x.example/1", "source_domain": "x.example"}),
        "",
        '{"text": "broken", "title": }',
        json.dumps({"title": "no body here", "url": "u"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"content": "Second article \u2028 with a line separator.", "publisher": "Wire",
                    "published": "Dec 5, 2024"}),
        json.dumps({"text": "   "}),
        json.dumps({"body": "Third.", "source": {"id": None, "name": "NewsAPI Outlet"}, "date": "2024-13-45"}),
    ]
    sub = tmp_path / "feeds"
    sub.mkdir()
    (sub / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, rejections = read_corpus(tmp_path)
    assert [r.article_id for r in records] == ["feeds/batch#1", "feeds/batch#6", "feeds/batch#8"]
    r1, r6, r8 = records
    assert r1.source_path == "feeds/batch.jsonl" and r1.record_format == "jsonl" and r1.line == 1
    assert r1.meta_published_date == dt.date(2024, 12, 5)
    assert r1.meta_publisher == "x.example" and r1.meta_title == "Hama falls"
    assert "\u2028" in r6.raw_text and r6.meta_published_date == dt.date(2024, 12, 5)
    assert r8.meta_publisher == "NewsAPI Outlet"
    assert r8.meta_published == "2024-13-45" and r8.meta_published_date is None
    assert r8.meta_date_error.startswith("unparseable_date:")
    reasons = {r.line: r.reason for r in rejections}
    assert reasons[3].startswith("malformed_json_line: line 3: Expecting value")
    assert reasons[4].startswith("missing_text_field: line 4 has none of text/maintext/content/body")
    assert reasons[5] == "malformed_json_line: line 5: expected a JSON object, got list"
    assert reasons[7].startswith("empty_text: line 7")
    assert all(r.source_path == "feeds/batch.jsonl" for r in rejections)


def test_sidecar_problems_do_not_lose_the_article(tmp_path):
    (tmp_path / "a.txt").write_text("Article A.")
    (tmp_path / "a.json").write_text('{"publisher": "X", ')
    (tmp_path / "b.txt").write_text("Article B.")
    (tmp_path / "b.json").write_text(json.dumps({"published": "2024-13-45", "publisher": "Y"}))
    (tmp_path / "c.txt").write_text("Article C.")
    (tmp_path / "c.json").write_text("[1, 2]")
    records, rejections = read_corpus(tmp_path)
    by_id = {r.article_id: r for r in records}
    assert set(by_id) == {"a", "b", "c"}
    assert by_id["a"].meta_publisher is None
    rej = _by_path(rejections)
    assert rej["a.json"].code == "malformed_sidecar" and "a.txt ingested without its metadata" in rej["a.json"].reason
    assert rej["c.json"].reason.startswith("malformed_sidecar: expected a JSON object, got list")
    b = by_id["b"]
    assert b.meta_publisher == "Y" and b.meta_published == "2024-13-45"
    assert b.meta_published_date is None and "month must be in 1..12" in b.meta_date_error
    assert "b.json" not in rej  # a bad date is flagged on the record, not a rejection


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlinks_outside_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Not part of the corpus.")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "real.txt").write_text("Real article.")
    (seeds / "escape.txt").symlink_to(outside / "secret.txt")
    (seeds / "escape_dir").symlink_to(outside, target_is_directory=True)
    (seeds / "inside.txt").symlink_to(seeds / "real.txt")
    (seeds / "dangling.txt").symlink_to(tmp_path / "nope.txt")
    records, rejections = read_corpus(seeds)
    assert [r.article_id for r in records] == ["inside", "real"]
    rej = _by_path(rejections)
    assert rej["escape.txt"].code == "symlink_outside_seeds"
    assert rej["escape_dir"].code == "symlink_outside_seeds"
    assert rej["dangling.txt"].code == "broken_symlink"


def test_odd_file_names_and_nested_order(tmp_path):
    names = ["-leading dash.txt", "with space.txt", "Ḥamā ṣūrān.txt", "z/inner.txt", "a/b/deep.txt"]
    for n in names:
        p = tmp_path / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"Article {n}.")
    records, _ = read_corpus(tmp_path)
    ids = [r.article_id for r in records]
    assert ids == ["-leading dash", "a/b/deep", "with space", "z/inner", "Ḥamā ṣūrān"]
    assert records[1].source_path == "a/b/deep.txt"
    assert read_corpus(tmp_path)[0] == records  # deterministic


def test_legacy_non_latin_keeps_detected_encoding():
    text = "Повстанцы вошли в город Хама в четверг, сообщили местные жители агентству."
    decoded = decode_bytes(text.encode("cp1251"))
    assert decoded.text == text and decoded.encoding == "cp1251"


def test_decode_utf16_without_bom_and_garbage():
    assert decode_bytes("Hama fell on Thursday.".encode("utf-16-le")).encoding == "utf-16-le"
    assert decode_bytes(b"").error == "empty_file: 0 bytes"


def test_meta_dates():
    assert parse_meta_date("2024-12-05") == (dt.date(2024, 12, 5), None)
    assert parse_meta_date("2024-12-05T10:38:32Z")[0] == dt.date(2024, 12, 5)
    assert parse_meta_date("Dec 5, 2024")[0] == dt.date(2024, 12, 5)
    assert parse_meta_date("5 December 2024")[0] == dt.date(2024, 12, 5)
    assert parse_meta_date("Thu, 05 Dec 2024 22:10:00 +0300")[0] == dt.date(2024, 12, 5)
    assert parse_meta_date(1733394512)[0] == dt.date(2024, 12, 5)
    for bad in ("2024-13-45", "2024-02-30", "December 2024", "yesterday-ish"):
        d, err = parse_meta_date(bad)
        assert d is None and err.startswith("unparseable_date:"), bad


def test_text_dates():
    found = find_text_dates("Clashes began on Nov. 27, 2024; by 5 December 2024 and 2024-12-08 it was over; 2011.")
    assert [f.date for f in found] == [dt.date(2024, 11, 27), dt.date(2024, 12, 5), dt.date(2024, 12, 8)]
    assert resolve_day_month("Dec", "30", dt.date(2025, 1, 2)) == dt.date(2024, 12, 30)
    assert resolve_day_month("Dec", "5", None) is None


def test_a_file_that_disappears_stays_in_raw_marked_removed_with_its_text(tmp_path):
    import dagster as dg

    from pipeline.assets.raw import raw_layer
    from pipeline.resources import SeedsConfig, Warehouse

    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, body in (("a", "Rebels entered Hama on Thursday."), ("b", "Troops left Homs on Friday.")):
        (folder / f"{name}.txt").write_text(body, encoding="utf-8")
    wh = Warehouse(database=str(tmp_path / "w.duckdb"))

    def run():
        with dg.instance_for_test() as instance:
            assert dg.materialize([raw_layer], resources={"warehouse": wh, "seeds": SeedsConfig(seeds_dir=str(folder))},
                                  instance=instance).success
        return {r["article_id"]: r for r in wh.query("select * from raw.articles").to_dicts()}

    first = run()
    (folder / "b.txt").unlink()
    for _ in range(2):  # and it stays so on the runs after
        rows = run()
        assert rows["a"]["status"] == "active" and rows["b"]["status"] == "removed"
        assert rows["b"]["raw_text"] == "Troops left Homs on Friday."
        assert rows["b"]["ingested_at"] == first["b"]["ingested_at"] and rows["a"]["ingested_at"] == first["a"]["ingested_at"]


def test_a_raw_step_rewrites_only_the_records_that_changed(tmp_path, monkeypatch):
    import dagster as dg

    import pipeline.assets.raw as raw_asset
    from pipeline.resources import SeedsConfig, Warehouse

    folder = tmp_path / "seeds"
    folder.mkdir()
    for name in "abcd":
        (folder / f"{name}.txt").write_text(f"Rebels entered town {name} on Thursday.", encoding="utf-8")
        (folder / f"{name}.json").write_text(json.dumps({"publisher": "Example", "published": "2024-12-05"}))
    written = []
    real_replace_rows = raw_asset.replace_rows
    monkeypatch.setattr(raw_asset, "replace_rows", lambda con, table, frame, column, values: written.append(
        sorted(values)) or real_replace_rows(con, table, frame, column, values))

    def run(db):
        wh = Warehouse(database=str(db))
        with dg.instance_for_test() as instance:
            assert dg.materialize([raw_asset.raw_layer], instance=instance,
                                  resources={"warehouse": wh, "seeds": SeedsConfig(seeds_dir=str(folder))}).success
        return wh.query("select * exclude (ingested_at) from raw.articles order by article_id")

    run(tmp_path / "w.duckdb")
    assert written == []  # the first run writes the table whole
    (folder / "a.txt").write_text("Troops left town a on Friday.", encoding="utf-8")  # new text
    (folder / "b.json").write_text(json.dumps({"publisher": "Other", "published": "2024-12-05"}))  # new metadata
    (folder / "c.txt").unlink()  # gone: kept, marked removed
    (folder / "c.json").unlink()
    (folder / "e.txt").write_text("Shelling hit town e.", encoding="utf-8")  # new
    rows = run(tmp_path / "w.duckdb")
    assert written == [["a", "b", "c", "e"]]
    assert run(tmp_path / "w.duckdb").equals(rows) and written[1:] == [[]]  # nothing changed: nothing written
    assert rows.filter(pl.col("article_id") == "c")["status"].to_list() == ["removed"]
    fresh = run(tmp_path / "fresh.duckdb").filter(pl.col("article_id") != "c")
    assert rows.filter(pl.col("article_id") != "c").equals(fresh)
