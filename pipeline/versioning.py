"""Fingerprints of the code and data a layer's output depends on.

Incremental runs reuse an article's rows only while the inputs *and* these fingerprints are
unchanged, so editing a cleaning rule, a claim rule or the gazetteer reprocesses exactly what it
can affect, without anyone bumping a version number by hand.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path


def _module_file(name: str) -> Path:
    # found by path, not imported: the version of a module that is only imported lazily (the
    # report renderers and matplotlib) costs a file read, not its import
    head, *rest = name.split(".")
    path = Path(importlib.import_module(head).__file__).parent.joinpath(*rest)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _module_source(name: str) -> bytes:
    return _module_file(name).read_bytes()


@lru_cache(maxsize=None)
def code_version(*modules: str, data_files: tuple[str, ...] = ()) -> str:
    h = hashlib.sha256()
    for name in modules:
        h.update(name.encode())
        h.update(_module_source(name))
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
    "pipeline.nlp.attribute_ruler",
    "pipeline.nlp.sentences",
    "pipeline.nlp.serialise",
    "pipeline.nlp.entities",
    "pipeline.nlp.token_scans",
    "pipeline.nlp.claims",
    "pipeline.nlp.figures",
    "pipeline.nlp.lemmas",
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


def ruler_source_version() -> str:
    """What the gazetteer and actor rulers' patterns are built from: the code that builds them
    (the import closure of pipeline.nlp.entities) and the reference data. It keys the memo of the
    parsed-doc fingerprint (pipeline.nlp.pipeline.model_fingerprint), so that a run that parses
    nothing need not build the patterns to know which cached docs are valid."""
    return code_version(*import_closure("pipeline.nlp.entities"), data_files=_reference_data())


def extractor_version(module: str) -> str:
    """What a stage-B extractor's records (claims, figures) depend on besides the parsed doc and
    its entity resolution: the extractor's import closure, the reference data and
    FRONTLINE_EXTRACTOR_VERSION. An edit to the claim rules leaves the figures' version as it
    was, so the figures of every cached doc are replayed, not extracted again."""
    return _stage_b_version(import_closure(module))


def import_closure(module: str) -> tuple[str, ...]:
    """`module` and every module of its top-level package it imports, directly or through others,
    lazy imports inside functions included: the code an asset's output can depend on."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += _package_imports(name)
    return tuple(sorted(seen))


@lru_cache(maxsize=None)
def _package_imports(name: str) -> tuple[str, ...]:
    root = name.split(".")[0]
    path = _module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == root]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if base.split(".")[0] != root:
                continue
            found.append(base)
            # `from package import submodule`
            found += [f"{base}.{a.name}" for a in node.names if _module_file(f"{base}.{a.name}").is_file()]
    return tuple(found)


def layer_code_versions() -> dict[str, str]:
    """The code version of each asset group: the asset module's import closure, plus what else its
    output depends on (the stage-B rules fingerprint, the reference data, the mart SQL files).

    Dagster records it on every materialisation, and the automation sensor re-materialises a
    layer whose version changed and then what is downstream of it, so an edit to a claim rule
    re-runs the nlp layer (from cached docs) and the marts, not the raw and clean layers."""
    from pipeline.marts import MART_FILES, sql_dir

    def layer(module: str, *extra: str) -> str:
        return digest(code_version(*import_closure(f"pipeline.assets.{module}")), *extra)[:16]

    sql = tuple(str(p) for p in (sql_dir() / name for name in MART_FILES) if p.is_file())
    return {
        "raw": layer("raw"),
        "clean": layer("clean"),
        "ref": layer("reference", code_version(data_files=_reference_data())),
        "nlp": layer("nlp", rules_version()),
        "warehouse": layer("warehouse", code_version(data_files=sql)),
        "reports": layer("reports"),
    }
