"""Concurrency: DuckDB admits one writer process, and a read-only reader blocks writers too.
Writers retry with backoff, then fail with WarehouseLockedError naming the holder's PID."""

import re
import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from pipeline.resources import Warehouse, WarehouseLockedError
from reliability.helpers import ROOT, start_run, table_hashes


def hold_read_only(db, seconds: float) -> subprocess.Popen:
    """A child process that opens the warehouse read-only (as `make sql` does) for `seconds`."""
    code = textwrap.dedent(
        f"""
        import sys, time, duckdb
        con = duckdb.connect({str(db)!r}, read_only=True)
        con.execute("select 1").fetchall()
        print("holding", flush=True)
        time.sleep({seconds})
        con.close()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


@pytest.fixture
def small_db(tmp_path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw; create table raw.t as select 1 as x")
    con.close()
    return db


def test_a_writer_blocked_by_a_reader_gives_up_with_the_readers_pid(small_db):
    reader = hold_read_only(small_db, 30)
    try:
        warehouse = Warehouse(database=str(small_db), lock_retries=2, lock_backoff_s=0.1)
        started = time.perf_counter()
        with pytest.raises(WarehouseLockedError) as err:
            with warehouse.write() as con:
                con.execute("insert into raw.t values (2)")
        assert time.perf_counter() - started >= 0.3  # it did wait and retry (0.1 + 0.2 s)
        message = str(err.value)
        assert f"PID {reader.pid}" in message and "gave up after 2 retries" in message
    finally:
        reader.kill()
        reader.wait()
    assert duckdb.connect(str(small_db), read_only=True).execute("select count(*) from raw.t").fetchone()[0] == 1


def test_a_writer_waits_for_a_reader_that_closes_within_the_retry_window(small_db):
    reader = hold_read_only(small_db, 1.5)
    try:
        warehouse = Warehouse(database=str(small_db), lock_retries=6, lock_backoff_s=0.25)
        started = time.perf_counter()
        with warehouse.write() as con:
            con.execute("insert into raw.t values (2)")
        assert time.perf_counter() - started >= 1.0
    finally:
        reader.wait()
    assert duckdb.connect(str(small_db), read_only=True).execute("select count(*) from raw.t").fetchone()[0] == 2


def test_a_failed_transaction_leaves_no_partial_rows(small_db):
    warehouse = Warehouse(database=str(small_db))
    with pytest.raises(RuntimeError):
        with warehouse.write() as con:
            con.execute("insert into raw.t values (2)")
            con.execute("create table raw.u as select 1 as y")
            raise RuntimeError("asset failed half-way")
    con = duckdb.connect(str(small_db), read_only=True)
    assert con.execute("select count(*) from raw.t").fetchone()[0] == 1
    assert con.execute("select count(*) from information_schema.tables where table_name = 'u'").fetchone()[0] == 0


@pytest.mark.slow
def test_two_runs_at_once_while_a_reader_holds_the_file_both_finish_consistent(seed_builds, tmp_path):
    db = tmp_path / "frontline.duckdb"
    shutil.copy2(seed_builds.before_db, db)
    reader = hold_read_only(db, 4)
    runs = [
        start_run(db, seed_builds.next_seeds, tmp_path / f"home{i}", tmp_path / f"run{i}.log") for i in range(2)
    ]
    reader.wait()
    codes = [p.wait(timeout=600) for p in runs]
    logs = [(tmp_path / f"run{i}.log").read_text(errors="replace") for i in range(2)]
    assert codes == [0, 0], "\n\n".join(log[-3000:] for log in logs)
    for log in logs:
        assert "Frontline build: succeeded" in log and re.search(r"checks failed\s+0\n", log)
    ignore = ("TIMESTAMP",)  # first-seen times of the new article depend on which run wrote first
    assert table_hashes(db, ignore_types=ignore) == table_hashes(seed_builds.reference_db, ignore_types=ignore)
