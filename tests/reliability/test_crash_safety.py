"""Crash safety: a run SIGKILLed part-way leaves a warehouse that opens, whose every table is either
wholly as before or wholly as the finished run writes it, and the next run completes with the same
result as an uninterrupted run."""

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from reliability.helpers import start_run, table_hashes

IGNORE = ("TIMESTAMP",)  # ingested_at of the new article is the time the killed run first saw it


def _wait_for(predicate, proc, timeout: float = 300, poll: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(poll)
    return False


def _kill(proc) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _step_started(log: Path, step: str):
    return lambda: f'Started execution of step "{step}"' in log.read_text(errors="replace")


# Kill points, each on the warehouse the previous kill left behind.
KILL_POINTS = [
    # raw and clean written by this run, the model step running: the layers disagree until the next run
    ("nlp step started", lambda db, log: _step_started(log, "nlp_layer")),
    # the marts step's transaction open: its WAL file exists (or the step has just begun)
    ("marts write", lambda db, log: lambda: _step_started(log, "warehouse_marts")()
     and Path(str(db) + ".wal").exists()),
    # very early: while the raw layer writes
    ("raw step started", lambda db, log: _step_started(log, "raw_layer")),
]


@pytest.mark.slow
def test_killed_runs_leave_a_consistent_warehouse_and_the_next_run_recovers(seed_builds, tmp_path):
    db = tmp_path / "frontline.duckdb"
    shutil.copy2(seed_builds.before_db, db)
    before = table_hashes(seed_builds.before_db, ignore_types=IGNORE)
    after = table_hashes(seed_builds.reference_db, ignore_types=IGNORE)
    assert before != after  # the next run has real work to do
    killed = []
    for i, (label, trigger) in enumerate(KILL_POINTS):
        log = tmp_path / f"killed{i}.log"
        proc = start_run(db, seed_builds.next_seeds, tmp_path / "home", log)
        fired = _wait_for(trigger(db, log), proc)
        if proc.poll() is None:
            _kill(proc)
            killed.append(label)
        assert fired or proc.returncode == 0, f"{label}: run ended early\n{log.read_text(errors='replace')[-3000:]}"
        # The file opens (DuckDB replays or discards the WAL) and every table is whole.
        state = table_hashes(db, ignore_types=IGNORE)
        torn = {t: v for t, v in state.items() if v not in (before.get(t), after.get(t))}
        assert torn == {}, f"after kill at {label}: tables neither before nor after: {sorted(torn)}"
    assert killed, "no run was killed: every run finished before its kill point"
    log = tmp_path / "recovery.log"
    proc = start_run(db, seed_builds.next_seeds, tmp_path / "home", log)
    assert proc.wait(timeout=600) == 0, log.read_text(errors="replace")[-3000:]
    text = log.read_text(errors="replace")
    assert "Frontline build: succeeded" in text and re.search(r"checks failed\s+0\n", text)
    assert table_hashes(db, ignore_types=IGNORE) == after
