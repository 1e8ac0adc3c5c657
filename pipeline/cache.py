"""Prune the doc cache: `python -m pipeline.cache [--dry-run]` (`make prune-cache`).

Every model, stage-A code, resolver or extractor change leaves the cache's earlier folders behind
(a claim rule edit writes one JSON file per article under a new `claims/<version>/`); runs never
read them again. This deletes what the current code and model never read (`DocCache.stale`) and
prints what went and how much. Run it when no run of another code version shares the cache: its
files would be parsed or extracted again, nothing worse.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    from pipeline.nlp.pipeline import DocCache, build_nlp
    from pipeline.resources import NlpModel, Warehouse

    default = NlpModel()
    parser = argparse.ArgumentParser(prog="python -m pipeline.cache", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", help="the doc cache (default: NlpModel's, beside the warehouse)")
    parser.add_argument("--model", default=default.model_name, help=f"spaCy model the runs use (default {default.model_name})")
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    args = parser.parse_args(argv)

    root = Path(args.cache_dir) if args.cache_dir else default.cache_path(Warehouse().database)
    cache = DocCache(root)
    stale = cache.stale(build_nlp(args.model, entity_patterns=False))
    total = 0
    for path in stale:
        size = _size(path)
        total += size
        print(f"{'would delete' if args.dry_run else 'deleted'} {path} ({_mb(size)})")
        if not args.dry_run:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    kept = _size(root) if root.exists() else 0
    verb = "would free" if args.dry_run else "freed"
    print(f"{root}: {len(stale)} stale entries, {verb} {_mb(total)}; current fingerprint {cache.fingerprint}, {_mb(kept)} kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
