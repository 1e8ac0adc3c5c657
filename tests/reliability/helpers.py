"""Shared builders for the reliability suite: hostile input folders, builds, table fingerprints."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"

# An English report written for these tests (not a seed), reused under hostile file names.
GOOD_ARTICLE = (
    "Rebels seize Kafr Nabudah as army pulls back\n\n"
    "IDLIB, Syria (Reuters) - Opposition fighters captured the town of Kafr Nabudah on Wednesday "
    "after heavy clashes, a war monitor said. Government forces withdrew south toward Suqaylabiyah, "
    "according to residents.\n\n"
    "At least 14 fighters were killed in the fighting, the Syrian Observatory for Human Rights said.\n"
)
INJECTION = "'); DROP TABLE raw.articles; --"
SHELL = "$(rm -rf /)"
BACKTICKS = "`cat /etc/shadow`"
INJECTION_ARTICLE = (
    "Activists post odd slogans in Hama\n\n"
    f"HAMA, Syria - Posters in the city read {INJECTION} and {SHELL} and {BACKTICKS}, "
    "residents said on Thursday. Another read \"Robert'); DELETE FROM clean.articles;\" in red paint.\n"
)
ARABIC_ARTICLE = (
    "سيطرت فصائل المعارضة السورية على مدينة حماة يوم الخميس بعد معارك عنيفة مع قوات النظام، "
    "بحسب ما أفاد المرصد السوري لحقوق الإنسان. وقال سكان إن القوات الحكومية انسحبت من المدينة.\n"
)
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Rebels reach Hama</title>"
    "<script>window.trackPageview('Rebels captured the airport');</script>"
    "<style>p { color: red }</style></head><body>"
    "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
    "<h1>Rebels reach outskirts of Hama</h1>"
    "<p>Opposition fighters reached the northern outskirts of Hama on Tuesday, the monitor said.</p>"
    "<p>The army said it had sent reinforcements &amp; air support to the city.</p>"
    "<footer>&copy; 2024 Example News</footer></body></html>"
)
# A single 60,000-character paragraph line: long JSONL bodies often arrive without any newline.
LONG_LINE = " ".join(
    f"Fighters advanced on village number {i} west of Hama on Monday, residents said." for i in range(750)
)
ODD_NAMES = ["with space.txt", "quote's \"double\".txt", "ḥamā – خبر ✓.txt", "-rf.txt", "--help.txt"]
TEN_MB = 10 * 1024 * 1024


def write_hostile_folder(target: Path, *, big_file_bytes: int = 0, with_seeds: bool = True) -> dict[str, str]:
    """Every hostile input the suite knows, beside good articles. Returns {relpath: expected outcome}:
    'article' (in raw.articles), 'rejected:<code>' (in raw.rejected_files), 'not_english', or
    'article+rejected:<code>' (ingested, with a rejection for its sidecar)."""
    target.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}
    if with_seeds:
        for f in SEEDS.iterdir():
            if f.is_file() and f.suffix in (".txt", ".json"):
                shutil.copy2(f, target / f.name)
                if f.suffix == ".txt":
                    expected[f.name] = "article"
    (target / "good.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    expected["good.txt"] = "article"
    (target / "empty.txt").write_bytes(b"")
    expected["empty.txt"] = "rejected:empty_file"
    (target / "whitespace.txt").write_text(" \n\t\n", encoding="utf-8")
    expected["whitespace.txt"] = "rejected:empty_file"
    # A PNG-like header and pseudo-random bytes (deterministic, so builds are comparable).
    noise = bytes((i * 197 + 13) % 256 for i in range(4096))
    (target / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise)
    expected["photo.txt"] = "rejected:binary_file"
    # Bytes no single-byte encoding maps to Western text: C1 controls everywhere.
    (target / "garbage.txt").write_bytes(bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D] * 400))
    expected["garbage.txt"] = "not_english_or_rejected"
    # A Latin-1 file (invalid UTF-8): read as the legacy encoding, not rejected, accents intact.
    (target / "latin1.txt").write_bytes(
        "Caf\u00e9 owners in Hama's old city said on Friday that fighting had stopped.\n".encode("latin-1")
    )
    expected["latin1.txt"] = "article"
    (target / "utf16.txt").write_bytes(GOOD_ARTICLE.replace("Kafr Nabudah", "Kirnaz").encode("utf-16"))
    expected["utf16.txt"] = "article"
    (target / "page.txt").write_text(HTML_PAGE, encoding="utf-8")
    expected["page.txt"] = "article"
    (target / "arabic.txt").write_text(ARABIC_ARTICLE, encoding="utf-8")
    expected["arabic.txt"] = "not_english"
    lines = [
        json.dumps({"text": GOOD_ARTICLE.replace("Kafr Nabudah", "Halfaya"), "date": "2024-12-04",
                    "url": "../../etc/passwd", "source_path": "../../../etc/shadow", "hostname": "example.org"}),
        '{"text": "truncated line',
        "[1, 2, 3]",
        json.dumps({"title": "no body"}),
        "",
        json.dumps({"maintext": INJECTION_ARTICLE.replace("Hama", "Homs"), "date_publish": "2024-12-05 10:00:00"}),
    ]
    (target / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected["feed.jsonl"] = "article+rejected:malformed_json_line"
    (target / "bad_sidecar.txt").write_text(GOOD_ARTICLE.replace("Wednesday", "Sunday"), encoding="utf-8")
    (target / "bad_sidecar.json").write_text('{"published": "2024-12-01", "publisher": ', encoding="utf-8")
    expected["bad_sidecar.txt"] = "article+rejected:malformed_sidecar"
    (target / "bad_date.txt").write_text(GOOD_ARTICLE.replace("Wednesday", "Monday"), encoding="utf-8")
    (target / "bad_date.json").write_text('{"published": "2024-02-30", "publisher": "Example"}', encoding="utf-8")
    expected["bad_date.txt"] = "article"
    for i, name in enumerate(ODD_NAMES):
        (target / name).write_text(GOOD_ARTICLE.replace("14", str(20 + i)), encoding="utf-8")
        expected[name] = "article"
    os.symlink("/etc/passwd", target / "passwd.txt")
    expected["passwd.txt"] = "rejected:symlink_outside_seeds"
    outside = target.parent / f"{target.name}_outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("not for ingestion\n", encoding="utf-8")
    os.symlink(outside, target / "linked_dir")
    expected["linked_dir"] = "rejected:symlink_outside_seeds"
    (target / "injection.txt").write_text(INJECTION_ARTICLE, encoding="utf-8")
    expected["injection.txt"] = "article"
    (target / "long_line.txt").write_text("Fighting spreads west of Hama\n\n" + LONG_LINE + "\n", encoding="utf-8")
    expected["long_line.txt"] = "article"
    (target / "one_word.txt").write_text("Hama\n", encoding="utf-8")
    expected["one_word.txt"] = "article"
    if big_file_bytes:
        write_big_text(target / "huge.txt", big_file_bytes)
        expected["huge.txt"] = "rejected:too_large"
    return expected


def write_big_text(path: Path, n_bytes: int) -> None:
    """A plausible text file of n_bytes (sparse-free, written in chunks to keep memory flat)."""
    chunk = (GOOD_ARTICLE.replace("\n", " ") + "\n").encode() * 2000
    with path.open("wb") as f:
        written = 0
        while written < n_bytes:
            part = chunk[: n_bytes - written]
            f.write(part)
            written += len(part)


def user_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database() order by 1, 2"
        ).fetchall()
    ]


def table_hashes(db: str | Path, *, ignore_types: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of every row)} for every table in every schema. Columns whose type starts
    with one of `ignore_types` (e.g. 'TIMESTAMP' for first-seen times) are left out."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in user_tables(con):
            schema, name = table.split(".")
            cols = [
                c for c, typ in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if not typ.upper().startswith(ignore_types or ("\0",))
            ]
            # Identifiers come from information_schema, quoted; no data is interpolated.
            projection = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
            n, digest = con.execute(
                f'select count(*), md5(coalesce(string_agg(r::varchar, \'|\' order by r::varchar), \'\')) '
                f'from (select {projection} from "{schema}"."{name}") r'
            ).fetchone()
            out[table] = (n, digest)
        return out
    finally:
        con.close()


def child_env(db: Path, seeds: Path, dagster_home: Path, **extra: str) -> dict[str, str]:
    dagster_home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONTLINE_", "DAGSTER_"))}
    env.update(
        FRONTLINE_WAREHOUSE=str(db),
        FRONTLINE_SEEDS_DIR=str(seeds),
        DAGSTER_HOME=str(dagster_home),
        PYTHONUNBUFFERED="1",
        # the crash tests watch the step-start events in the run's terminal output
        FRONTLINE_LOG_LEVEL="DEBUG",
        **extra,
    )
    return env


def start_run(db: Path, seeds: Path, dagster_home: Path, log: Path) -> subprocess.Popen:
    """`python -m pipeline.run` (what `make run` does) in a child process, output to `log`."""
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.run"],
        cwd=ROOT,
        env=child_env(db, seeds, dagster_home),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
