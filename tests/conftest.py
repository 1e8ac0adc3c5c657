import functools
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@functools.lru_cache(maxsize=1)
def _nlp():
    from pipeline.nlp.pipeline import build_nlp

    return build_nlp()


@pytest.fixture(scope="session")
def nlp():
    """The full Frontline pipeline, loaded once for the whole test session."""
    return _nlp()


@pytest.fixture(scope="session")
def seeds_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("seeds")
    for f in SEEDS.iterdir():
        if f.is_file():
            shutil.copy2(f, target / f.name)
    return target


@pytest.fixture(autouse=True)
def _no_leaked_dagster_state_storage():
    """A DagsterInstance publishes its defs-state storage in a context variable that outlives the
    instance when a test does not dispose of it; a later `validate_loadable` then trips over the
    dead instance. Each test starts with none set, as a fresh process would."""
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    with set_defs_state_storage(None):
        yield
