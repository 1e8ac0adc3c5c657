"""Check helpers: a check is a query for offending rows; it passes when there are none.

Thresholds come from `FRONTLINE_CHECK_*` environment variables, read each time a check runs
(`load_config()`), because Dagster asset checks take no run config; docs/checks.md lists them.
"""


import datetime as dt
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

import dagster as dg
import duckdb
import polars as pl

from pipeline.assets.common import POOL, markdown_preview
from pipeline.db import fetch_frame
from pipeline.resources import Warehouse
from pipeline.tables import TABLES

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR

METRICS = ("killed", "injured", "displaced", "distance_km", "places_captured", "fighters", "airstrikes",
           "detained", "other")

# A count above these is not a news figure for the war in Syria but a parsing fault (a year, a
# phone number or a sum of money read as a toll). Keys are nlp.figures.metric values.
DEFAULT_METRIC_MAX: dict[str, float] = {
    "killed": 1_000_000,
    "injured": 2_000_000,
    "displaced": 15_000_000,
    "detained": 1_000_000,
    "fighters": 2_000_000,
    "airstrikes": 100_000,
    "places_captured": 10_000,
}


@dataclass(frozen=True)
class ChecksConfig:
    """Thresholds of the checks; each field `x` is read from the env var FRONTLINE_CHECK_<X>."""

    # an event may be dated at most this many days before its article's publication date
    event_window_days: int = 30
    # and at most this many days after it (time zones: an article dated the 5th may report the 6th)
    event_future_days: int = 0
    # farthest distance inside Syria's extent (its longest diagonal is about 850 km)
    max_distance_km: float = 900.0
    # per-metric upper bounds; FRONTLINE_CHECK_MAX_KILLED etc. override one metric
    metric_max: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_METRIC_MAX))
    # coverage (WARN): shares above these warn
    max_unresolved_place_share: float = 0.35
    max_articles_without_claims_share: float = 0.0
    max_duplicate_share: float = 0.25
    max_non_english_share: float = 0.0
    max_rejected_files: int = 0
    # freshness (WARN, scheduled runs only): newest ingested article older than this
    freshness_hours: float = 48.0


def load_config(environ: dict[str, str] | None = None) -> ChecksConfig:
    env = os.environ if environ is None else environ
    values: dict = {}
    for f in fields(ChecksConfig):
        if f.name == "metric_max":
            continue
        raw = env.get(f"FRONTLINE_CHECK_{f.name.upper()}")
        if raw not in (None, ""):
            kind = int if f.type in ("int", int) else float
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(f"FRONTLINE_CHECK_{f.name.upper()}={raw!r} is not a number") from exc
    metric_max = dict(DEFAULT_METRIC_MAX)
    for metric in METRICS:
        key = f"FRONTLINE_CHECK_MAX_{metric.upper()}"
        raw = env.get(key)
        if metric != "distance_km" and raw not in (None, ""):
            try:
                metric_max[metric] = float(raw)
            except ValueError as exc:
                raise ValueError(f"{key}={raw!r} is not a number") from exc
    return ChecksConfig(**values, metric_max=metric_max)


def _missing_input_result(exc: duckdb.Error, explanation: str, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    # A missing table or column is itself the fault to report, not a crash of the check step.
    return dg.AssetCheckResult(
        passed=False,
        severity=severity,
        description=f"Cannot evaluate ({explanation}): {str(exc).splitlines()[0]}",
        metadata={"n_offending": -1, "error": dg.MetadataValue.text(str(exc))},
    )


def _count_and_sample(warehouse: Warehouse, sql: str, params: list | None) -> tuple[int, pl.DataFrame]:
    # One pass for the count and the sample: the window counts every offending row before the
    # LIMIT applies (running the query twice doubled the cost of the provenance joins).
    with warehouse.connect() as con:
        frame = fetch_frame(con, f"select *, count(*) over () as _n_offending from ({sql}) limit 1000", params)
    total = int(frame["_n_offending"][0]) if frame.height else 0
    return total, frame.drop("_n_offending")


def offending_rows_check(
    warehouse: Warehouse,
    sql: str,
    explanation: str,
    *,
    severity: dg.AssetCheckSeverity = ERROR,
    params: list | None = None,
    metadata: dict | None = None,
    ok_description: str | None = None,
) -> dg.AssetCheckResult:
    try:
        total, frame = _count_and_sample(warehouse, sql, params)
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        return _missing_input_result(exc, explanation, severity)
    passed = total == 0
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        description=(ok_description or f"OK: 0 {explanation}") if passed else f"{total} offending rows: {explanation}",
        metadata={
            "n_offending": int(total),
            "sample": dg.MetadataValue.md(markdown_preview(frame, n=10)),
            **(metadata or {}),
        },
    )


def share_check(
    warehouse: Warehouse,
    rows_sql: str,
    total_sql: str,
    max_share: float,
    explanation: str,
    *,
    severity: dg.AssetCheckSeverity = WARN,
    params: list | None = None,
) -> dg.AssetCheckResult:
    """Fails when the offending rows are more than `max_share` of the rows counted by total_sql."""
    try:
        n, frame = _count_and_sample(warehouse, rows_sql, params)
        with warehouse.connect() as con:
            total = int(con.execute(total_sql).fetchone()[0] or 0)
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        return _missing_input_result(exc, explanation, severity)
    share = n / total if total else 0.0
    passed = share <= max_share
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        description=f"{'OK' if passed else 'Too many'}: {n} of {total} ({share:.0%}) {explanation} "
        f"(threshold {max_share:.0%})",
        metadata={
            "n_offending": n,
            "n_total": total,
            "share": float(share),
            "threshold": float(max_share),
            "sample": dg.MetadataValue.md(markdown_preview(frame, n=10)),
        },
    )


# --- schema contracts -------------------------------------------------------------------------

_POLARS_TO_DUCKDB = {
    pl.Utf8: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.Date: "DATE",
    pl.Boolean: "BOOLEAN",
    pl.Binary: "BLOB",
}


def duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP WITH TIME ZONE" if dtype.time_zone else "TIMESTAMP"
    for polars_type, name in _POLARS_TO_DUCKDB.items():
        if dtype == polars_type:
            return name
    raise KeyError(f"no DuckDB type known for {dtype}")


# Integer widths are interchangeable for readers (a count may come out INTEGER or BIGINT).
_TYPE_FAMILIES = {
    "BIGINT": {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"},
    "DOUBLE": {"DOUBLE", "FLOAT", "REAL"} | {"DECIMAL"},
}


def type_matches(expected: str | None, actual: str) -> bool:
    if expected is None:
        return True
    actual_base = actual.split("(")[0].upper()
    return actual_base == expected or actual_base in _TYPE_FAMILIES.get(expected, set())


@dataclass(frozen=True)
class TableContract:
    table: str
    columns: dict[str, str | None]  # column -> DuckDB type, None = any type
    keys: tuple[tuple[str, ...], ...]  # each tuple unique (NULLs compare equal, as in GROUP BY)
    not_null: tuple[str, ...]


def python_contract(table: str, keys: tuple[tuple[str, ...], ...], not_null: tuple[str, ...]) -> TableContract:
    """Contract of a Python-written table, from pipeline/tables.py."""
    return TableContract(table, {c.name: duckdb_type(c.dtype) for c in TABLES[table]}, keys, not_null)


def schema_problems(con: duckdb.DuckDBPyConnection, contract: TableContract) -> list[dict]:
    schema, name = contract.table.split(".")
    actual = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    )
    if not actual:
        return [{"problem": "missing table", "detail": contract.table}]
    problems = []
    for column, expected in contract.columns.items():
        if column not in actual:
            problems.append({"problem": "missing column", "detail": f"{column} ({expected or 'any type'})"})
        elif not type_matches(expected, actual[column]):
            problems.append({"problem": "wrong type", "detail": f"{column}: {actual[column]}, expected {expected}"})
    if any(p["problem"] == "missing column" for p in problems):
        return problems  # key queries would only fail on the same missing columns
    for key in contract.keys:
        cols = ", ".join(key)
        label = ", ".join(f"coalesce(cast({c} as varchar), 'NULL')" for c in key)
        for value, n in con.execute(
            f"select concat_ws(' | ', {label}) as k, count(*) as n from {contract.table} "
            f"group by {cols} having count(*) > 1 order by n desc, k limit 20"
        ).fetchall():
            problems.append({"problem": f"duplicate ({cols})", "detail": f"{value} x{n}"})
    for column in contract.not_null:
        n = con.execute(f"select count(*) from {contract.table} where {column} is null").fetchone()[0]
        if n:
            problems.append({"problem": "null key", "detail": f"{column}: {n} rows"})
    return problems


def schema_check(warehouse: Warehouse, contract: TableContract) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        problems = schema_problems(con, contract)
    frame = pl.DataFrame(problems, schema={"problem": pl.Utf8, "detail": pl.Utf8})
    passed = not problems
    return dg.AssetCheckResult(
        passed=passed,
        severity=ERROR,
        description=(
            f"OK: {contract.table} has its {len(contract.columns)} columns, unique keys and no null keys"
            if passed
            else f"{len(problems)} schema problems in {contract.table}: "
            + "; ".join(f"{p['problem']} {p['detail']}" for p in problems[:5])
        ),
        metadata={
            "n_offending": len(problems),
            "sample": dg.MetadataValue.md(markdown_preview(frame, n=20)),
            "keys": dg.MetadataValue.json([list(k) for k in contract.keys]),
        },
    )


def _schema_description(contract: TableContract) -> str:
    return (
        f"{contract.table}: required columns with their types; keys "
        f"{', '.join('(' + ', '.join(k) + ')' for k in contract.keys)} unique; "
        f"{', '.join(contract.not_null)} not null."
    )


# --- one Dagster step per layer ---------------------------------------------------------------

CheckFn = Callable[..., dg.AssetCheckResult]


@dataclass
class LayerChecks:
    """The checks of one layer, declared one function each and run by Dagster as one step.

    One `multi_asset_check` per layer rather than one `asset_check` per check: each step costs the
    in-process executor a fixed ~0.2 s (events, a DuckDB connection, resources) whatever the data
    size, which made ~45 check steps most of an incremental run. The UI still shows every check
    by its own name, blocking and severity; a blocking failure stops the layer's step after all
    its checks have reported, so downstream assets wait as before. The decorated functions stay
    plain functions (`fn(warehouse=...)`), which is how the tests plant faults and call them.
    """

    layer: str
    checks: list[tuple[dg.AssetCheckSpec, CheckFn]] = field(default_factory=list)

    def check(self, asset: list[str], *, description: str, blocking: bool = False, name: str | None = None):
        def register(fn: CheckFn) -> CheckFn:
            spec = dg.AssetCheckSpec(name=name or fn.__name__, asset=asset, blocking=blocking, description=description)
            self.checks.append((spec, fn))
            return fn

        return register

    def schema(self, contract: TableContract, *, name: str | None = None, blocking: bool = True) -> CheckFn:
        """The contract check of a table, named `<table>_schema` unless `name` is given."""
        schema, table = contract.table.split(".")

        def _schema(warehouse: Warehouse) -> dg.AssetCheckResult:
            return schema_check(warehouse, contract)

        return self.check([schema, table], name=name or f"{table}_schema", blocking=blocking,
                          description=_schema_description(contract))(_schema)

    def definition(self) -> dg.AssetChecksDefinition:
        checks = list(self.checks)

        @dg.multi_asset_check(
            specs=[spec for spec, _ in checks],
            name=f"{self.layer}_checks",
            description=f"The {len(checks)} checks of the {self.layer} layer (docs/checks.md), run as one step.",
            can_subset=True,
            pool=POOL,
        )
        def _layer_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> Iterator[dg.AssetCheckResult]:
            selected = context.selected_asset_check_keys
            with warehouse.session():  # one connection for the layer's checks, not one per query
                for spec, fn in checks:
                    if spec.key in selected:
                        yield evaluate_check(spec, fn, warehouse, context)

        return _layer_checks


def evaluate_check(
    spec: dg.AssetCheckSpec, fn: CheckFn, warehouse: Warehouse, context=None
) -> dg.AssetCheckResult:
    """Runs one check; a check that crashes fails (ERROR) with the exception instead of taking the
    other checks of its step down with it."""
    try:
        if "context" in inspect.signature(fn).parameters:
            result = fn(context=context, warehouse=warehouse)
        else:
            result = fn(warehouse=warehouse)
    except Exception as exc:  # noqa: BLE001 - reported as the check's result
        result = dg.AssetCheckResult(
            passed=False,
            severity=ERROR,
            description=f"The check crashed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            metadata={"n_offending": -1, "error": dg.MetadataValue.text(repr(exc))},
        )
    return result._replace(asset_key=spec.asset_key, check_name=spec.name)


# --- run tags ---------------------------------------------------------------------------------

SCHEDULE_TAG = "dagster/schedule_name"


def run_tags(context) -> dict[str, str]:
    """Tags of the run executing a check; empty when the check is invoked directly (tests)."""
    if context is None:
        return {}
    try:
        return dict(context.run.tags)
    except Exception:  # a directly invoked check has no run
        return {}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
