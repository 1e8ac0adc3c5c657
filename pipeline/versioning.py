"""Fingerprints of the code and data a layer's output depends on.

Incremental runs reuse an article's rows only while the inputs *and* these fingerprints are
unchanged, so editing a cleaning rule, a claim rule or the gazetteer reprocesses exactly what it
can affect, without anyone bumping a version number by hand.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def code_version(*modules: str, data_files: tuple[str, ...] = ()) -> str:
    h = hashlib.sha256()
    for name in modules:
        module = importlib.import_module(name)
        h.update(name.encode())
        h.update(Path(module.__file__).read_bytes())
    for path in data_files:
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


def cleaning_version() -> str:
    # dedup too: clean keys then change with the duplicate rules, and no stale verdict is reused
    return code_version(
        "pipeline.text.cleaning", "pipeline.text.language", "pipeline.text.dates", "pipeline.text.corpus",
        "pipeline.text.dedup",
    )


# What an article's nlp rows depend on besides its text and the model: every stage-B module
# (tests/test_pipeline_stages.py checks that each pipeline/nlp module is listed).
RULE_MODULES = (
    "pipeline.nlp.pipeline",
    "pipeline.nlp.serialise",
    "pipeline.nlp.entities",
    "pipeline.nlp.token_scans",
    "pipeline.nlp.claims",
    "pipeline.nlp.figures",
    "pipeline.nlp.certainty",
    "pipeline.nlp.spans",
    "pipeline.nlp.types",
    "pipeline.nlp.corpus",
    "pipeline.tables",
    "pipeline.text.temporal",
    "pipeline.text.numbers",
    "pipeline.reference.gazetteer",
    "pipeline.reference.actors",
    "pipeline.reference.normalise",
    "pipeline.reference.patterns",
)


# What the entity resolver's output depends on besides the parsed doc: the resolver and every
# module it imports (tests/test_pipeline_stages.py checks the import closure), and the reference
# data. A subset of RULE_MODULES: a claim or figure rule edit keeps cached resolutions valid.
RESOLUTION_MODULES = (
    "pipeline.nlp.pipeline",
    "pipeline.nlp.serialise",
    "pipeline.nlp.entities",
    "pipeline.nlp.token_scans",
    "pipeline.nlp.spans",
    "pipeline.reference.gazetteer",
    "pipeline.reference.actors",
    "pipeline.reference.normalise",
    "pipeline.reference.patterns",
)


@lru_cache(maxsize=None)  # like code_version, read once per process (asked once per article)
def _reference_data() -> tuple[str, ...]:
    data = Path(importlib.import_module("pipeline.reference").__file__).parent / "data"
    return tuple(str(p) for p in sorted(data.glob("*.csv")))


def _stage_b_version(modules: tuple[str, ...]) -> str:
    return os.environ.get("FRONTLINE_EXTRACTOR_VERSION", "") + code_version(*modules, data_files=_reference_data())


def rules_version() -> str:
    """Stage-B rules: entity resolution, claims, figures and the reference data they read, plus
    FRONTLINE_EXTRACTOR_VERSION, a label a user can change to force re-analysis of every article
    (e.g. after changing something the fingerprint cannot see, such as an installed library)."""
    return _stage_b_version(RULE_MODULES)


def resolution_version() -> str:
    """The entity resolver's part of `rules_version` (FRONTLINE_EXTRACTOR_VERSION included)."""
    return _stage_b_version(RESOLUTION_MODULES)
