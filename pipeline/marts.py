"""Build the warehouse marts by running the SQL files in warehouse/sql/ with DuckDB.

The marts are pure SQL (see warehouse/README.md for every table, column and rule); this module
only runs the files in order, passes run-time settings as DuckDB variables and reports row counts.
It never opens or commits a transaction, so the caller decides what is atomic.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import duckdb

# Run order matters: later files read the tables earlier ones create.
MART_FILES: list[str] = [
    "00_setup.sql",
    "10_dim_article.sql",
    "11_dim_place.sql",
    "12_dim_actor.sql",
    "13_unresolved_places.sql",
    "20_control_claims.sql",
    "21_fact_control_event.sql",
    "30_control_evidence.sql",
    "31_control_daily.sql",
    "32_control_disputes.sql",
    "40_fact_figure.sql",
    "50_macros.sql",
]

# The tables the files create, in build order (the keys of build_marts' result).
MART_TABLES: list[str] = [
    "dim_article",
    "dim_place",
    "dim_actor",
    "unresolved_places",
    "control_claims",
    "fact_control_event",
    "control_evidence",
    "control_daily",
    "control_disputes",
    "fact_figure",
]

DEFAULT_HALF_LIFE_DAYS = 7.0

_BASELINE_DDL = """
CREATE SCHEMA IF NOT EXISTS ref;
CREATE TABLE IF NOT EXISTS ref.baseline_control (
    place_id VARCHAR, side VARCHAR, as_of DATE, source VARCHAR
);
"""


def sql_dir() -> Path:
    """Folder holding the mart SQL files.

    `FRONTLINE_SQL_DIR` overrides it; otherwise the repository's warehouse/sql next to the
    package (an editable install or a checkout), else ./warehouse/sql.
    """
    env = os.environ.get("FRONTLINE_SQL_DIR")
    if env:
        return Path(env)
    beside_package = Path(__file__).resolve().parents[1] / "warehouse" / "sql"
    if beside_package.is_dir():
        return beside_package
    return Path.cwd() / "warehouse" / "sql"


def sql_path(name: str) -> Path:
    """Path of one mart SQL file, e.g. sql_path("31_control_daily.sql")."""
    path = sql_dir() / name
    if not path.is_file():
        raise FileNotFoundError(
            f"mart SQL file {name!r} not found in {path.parent}; "
            "set FRONTLINE_SQL_DIR or run from the project checkout"
        )
    return path


def build_marts(
    con: duckdb.DuckDBPyConnection,
    control_end_date: dt.date | None = None,
    half_life_days: float | None = None,
) -> dict[str, int]:
    """Run every file of MART_FILES in order on `con` and return {table: row count}.

    Runs inside whatever transaction the caller holds. `control_end_date` sets the last day of
    control_daily (DuckDB variable `control_end_date`); when None, a value the caller already set
    on the connection is kept, else the marts use the corpus's last date. `half_life_days` sets
    the decay of carried confidence (variable `control_half_life_days`, default 7).
    """
    if control_end_date is not None:
        con.execute("SET VARIABLE control_end_date = CAST(? AS DATE)", [control_end_date])
    if half_life_days is not None:
        if half_life_days <= 0:
            raise ValueError(f"half_life_days must be positive, got {half_life_days!r}")
        con.execute("SET VARIABLE control_half_life_days = CAST(? AS DOUBLE)", [half_life_days])
    # The baseline seed file is optional; an absent table means "no baseline".
    con.execute(_BASELINE_DDL)
    for name in MART_FILES:
        sql = sql_path(name).read_text(encoding="utf-8")
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise RuntimeError(f"warehouse mart {name} failed: {exc}") from exc
    return {
        table: con.execute(f"SELECT count(*) FROM warehouse.{table}").fetchone()[0]
        for table in MART_TABLES
    }


_SECTION = re.compile(r"^###\s+`(warehouse\.\w+)`")
_ROW = re.compile(r"^\|\s*(`[^|]+`)\s*\|\s*(.+?)\s*\|\s*$")


def column_docs(readme: Path | None = None) -> dict[str, dict[str, str]]:
    """Column descriptions from warehouse/README.md, the one place the marts are documented:
    `### \\`warehouse.t\\`` sections with `| \\`col\\`, \\`col2\\` | description |` rows."""
    path = readme or sql_dir().parent / "README.md"
    docs: dict[str, dict[str, str]] = {}
    table = None
    if not path.exists():
        return docs
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _SECTION.match(line):
            table = m.group(1)
            docs.setdefault(table, {})
        elif line.startswith("## "):
            table = None
        elif table and (m := _ROW.match(line)):
            for col in re.findall(r"`(\w+)`", m.group(1)):
                docs[table].setdefault(col, m.group(2).replace("\\|", "|"))
    return docs
