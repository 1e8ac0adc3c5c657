"""DuckDB ↔ polars through Arrow (no Dagster here, so domain code and tests can use it)."""

from __future__ import annotations

import duckdb
import polars as pl


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> pl.DataFrame:
    """Run a read query and return a polars frame (duckdb 2 keeps .pl() on relations only)."""
    return con.sql(sql, params=params or None).pl()


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """CREATE OR REPLACE `table` from a polars frame (Arrow interchange, no value formatting)."""
    schema, _ = table.split(".")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.register("_frontline_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frontline_frame")
    finally:
        con.unregister("_frontline_frame")
    return frame.height
