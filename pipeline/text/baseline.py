"""The optional baseline file: who held what before the first article (seeds/baseline_control.csv)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

BASELINE_FILE = "baseline_control.csv"
SIDES = {"opposition", "government", "sdf", "isis", "israel", "turkey", "russia", "usa", "other", "unknown"}


def read_baseline(
    seeds_dir: Path, resolve_place: Callable[[str], str | None]
) -> tuple[list[dict], list[str]]:
    """Rows (place_id, place_text, side, as_of, source) and a list of problems, one per bad line.
    A bad line is reported and skipped; it never stops the rest of the file or the run."""
    path = Path(seeds_dir) / BASELINE_FILE
    if not path.exists():
        return [], []
    rows, problems = [], []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"place", "side", "as_of"} - set(reader.fieldnames or [])
        if missing:
            return [], [f"{BASELINE_FILE}: missing columns {sorted(missing)} (need place, side, as_of, source)"]
        for lineno, rec in enumerate(reader, start=2):
            place = (rec.get("place") or "").strip()
            side = (rec.get("side") or "").strip().lower()
            try:
                as_of = dt.date.fromisoformat((rec.get("as_of") or "").strip())
            except ValueError:
                problems.append(f"{BASELINE_FILE}:{lineno}: as_of {rec.get('as_of')!r} is not an ISO date")
                continue
            if side not in SIDES:
                problems.append(f"{BASELINE_FILE}:{lineno}: side {side!r} is not one of {sorted(SIDES)}")
                continue
            place_id = resolve_place(place)
            if not place_id:
                problems.append(f"{BASELINE_FILE}:{lineno}: place {place!r} is not in the gazetteer")
                continue
            rows.append(
                {"place_id": place_id, "place_text": place, "side": side, "as_of": as_of,
                 "source": (rec.get("source") or "").strip() or None}
            )
    return rows, problems
