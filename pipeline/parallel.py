"""Forked worker processes for the per-article CPU work (cleaning, NLP); no Dagster, no DuckDB.

Fork, not spawn: workers start with the parent's loaded spaCy pipeline and reference data at no
cost. The price is that a child inherits the parent's locks as they were at fork time, held or
not; polars' and DuckDB's thread pools are running in a Dagster step by then, so a function run
here must not touch polars or DuckDB (plain Python and spaCy only) or it can deadlock. A worker
that stops making progress fails the step with a message after `worker_timeout_s()` instead of
hanging the run.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_WORKER_TIMEOUT_S = 900.0


class WorkerTimeoutError(RuntimeError):
    pass


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


def default_n_process(environ: dict[str, str] | None = None) -> int:
    """FRONTLINE_NLP_PROCESSES, else every CPU up to 2: a third worker on this 2-core target
    only adds a model copy to memory."""
    raw = (os.environ if environ is None else environ).get("FRONTLINE_NLP_PROCESSES", "")
    if raw.strip():
        try:
            value = int(raw)
        except ValueError as exc:
            raise ValueError(f"FRONTLINE_NLP_PROCESSES={raw!r} is not a whole number of processes") from exc
        if value < 1:
            raise ValueError(f"FRONTLINE_NLP_PROCESSES={raw!r} must be at least 1")
        return value
    return max(1, min(2, os.cpu_count() or 1))


def worker_timeout_s() -> float:
    """Seconds a worker may take for one item (FRONTLINE_WORKER_TIMEOUT_S, default 900)."""
    raw = os.environ.get("FRONTLINE_WORKER_TIMEOUT_S", "")
    return float(raw) if raw.strip() else DEFAULT_WORKER_TIMEOUT_S


def release_free_memory() -> None:
    """Collect garbage and hand the heap's free pages back to the OS. glibc keeps freed memory
    for reuse, so a process that once held many small objects (a step's row dicts) stays at its
    peak size, and forked workers would start from it."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to hand back this way
        pass


def _map_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(item) for item in chunk]


def _worker_signals() -> None:
    # A fork inherits the parent's Python signal handlers; a SIGTERM handler that only records
    # the signal (Dagster installs such handlers around runs) left a worker alive after
    # Pool.terminate(), and the parent waited for it forever. Workers die on SIGTERM, and leave
    # Ctrl-C to the parent, which stops the pool.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def imap_forked(
    fn: Callable[[T], R], items: Sequence[T], n_process: int, chunksize: int = 1, chunks_per_worker: int | None = None
) -> Iterator[R]:
    """fn(item) for every item in up to `n_process` forked workers, yielded in input order;
    `chunksize` items travel to a worker at a time (and share the timeout). With
    `chunks_per_worker`, a worker is replaced by a fresh fork after that many chunks."""
    timeout = worker_timeout_s()
    chunks = [items[i : i + chunksize] for i in range(0, len(items), max(1, chunksize))]
    release_free_memory()
    # The children's garbage collector would otherwise walk (and so copy, page by page) every
    # object inherited from the parent, the loaded model included.
    gc.freeze()
    try:
        with mp.get_context("fork").Pool(
            max(1, min(n_process, len(chunks))), initializer=_worker_signals, maxtasksperchild=chunks_per_worker
        ) as pool:
            results = pool.imap(partial(_map_chunk, fn), chunks)
            for _ in chunks:
                try:
                    yield from results.next(timeout=timeout)
                except mp.TimeoutError:
                    raise WorkerTimeoutError(
                        f"a worker process made no progress for {timeout:g} s ({getattr(fn, '__name__', fn)}); "
                        "if this repeats, run with FRONTLINE_NLP_PROCESSES=1 and report it"
                    ) from None
            pool.close()  # all done: let the workers exit on their own rather than be killed
            pool.join()
    finally:
        gc.unfreeze()
