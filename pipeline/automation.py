"""Schedules, sensors and declarative automation for the Frontline asset graph.

Nothing here reads the warehouse: the seeds sensor only looks at the seeds folder, and the
schedule only decides *when* the whole graph is rebuilt. The lead's `definitions.py` wires these
objects in; `docs/operations.md` explains defaults and how to toggle them.

Seeds sensor design (see `plan_seeds_tick`, which holds the logic and is pure so it is easy to
test; the Dagster sensor is a thin wrapper):

- A watched file counts only once it has *settled*: the same size and mtime on two consecutive
  ticks. Editors, `cp` and scrapers write files in pieces; a run started half-way would ingest a
  truncated article.
- A run is requested only when the whole folder has settled (nothing pending), so a backlog
  copied in over several ticks, or a sensor switched on over an existing folder, produces ONE
  batched run rather than one per file. A file that keeps changing for longer than
  `SETTLE_TIMEOUT_SECONDS` stops blocking the others (it keeps its last settled version).
- The folder's identity is the multiset of content hashes, with a `.txt` paired with its `.json`
  sidecar: renaming an article together with its sidecar (or an article without one) changes no
  extracted fact, so it requests no run; renaming only one half changes the article's metadata
  (publication date, publisher) and does request one. `baseline_control.csv` is identified by
  its path as well, since its name is what gives it meaning. A removed file changes the multiset
  and requests a run, so the warehouse stops reporting it.
- Content hashes are computed only when a file's (size, mtime_ns) changes, so a quiet tick costs
  one `stat` per file.
- `run_key` chains the previous state into the new one, so A -> B -> A (an edit that is
  reverted) still launches a run, while Dagster's run-key de-duplication prevents launching the
  same transition twice (e.g. a tick retried after a daemon crash).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg

SEEDS_DIR_ENV = "FRONTLINE_SEEDS_DIR"
SCHEDULE_CRON_ENV = "FRONTLINE_SCHEDULE_CRON"
SCHEDULE_TZ_ENV = "FRONTLINE_SCHEDULE_TZ"
DEFAULT_SEEDS_DIR = "seeds/"
DEFAULT_SCHEDULE_CRON = "0 6 * * *"
DEFAULT_SCHEDULE_TZ = "UTC"

SEEDS_SENSOR_NAME = "frontline_seeds_sensor"
DAILY_SCHEDULE_NAME = "frontline_daily_schedule"
AUTOMATION_SENSOR_NAME = "frontline_automation_sensor"
ALL_ASSETS_JOB_NAME = "frontline_all"

# Daemon ticks are cheap (one stat per file) but each one is also the unit of "settled", so a
# writer that pauses for longer than this mid-file could be picked up early; 30 s covers editors
# and network copies without making the user wait long.
SEEDS_SENSOR_INTERVAL_SECONDS = 30
# A file still changing after this long (an append-only log someone dropped in the folder) must
# not hold back every other article forever.
SETTLE_TIMEOUT_SECONDS = 600

WATCHED_SUFFIXES = frozenset({".txt", ".json", ".jsonl"})
WATCHED_NAMES = frozenset({"baseline_control.csv"})
# Partial-download and editor swap files are renamed into place when complete; watching them
# would only add churn.
IGNORED_SUFFIXES = (".part", ".partial", ".crdownload", ".tmp", ".swp", ".swx", "~")

# Run tags shared by every run this module launches. `frontline/warehouse` is the tag that the
# shipped dagster.yaml limits to one run at a time; the pool on warehouse-writing steps guards
# writes, this keeps two whole-graph rebuilds from interleaving their steps.
WAREHOUSE_TAG = "frontline/warehouse"
TRIGGER_TAG = "frontline/trigger"
BASE_RUN_TAGS: Mapping[str, str] = {WAREHOUSE_TAG: "write"}

CURSOR_VERSION = 1
_MAX_LISTED_CHANGES = 50


# --------------------------------------------------------------------------------------------
# Seeds folder planning (pure: no Dagster objects)
# --------------------------------------------------------------------------------------------


def resolve_seeds_dir(default: str | os.PathLike[str] = DEFAULT_SEEDS_DIR) -> Path:
    """The seeds folder as the pipeline will read it: `$FRONTLINE_SEEDS_DIR`, else `default`.

    Relative paths are taken from the current directory, which is the repository root for
    `make ui`, `dagster dev` and the systemd units in docs/operations.md.
    """
    raw = os.environ.get(SEEDS_DIR_ENV) or os.fspath(default)
    return Path(raw).expanduser().resolve()


def is_watched(rel_path: str) -> bool:
    """True for files that can change the pipeline's output (articles, sidecars, baseline)."""
    parts = rel_path.split("/")
    if any(p.startswith(".") for p in parts):
        return False
    name = parts[-1].lower()
    if name.endswith(IGNORED_SUFFIXES):
        return False
    if name in WATCHED_NAMES:
        return True
    return os.path.splitext(name)[1] in WATCHED_SUFFIXES


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _scan(folder: Path) -> dict[str, tuple[int, int]]:
    """rel_path -> (size, mtime_ns) for every watched regular file under `folder`."""
    found: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        # Hidden folders (.git, .ipynb_checkpoints, a scraper's staging dir) are never input.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            full = Path(dirpath, name)
            rel = full.relative_to(folder).as_posix()
            if not is_watched(rel):
                continue
            try:
                st = full.stat()
            except OSError:
                # Vanished between listing and stat (a rename in progress); next tick sees it.
                continue
            if full.is_file():
                found[rel] = (st.st_size, st.st_mtime_ns)
    return found


def content_items(files: Mapping[str, str]) -> list[str]:
    """The folder's identity as a sorted multiset of content descriptors.

    `files` maps rel_path -> sha256. A `.txt` and its `<stem>.json` sidecar form one item, so the
    pair can be renamed together without a run but not separately.
    """
    by_stem: dict[tuple[str, str], dict[str, str]] = {}
    items: list[str] = []
    for rel, sha in files.items():
        parent, _, name = rel.rpartition("/")
        stem, ext = os.path.splitext(name)
        ext = ext.lower()
        if name.lower() in WATCHED_NAMES:
            items.append(f"named:{rel.lower()}:{sha}")
        elif ext in (".txt", ".json"):
            by_stem.setdefault((parent, stem), {})[ext] = sha
        else:
            items.append(f"{ext.lstrip('.')}:{sha}")
    for pair in by_stem.values():
        if ".txt" in pair:
            items.append(f"txt:{pair['.txt']}:sidecar:{pair.get('.json', '-')}")
        else:
            items.append(f"json:{pair['.json']}")
    return sorted(items)


def state_key(files: Mapping[str, str]) -> str:
    """sha256 over the sorted content items: equal for folders with the same article content."""
    return hashlib.sha256("\n".join(content_items(files)).encode()).hexdigest()


def run_key_for(previous_state: str | None, new_state: str) -> str:
    chained = hashlib.sha256(f"{previous_state or '-'}>{new_state}".encode()).hexdigest()
    return f"seeds-{new_state[:16]}-{chained[:16]}"


@dataclass
class SeedsCursor:
    """JSON-serialisable sensor memory.

    files:   rel_path -> [size, mtime_ns, sha256] of the last *settled* version of each file
    pending: rel_path -> [size, mtime_ns, first_seen_unix] for files seen changing
    state:   state_key of the folder at the last request (None before the first request)
    changes: paths added/changed/removed since the last request, for run tags and logs
    """

    folder: str | None = None
    files: dict[str, list] = field(default_factory=dict)
    pending: dict[str, list] = field(default_factory=dict)
    state: str | None = None
    run_key: str | None = None
    changes: dict[str, list[str]] = field(
        default_factory=lambda: {"added": [], "changed": [], "removed": []}
    )

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": CURSOR_VERSION,
                "dir": self.folder,
                "files": self.files,
                "pending": self.pending,
                "state": self.state,
                "run_key": self.run_key,
                "changes": self.changes,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | None) -> SeedsCursor:
        """Parse a cursor; an empty, foreign or corrupt cursor starts fresh (one batched run)."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
                return cls()
            changes = data.get("changes") or {}
            return cls(
                folder=data.get("dir"),
                files={str(k): list(v) for k, v in (data.get("files") or {}).items()},
                pending={str(k): list(v) for k, v in (data.get("pending") or {}).items()},
                state=data.get("state"),
                run_key=data.get("run_key"),
                changes={k: list(changes.get(k) or []) for k in ("added", "changed", "removed")},
            )
        except (ValueError, TypeError, AttributeError):
            return cls()


@dataclass(frozen=True)
class SeedsTickPlan:
    request: bool
    reason: str
    state: str | None
    run_key: str | None
    n_files: int
    pending: tuple[str, ...]
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]


def _note(changes: dict[str, list[str]], kind: str, rel: str) -> None:
    listed = changes.setdefault(kind, [])
    if rel not in listed and len(listed) < _MAX_LISTED_CHANGES:
        listed.append(rel)


def plan_seeds_tick(
    folder: Path, cursor: SeedsCursor, now: float | None = None
) -> tuple[SeedsTickPlan, SeedsCursor]:
    """Decide whether the seeds folder warrants a run, and return the next cursor.

    The input cursor is not modified.
    """
    now = time.time() if now is None else now
    folder_key = os.fspath(folder)
    nxt = SeedsCursor(
        folder=folder_key,
        files={k: list(v) for k, v in cursor.files.items()},
        pending={k: list(v) for k, v in cursor.pending.items()},
        state=cursor.state,
        run_key=cursor.run_key,
        changes={k: list(v) for k, v in cursor.changes.items()},
    )
    if cursor.folder is not None and cursor.folder != folder_key:
        # Another folder: stat fingerprints from the old one say nothing about these files
        # (cp -p keeps mtimes), so re-hash everything; the last requested state is kept, so a
        # folder with identical content still requests nothing.
        nxt.files, nxt.pending = {}, {}

    if not folder.is_dir():
        # An unmounted or mistyped folder must not look like "every article was deleted".
        plan = SeedsTickPlan(
            False, f"seeds folder {folder} does not exist or is not a directory",
            cursor.state, None, 0, (), (), (), (),
        )
        return plan, nxt

    seen = _scan(folder)

    for rel in list(nxt.files):
        if rel not in seen:
            del nxt.files[rel]
            _note(nxt.changes, "removed", rel)
    for rel in list(nxt.pending):
        if rel not in seen:
            del nxt.pending[rel]

    for rel, (size, mtime_ns) in seen.items():
        known = nxt.files.get(rel)
        if known is not None and known[0] == size and known[1] == mtime_ns:
            nxt.pending.pop(rel, None)
            continue
        waiting = nxt.pending.get(rel)
        if waiting is not None and waiting[0] == size and waiting[1] == mtime_ns:
            try:
                sha = _sha256_file(folder / rel)
            except OSError:
                continue
            del nxt.pending[rel]
            if known is None:
                _note(nxt.changes, "added", rel)
            elif known[2] != sha:
                _note(nxt.changes, "changed", rel)
            nxt.files[rel] = [size, mtime_ns, sha]
        else:
            first_seen = waiting[2] if waiting is not None else now
            nxt.pending[rel] = [size, mtime_ns, first_seen]

    blocking = tuple(
        sorted(rel for rel, p in nxt.pending.items() if now - p[2] < SETTLE_TIMEOUT_SECONDS)
    )
    stale = tuple(sorted(set(nxt.pending) - set(blocking)))
    current = state_key({rel: v[2] for rel, v in nxt.files.items()})
    changes = nxt.changes

    def plan(request: bool, reason: str, run_key: str | None = None) -> SeedsTickPlan:
        return SeedsTickPlan(
            request, reason, current, run_key, len(nxt.files), tuple(sorted(nxt.pending)),
            tuple(changes.get("added", ())), tuple(changes.get("changed", ())),
            tuple(changes.get("removed", ())),
        )

    if blocking:
        shown = ", ".join(blocking[:5]) + (" ..." if len(blocking) > 5 else "")
        return plan(False, f"waiting for {len(blocking)} file(s) to stop changing: {shown}"), nxt
    if current == cursor.state:
        nxt.changes = {"added": [], "changed": [], "removed": []}
        return plan(False, f"no content change in {folder} ({len(nxt.files)} files)"), nxt
    if cursor.state is None and not nxt.files:
        return plan(False, f"no article files in {folder} yet"), nxt

    key = run_key_for(cursor.state, current)
    result = plan(
        True,
        f"{len(nxt.files)} settled files; added {len(changes.get('added', []))}, changed "
        f"{len(changes.get('changed', []))}, removed {len(changes.get('removed', []))}"
        + (f"; still changing after {SETTLE_TIMEOUT_SECONDS}s, ignored: {', '.join(stale)}"
           if stale else ""),
        key,
    )
    nxt.state, nxt.run_key = current, key
    nxt.changes = {"added": [], "changed": [], "removed": []}
    return result, nxt


# --------------------------------------------------------------------------------------------
# Dagster objects
# --------------------------------------------------------------------------------------------


def make_all_assets_job(name: str = ALL_ASSETS_JOB_NAME) -> dg.UnresolvedAssetJobDefinition:
    """The whole graph, assets and their checks, in one run."""
    return dg.define_asset_job(
        name,
        selection=dg.AssetSelection.all(),
        description="Materialise every Frontline asset and run its checks, seeds to warehouse.",
        tags=dict(BASE_RUN_TAGS),
    )


all_assets_job = make_all_assets_job()


def make_seeds_sensor(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
    seeds_dir_default: str | os.PathLike[str] = DEFAULT_SEEDS_DIR,
    *,
    name: str = SEEDS_SENSOR_NAME,
    minimum_interval_seconds: int = SEEDS_SENSOR_INTERVAL_SECONDS,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
) -> dg.SensorDefinition:
    """A sensor that launches `job` once new, changed or removed seed files have settled.

    RUNNING by default: "drop articles into the folder" is the documented way in, and the sensor
    only launches when content really changed. Stop it in the UI (Automation -> the sensor ->
    toggle) or with `dagster sensor stop frontline_seeds_sensor`.
    """

    @dg.sensor(
        name=name,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            f"Watches ${SEEDS_DIR_ENV} (default {os.fspath(seeds_dir_default)}) for *.txt, *.json, "
            "*.jsonl and baseline_control.csv; requests one batched run once added, changed or "
            "removed files have settled (same size and mtime on two ticks)."
        ),
    )
    def _seeds_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        folder = resolve_seeds_dir(seeds_dir_default)
        cursor = SeedsCursor.from_json(context.cursor)
        if context.cursor and cursor.folder is None and cursor.state is None and not cursor.files:
            context.log.warning("unreadable seeds sensor cursor; starting from an empty state")
        plan, nxt = plan_seeds_tick(folder, cursor)
        if not plan.request:
            return dg.SensorResult(skip_reason=plan.reason, cursor=nxt.to_json())
        context.log.info(f"requesting run {plan.run_key}: {plan.reason}")
        tags = {
            **BASE_RUN_TAGS,
            TRIGGER_TAG: "seeds_sensor",
            "frontline/seeds_dir": os.fspath(folder)[-200:],
            "frontline/seeds_state": (plan.state or "")[:16],
            "frontline/seeds_files": str(plan.n_files),
            "frontline/seeds_added": str(len(plan.added)),
            "frontline/seeds_changed": str(len(plan.changed)),
            "frontline/seeds_removed": str(len(plan.removed)),
        }
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=plan.run_key, tags=tags)],
            cursor=nxt.to_json(),
        )

    return _seeds_sensor


def _schedule_settings() -> tuple[str, str]:
    cron = (os.environ.get(SCHEDULE_CRON_ENV) or DEFAULT_SCHEDULE_CRON).strip()
    tz = (os.environ.get(SCHEDULE_TZ_ENV) or DEFAULT_SCHEDULE_TZ).strip()
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise dg.DagsterInvalidDefinitionError(
            f"{SCHEDULE_TZ_ENV}={tz!r} is not an IANA time zone (e.g. 'UTC', 'Europe/Berlin')"
        ) from exc
    return cron, tz


def make_daily_schedule(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
    *,
    name: str = DAILY_SCHEDULE_NAME,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
) -> dg.ScheduleDefinition:
    """Rebuild the whole graph on `$FRONTLINE_SCHEDULE_CRON` in `$FRONTLINE_SCHEDULE_TZ`.

    The variables are read when the code location loads (reload it after changing them).
    STOPPED by default: the seeds sensor already reacts to new articles; the schedule is for a
    server that should also roll `control_daily` forward to the current day without new input.
    """
    cron, tz = _schedule_settings()

    try:

        @dg.schedule(
            name=name,
            cron_schedule=cron,
            execution_timezone=tz,
            job=job,
            default_status=default_status,
            description=f"Materialise the whole Frontline graph at '{cron}' ({tz}).",
        )
        def _daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
            when = context.scheduled_execution_time
            stamp = when.isoformat() if when is not None else datetime.now().isoformat()
            return dg.RunRequest(
                # One run per scheduled instant, even if the daemon evaluates the tick twice.
                run_key=f"schedule-{stamp}",
                tags={
                    **BASE_RUN_TAGS,
                    TRIGGER_TAG: "schedule",
                    "frontline/scheduled_for": stamp,
                },
            )

    except dg.DagsterInvalidDefinitionError as exc:
        raise dg.DagsterInvalidDefinitionError(
            f"{SCHEDULE_CRON_ENV}={cron!r} is not a valid cron expression: {exc}"
        ) from exc
    return _daily


def automation_condition() -> dg.AutomationCondition:
    """Declarative condition for downstream assets: update after any upstream update, or after a
    change to the asset's own code version (`versioning.layer_code_versions`: an edited claim rule
    re-runs the nlp layer once the code location reloads, and the marts follow in the same run).

    Built like `AutomationCondition.eager()` with `code_version_changed()` added to its triggers.
    Eager waits for missing and in-progress dependencies but not for failed checks, so
    `all_deps_blocking_checks_passed()` is added: a downstream asset is not rebuilt from an
    upstream asset whose blocking check failed. Updates made by a run that also targeted this
    asset (the seeds sensor's and the schedule's whole-graph runs) are ignored by
    `any_deps_updated`, so those runs cause no follow-up runs.
    """
    return (
        dg.AutomationCondition.in_latest_time_window()
        & (
            dg.AutomationCondition.newly_missing()
            | dg.AutomationCondition.any_deps_updated()
            | dg.AutomationCondition.code_version_changed()
        ).since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("eager_or_code_changed_after_blocking_checks")


def source_condition() -> dg.AutomationCondition:
    """For assets without upstream assets (the raw layer, the gazetteer, the actor registry): new
    input arrives through the seeds sensor, so only a change to their code version updates them."""
    return (
        dg.AutomationCondition.code_version_changed().since_last_handled() & ~dg.AutomationCondition.in_progress()
    ).with_label("code_changed")


def make_automation_sensor(
    target: dg.AssetSelection | None = None,
    *,
    name: str = AUTOMATION_SENSOR_NAME,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds: int = 30,
) -> dg.AutomationConditionSensorDefinition:
    """Evaluates `automation_condition()` on the assets that carry it.

    Declared explicitly because the sensor Dagster would add on its own
    (`default_automation_condition_sensor`) starts STOPPED; RUNNING here means a user who
    re-materialises one upstream asset in the UI sees the rest of the graph follow.
    """
    return dg.AutomationConditionSensorDefinition(
        name,
        target=target if target is not None else dg.AssetSelection.all(),
        default_status=default_status,
        minimum_interval_seconds=minimum_interval_seconds,
        run_tags={**BASE_RUN_TAGS, TRIGGER_TAG: "automation_condition"},
        description="Rebuilds assets downstream of an update once blocking checks pass.",
    )
