"""The warehouse resource: transactions, storage format, and lock conflicts that name the holder."""

import os
import subprocess
import sys
import textwrap

import polars as pl
import pytest

from pipeline.resources import Warehouse, WarehouseLockedError, replace_table
from pipeline.tables import conform


def test_write_is_atomic(tmp_path):
    wh = Warehouse(database=str(tmp_path / "w.duckdb"))
    with wh.write() as con:
        replace_table(con, "raw.t", pl.DataFrame({"a": [1, 2]}))
    with pytest.raises(RuntimeError):
        with wh.write() as con:
            replace_table(con, "raw.t", pl.DataFrame({"a": [9]}))
            raise RuntimeError("dies mid-way")
    assert wh.query("select a from raw.t order by a")["a"].to_list() == [1, 2]


def test_lock_conflict_retries_then_names_the_holding_process(tmp_path):
    db = tmp_path / "locked.duckdb"
    Warehouse(database=str(db)).query("select 1")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r})
            print('locked', flush=True)
            time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        wh = Warehouse(database=str(db), lock_retries=2, lock_backoff_s=0.05)
        with pytest.raises(WarehouseLockedError) as err:
            wh.query("select 1")
        assert f"PID {holder.pid}" in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_read_only_open_of_missing_warehouse_is_a_clear_error(tmp_path):
    wh = Warehouse(database=str(tmp_path / "nope.duckdb"))
    with pytest.raises(FileNotFoundError, match="materialise"):
        with wh.connect(read_only=True):
            pass


def test_conform_types_and_fills_missing_columns():
    frame = conform("raw.rejected_files", [{"source_path": "a.pdf", "reason": "unsupported_extension: .pdf"}])
    assert frame.columns == ["source_path", "reason", "detected_at"]
    assert frame["detected_at"].dtype == pl.Datetime("us", "UTC")
    empty = conform("nlp.claims", [])
    assert empty.height == 0 and "claim_id" in empty.columns


def test_env_overrides_paths(monkeypatch, tmp_path):
    from pipeline.resources import SeedsConfig

    monkeypatch.setenv("FRONTLINE_WAREHOUSE", str(tmp_path / "x.duckdb"))
    monkeypatch.setenv("FRONTLINE_SEEDS_DIR", str(tmp_path / "in"))
    assert Warehouse().database == str(tmp_path / "x.duckdb")
    assert SeedsConfig().seeds_dir == str(tmp_path / "in")
    assert os.environ["FRONTLINE_SEEDS_DIR"].endswith("in")


def test_nlp_processes_default_to_the_cpus_up_to_two_and_reject_nonsense(monkeypatch):
    import os

    from pipeline.parallel import default_n_process

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert default_n_process({}) == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_n_process({}) == 1
    assert default_n_process({"FRONTLINE_NLP_PROCESSES": "3"}) == 3
    for bad in ("two", "0"):
        with pytest.raises(ValueError, match="FRONTLINE_NLP_PROCESSES"):
            default_n_process({"FRONTLINE_NLP_PROCESSES": bad})


def test_a_session_opens_the_file_once_and_lets_go_of_it_after(tmp_path, monkeypatch):
    import pipeline.resources as resources

    db = tmp_path / "s.duckdb"
    wh = Warehouse(database=str(db))
    with wh.write() as con:
        replace_table(con, "raw.t", pl.DataFrame({"a": [1, 2]}))
    opened = []
    real = resources.connect_with_retry
    monkeypatch.setattr(resources, "connect_with_retry", lambda *a, **k: opened.append(a) or real(*a, **k))
    with wh.session():
        assert wh.table_exists("raw.t") and not wh.table_exists("raw.missing")
        assert wh.query("select sum(a) as s from raw.t")["s"].to_list() == [3]
        with pytest.raises(RuntimeError):
            with wh.write() as con:
                con.execute("insert into raw.t values (9)")
                raise RuntimeError("dies mid-way")
        with wh.write() as con:
            con.execute("insert into raw.t values (3)")
        assert wh.query("select a from raw.t order by a")["a"].to_list() == [1, 2, 3]
    assert len(opened) == 1
    # closed with the session: another process can take the file
    out = subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(db)!r}).close()"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
