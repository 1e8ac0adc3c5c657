"""Seeds sensor, daily schedule and declarative automation, on a throw-away asset graph."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest

from pipeline import automation as au


@dg.asset
def tiny_source() -> int:
    return 1


@dg.asset_check(asset=tiny_source, blocking=True)
def tiny_source_ok() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=bool(os.environ.get("TINY_CHECK_PASSES")))


@dg.asset(deps=[tiny_source], automation_condition=au.automation_condition())
def tiny_mart() -> int:
    return 2


tiny_job = dg.define_asset_job("tiny_all", selection=dg.AssetSelection.all())


@pytest.fixture(scope="module")
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def seeds(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    monkeypatch.setenv(au.SEEDS_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def sensor():
    # The default would point at the repo's seeds/; the env var set by `seeds` must win.
    return au.make_seeds_sensor(tiny_job, "does-not-exist/")


class Ticker:
    """Evaluates the sensor repeatedly, carrying the cursor like the daemon does."""

    def __init__(self, sensor, instance):
        self.sensor, self.instance, self.cursor = sensor, instance, None
        self.requests: list[dg.RunRequest] = []

    def __call__(self) -> list[dg.RunRequest]:
        ctx = dg.build_sensor_context(cursor=self.cursor, instance=self.instance)
        result = self.sensor(ctx)
        assert isinstance(result, dg.SensorResult)
        assert result.cursor is not None
        self.cursor = result.cursor
        new = list(result.run_requests or [])
        self.requests.extend(new)
        return new


@pytest.fixture
def tick(sensor, instance) -> Ticker:
    return Ticker(sensor, instance)


def write(path: Path, text: str, mtime: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))


def settle(tick: Ticker) -> list[dg.RunRequest]:
    """Two ticks: the first sees the files, the second confirms they stopped changing."""
    return tick() + tick()


def test_new_file_requests_once_after_it_settles(seeds, tick):
    write(seeds / "a.txt", "Rebels entered the town of Kafr Nabl on Tuesday.")
    assert tick() == []  # first sight: could still be mid-write
    (req,) = tick()
    assert req.run_key and req.run_key.startswith("seeds-")
    assert req.tags[au.TRIGGER_TAG] == "seeds_sensor"
    assert req.tags["frontline/seeds_added"] == "1"
    assert req.tags[au.WAREHOUSE_TAG] == "write"
    assert tick() == [] and tick() == []  # same content: never requested again


def test_half_written_file_waits_until_size_is_stable(seeds, tick):
    path = seeds / "wire.txt"
    write(path, "Government forces withdrew from")
    assert tick() == []
    with path.open("a", encoding="utf-8") as fh:
        fh.write(" the airbase after heavy shelling, a monitor said.")
    assert tick() == []  # size changed between ticks: still being written
    assert len(tick()) == 1


def test_whole_folder_must_settle_before_a_run(seeds, tick):
    write(seeds / "a.txt", "First report.")
    settle(tick)
    tick.requests.clear()
    write(seeds / "b.txt", "Second report.")
    assert tick() == []
    write(seeds / "c.txt", "Third report, copied a tick later.")
    assert tick() == []  # b settled, but c is new: hold the run so b and c go together
    (req,) = tick()
    assert req.tags["frontline/seeds_added"] == "2"


def test_backlog_launches_exactly_one_batched_run(seeds, tick):
    for i in range(60):
        write(seeds / f"batch{i // 20}" / f"{i:03d}.txt", f"Report number {i} from the front.")
        if i % 2 == 0:
            write(seeds / f"batch{i // 20}" / f"{i:03d}.json", json.dumps({"published": "2024-12-01"}))
    write(seeds / "scraped.jsonl", '{"text": "Clashes near Morek."}\n')
    write(seeds / "baseline_control.csv", "place_id,date,controller_side\n")
    for _ in range(6):
        tick()
    assert len(tick.requests) == 1
    assert tick.requests[0].tags["frontline/seeds_files"] == str(60 + 30 + 2)


def test_rename_with_same_content_requests_nothing(seeds, tick):
    write(seeds / "a.txt", "Opposition fighters captured the village.")
    write(seeds / "b.txt", "A second, unrelated dispatch.")
    write(seeds / "b.json", json.dumps({"published": "2024-11-30"}))
    assert len(settle(tick)) == 1
    (seeds / "a.txt").rename(seeds / "renamed.txt")
    (seeds / "b.txt").rename(seeds / "pair.txt")
    (seeds / "b.json").rename(seeds / "pair.json")
    assert settle(tick) == [] and tick() == []


def test_renaming_only_the_article_of_a_sidecar_pair_requests_a_run(seeds, tick):
    write(seeds / "b.txt", "Dispatch whose date lives in the sidecar.")
    write(seeds / "b.json", json.dumps({"published": "2024-11-30"}))
    settle(tick)
    (seeds / "b.txt").rename(seeds / "orphan.txt")  # sidecar no longer applies to it
    assert len(settle(tick)) == 1


def test_removed_file_requests_a_run(seeds, tick):
    write(seeds / "a.txt", "One.")
    write(seeds / "b.txt", "Two.")
    settle(tick)
    (seeds / "b.txt").unlink()
    (req,) = tick()  # a deletion is complete the moment it is seen
    assert req.tags["frontline/seeds_removed"] == "1"
    (seeds / "a.txt").unlink()
    assert len(tick()) == 1  # emptying the folder must clear the warehouse too


def test_changed_content_requests_and_reverting_requests_again(seeds, tick):
    path = seeds / "a.txt"
    write(path, "Version A of the story.", mtime=1_700_000_000_000_000_000)
    settle(tick)
    write(path, "Version B of the story!", mtime=1_700_000_100_000_000_000)
    (b,) = settle(tick)
    assert b.tags["frontline/seeds_changed"] == "1"
    write(path, "Version A of the story.", mtime=1_700_000_200_000_000_000)
    (a_again,) = settle(tick)
    keys = [r.run_key for r in tick.requests]
    assert len(keys) == 3 and len(set(keys)) == 3  # A->B->A: the revert is a real change


def test_touch_without_content_change_requests_nothing(seeds, tick):
    write(seeds / "a.txt", "Unchanged text.", mtime=1_700_000_000_000_000_000)
    settle(tick)
    os.utime(seeds / "a.txt", ns=(1_700_000_500_000_000_000,) * 2)
    assert settle(tick) == []


def test_unwatched_and_partial_files_are_ignored(seeds, tick):
    write(seeds / "notes.pdf", "binary-ish")
    write(seeds / "a.txt.part", "download in progress")
    write(seeds / ".hidden.txt", "editor temp file")
    write(seeds / ".git" / "x.txt", "not an article")
    assert settle(tick) == []
    write(seeds / "real.TXT", "An article with an upper-case extension.")
    assert len(settle(tick)) == 1


def test_empty_or_missing_folder_requests_nothing(seeds, tick, monkeypatch, tmp_path):
    assert settle(tick) == []
    write(seeds / "a.txt", "Text.")
    settle(tick)
    monkeypatch.setenv(au.SEEDS_DIR_ENV, str(tmp_path / "unmounted"))
    assert settle(tick) == []  # a missing folder is not "every article deleted"
    monkeypatch.setenv(au.SEEDS_DIR_ENV, str(seeds))
    assert settle(tick) == []


def test_file_that_never_settles_stops_blocking_after_timeout(tmp_path):
    write(tmp_path / "steady.txt", "A finished article.")
    write(tmp_path / "growing.txt", "x")
    cursor = au.SeedsCursor()
    t = 1_000.0
    plan, cursor = au.plan_seeds_tick(tmp_path, cursor, now=t)
    for step in range(1, 5):
        write(tmp_path / "growing.txt", "x" * (step + 1))
        plan, cursor = au.plan_seeds_tick(tmp_path, cursor, now=t + 30 * step)
        assert not plan.request and "growing.txt" in plan.reason
    write(tmp_path / "growing.txt", "x" * 99)
    plan, cursor = au.plan_seeds_tick(tmp_path, cursor, now=t + au.SETTLE_TIMEOUT_SECONDS + 1)
    assert plan.request and plan.n_files == 1 and "growing.txt" in plan.reason


def test_cursor_round_trips_and_is_plain_json(seeds, tick):
    write(seeds / "a.txt", "Text.")
    write(seeds / "b.txt", "Half")
    settle(tick)
    write(seeds / "b.txt", "Half written, then more")
    tick()
    data = json.loads(tick.cursor)
    size, mtime_ns, sha = data["files"]["a.txt"]
    assert size == 5 and isinstance(mtime_ns, int) and len(sha) == 64
    assert "b.txt" in data["pending"]
    parsed = au.SeedsCursor.from_json(tick.cursor)
    assert parsed.to_json() == tick.cursor
    # A corrupt or foreign cursor starts over instead of crashing the sensor.
    assert au.SeedsCursor.from_json("{not json").files == {}
    assert au.SeedsCursor.from_json('{"v": 99}').state is None


def test_state_key_ignores_names_but_counts_duplicates():
    one = {"a.txt": "1" * 64}
    assert au.state_key(one) == au.state_key({"z/other.txt": "1" * 64})
    assert au.state_key(one) != au.state_key({"a.txt": "1" * 64, "copy.txt": "1" * 64})
    assert au.state_key({"baseline_control.csv": "2" * 64}) != au.state_key(
        {"old/baseline_control.csv": "2" * 64}
    )


def test_daily_schedule_uses_env_cron_and_timezone(monkeypatch):
    monkeypatch.setenv(au.SCHEDULE_CRON_ENV, "30 5 * * 1-5")
    monkeypatch.setenv(au.SCHEDULE_TZ_ENV, "Asia/Damascus")
    schedule = au.make_daily_schedule(tiny_job)
    assert schedule.cron_schedule == "30 5 * * 1-5"
    assert schedule.execution_timezone == "Asia/Damascus"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    when = datetime(2024, 12, 2, 5, 30, tzinfo=timezone.utc)
    with dg.instance_for_test() as inst:
        ctx = dg.build_schedule_context(instance=inst, scheduled_execution_time=when)
        data = schedule.evaluate_tick(ctx)
    (req,) = data.run_requests
    assert req.tags[au.TRIGGER_TAG] == "schedule"
    assert req.tags["frontline/scheduled_for"].startswith("2024-12-02T05:30")
    assert req.run_key == f"schedule-{when.isoformat()}"


def test_daily_schedule_defaults_and_bad_settings(monkeypatch):
    monkeypatch.delenv(au.SCHEDULE_CRON_ENV, raising=False)
    monkeypatch.delenv(au.SCHEDULE_TZ_ENV, raising=False)
    schedule = au.make_daily_schedule(tiny_job)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    monkeypatch.setenv(au.SCHEDULE_CRON_ENV, "every morning")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=au.SCHEDULE_CRON_ENV):
        au.make_daily_schedule(tiny_job)
    monkeypatch.setenv(au.SCHEDULE_CRON_ENV, "0 6 * * *")
    monkeypatch.setenv(au.SCHEDULE_TZ_ENV, "Hama/Front")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=au.SCHEDULE_TZ_ENV):
        au.make_daily_schedule(tiny_job)


def test_downstream_waits_for_blocking_checks(monkeypatch):
    defs = dg.Definitions(assets=[tiny_source, tiny_mart], asset_checks=[tiny_source_ok])
    with dg.instance_for_test() as inst:
        result = dg.evaluate_automation_conditions(defs=defs, instance=inst)
        assert result.total_requested == 0  # nothing updated yet

        monkeypatch.delenv("TINY_CHECK_PASSES", raising=False)
        dg.materialize([tiny_source, tiny_source_ok], instance=inst, selection=[tiny_source],
                       raise_on_error=False)
        result = dg.evaluate_automation_conditions(defs=defs, instance=inst, cursor=result.cursor)
        assert result.get_num_requested(tiny_mart.key) == 0  # blocking check failed upstream

        monkeypatch.setenv("TINY_CHECK_PASSES", "1")
        dg.materialize([tiny_source, tiny_source_ok], instance=inst, selection=[tiny_source])
        result = dg.evaluate_automation_conditions(defs=defs, instance=inst, cursor=result.cursor)
        assert result.get_num_requested(tiny_mart.key) == 1


def test_whole_graph_run_causes_no_follow_up_automation_run():
    defs = dg.Definitions(assets=[tiny_source, tiny_mart], asset_checks=[tiny_source_ok])
    with dg.instance_for_test() as inst, pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINY_CHECK_PASSES", "1")
        result = dg.evaluate_automation_conditions(defs=defs, instance=inst)
        dg.materialize([tiny_source, tiny_source_ok, tiny_mart], instance=inst)
        result = dg.evaluate_automation_conditions(defs=defs, instance=inst, cursor=result.cursor)
        assert result.total_requested == 0


def test_definitions_with_all_automation_load():
    defs = dg.Definitions(
        assets=[tiny_source, tiny_mart],
        asset_checks=[tiny_source_ok],
        jobs=[au.all_assets_job],
        sensors=[au.make_seeds_sensor(au.all_assets_job, "seeds/"), au.make_automation_sensor()],
        schedules=[au.make_daily_schedule(au.all_assets_job)],
    )
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    names = {s.name for s in repo.sensor_defs}
    # The explicit automation sensor replaces Dagster's STOPPED default one.
    assert names == {au.SEEDS_SENSOR_NAME, au.AUTOMATION_SENSOR_NAME}
    assert repo.get_sensor_def(au.SEEDS_SENSOR_NAME).default_status == dg.DefaultSensorStatus.RUNNING
    assert repo.get_sensor_def(au.SEEDS_SENSOR_NAME).minimum_interval_seconds == 30
    assert defs.resolve_job_def(au.ALL_ASSETS_JOB_NAME).tags[au.WAREHOUSE_TAG] == "write"


# -- code versions: an edited layer re-runs itself and what is downstream, nothing upstream ------

def _tick_after_edit(edit) -> set[str]:
    """Every real asset materialised once and its checks passed, one automation tick, `edit` applied and the code
    location reloaded (`versioned_assets` again), a second tick: the asset keys it requests."""
    from pipeline.definitions import build_definitions

    with dg.instance_for_test() as inst:
        defs = build_definitions()
        keys = [k for a in defs.assets for k in a.keys]
        for key in keys:
            inst.report_runless_asset_event(dg.AssetMaterialization(key))
        for check in defs.asset_checks:
            for ck in check.check_keys:
                inst.report_runless_asset_event(
                    dg.AssetCheckEvaluation(asset_key=ck.asset_key, check_name=ck.name, passed=True))
        result = dg.evaluate_automation_conditions(defs=defs, instance=inst)
        assert result.total_requested == 0
        edit()
        result = dg.evaluate_automation_conditions(defs=build_definitions(), instance=inst, cursor=result.cursor)
        requested = {k.to_user_string() for k in keys if result.get_num_requested(k)}
        result = dg.evaluate_automation_conditions(defs=build_definitions(), instance=inst, cursor=result.cursor)
        assert result.total_requested == 0  # the edit is handled once
        return requested


MARTS_AND_EXPORTS = {
    "warehouse/dim_article", "warehouse/dim_place", "warehouse/dim_actor", "warehouse/unresolved_places",
    "warehouse/control_claims", "warehouse/fact_control_event", "warehouse/control_evidence",
    "warehouse/control_daily", "warehouse/control_disputes", "warehouse/fact_figure", "warehouse/exports",
}
NLP = {"nlp/entity_mentions", "nlp/claims", "nlp/figures"}


def test_a_rule_edit_reruns_the_nlp_layer_and_the_marts_not_raw_or_clean():
    import contextlib

    from pipeline.bench import simulated_edit

    def requested_after(module: str) -> set[str]:
        with contextlib.ExitStack() as edits:
            return _tick_after_edit(lambda: edits.enter_context(simulated_edit(module)))

    assert requested_after("pipeline.nlp.claims") == NLP | MARTS_AND_EXPORTS
    assert requested_after("pipeline.nlp.figures") == NLP | MARTS_AND_EXPORTS
    # the gazetteer code builds the reference tables too
    assert requested_after("pipeline.reference.gazetteer") == (
        NLP | MARTS_AND_EXPORTS | {"ref/places", "ref/actors", "ref/baseline_control"})


def test_a_cleaning_edit_reruns_clean_and_everything_after_it(monkeypatch):
    import pipeline.definitions as definitions

    original = definitions.layer_code_versions

    def edit_cleaning():
        monkeypatch.setattr(definitions, "layer_code_versions", lambda: {**original(), "clean": "edited"})

    assert _tick_after_edit(edit_cleaning) == {"clean/articles", "clean/sentences"} | NLP | MARTS_AND_EXPORTS


def test_a_reader_edit_reruns_the_raw_layer_too(monkeypatch):
    import pipeline.definitions as definitions

    original = definitions.layer_code_versions

    def edit_reading():
        monkeypatch.setattr(definitions, "layer_code_versions", lambda: {**original(), "raw": "edited"})

    requested = _tick_after_edit(edit_reading)
    assert {"raw/articles", "raw/rejected_files", "clean/articles", "nlp/claims", "warehouse/control_daily"} <= requested
    assert not any(k.startswith(("ref/", "reports/")) for k in requested)
