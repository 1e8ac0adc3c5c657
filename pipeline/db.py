"""DuckDB ↔ polars through Arrow (no Dagster here, so domain code and tests can use it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> pl.DataFrame:
    """Run a read query and return a polars frame (duckdb 2 keeps .pl() on relations only)."""
    return con.sql(sql, params=params or None).pl()


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """CREATE OR REPLACE `table` from a polars frame (Arrow interchange, no value formatting)."""
    schema, _ = table.split(".")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    with _registered(con, frame):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frontline_frame")
    return frame.height


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, column: str,
                 values: list[str]) -> int:
    """Delete the rows of `table` whose `column` is one of `values`, then insert `frame` (the new
    rows for those values, with the table's columns). A step that changed a few articles rewrites
    their rows, not the table: replacing every table a step writes took most of its write time
    (CREATE OR REPLACE writes all rows to the WAL, then the checkpoint writes them again)."""
    if values:
        # a semi-join on a list of ids: list_contains would scan the list once per row
        con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [list(values)])
    if frame.height:
        with _registered(con, frame):
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frontline_frame")
    return frame.height


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> Iterator[None]:
    """`frame` readable as the view _frontline_frame on `con` inside the block."""
    con.register("_frontline_frame", frame.to_arrow())
    try:
        yield
    finally:
        con.unregister("_frontline_frame")


def has_schema(con: duckdb.DuckDBPyConnection, table: str, expected: dict[str, pl.DataType]) -> bool:
    """Whether `table` exists with exactly these columns and types (as polars reads them), so rows
    can be added to it; a missing table or one from an older schema is rebuilt whole instead."""
    try:
        stored = fetch_frame(con, f"select * from {table} limit 0").schema
    except duckdb.CatalogException:
        return False
    return list(stored) == list(expected) and all(_same_type(stored[c], expected[c]) for c in expected)


def _same_type(stored: pl.DataType, expected: pl.DataType) -> bool:
    # A TIMESTAMPTZ column reads back in the session's time zone (Etc/UTC here, another elsewhere)
    if isinstance(stored, pl.Datetime) and isinstance(expected, pl.Datetime):
        return stored.time_unit == expected.time_unit and (stored.time_zone is None) == (expected.time_zone is None)
    return stored == expected
