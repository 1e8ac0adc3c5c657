"""File exports of the marts: Parquet per table and GeoJSON of daily control (no Dagster).

GeoJSON follows RFC 7946 (lon/lat order, WGS84), one Point feature per place and day, so QGIS
loads it as a layer and kepler.gl can animate it on the `date` property.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb

from pipeline.db import fetch_frame

_CONTROL_POINTS = """
    select c.place_id, p.name, p.feature_type, p.governorate, p.lat, p.lon,
           c.date, c.controller_side, c.status, c.since_date, c.confidence, c.evidence_event_id
    from warehouse.control_daily c
    join warehouse.dim_place p using (place_id)
    where p.lat is not null and p.lon is not null
    order by c.date, c.place_id
"""


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, tables: list[str]) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for table in tables:
        path = out_dir / f"{table.replace('.', '__')}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        # The relation API takes the path as an argument: no SQL is assembled from it. Sorting by
        # every column makes the file identical from one build to the next.
        rel = con.table(table)
        rel.order(", ".join(f'"{c}"' for c in rel.columns)).write_parquet(str(tmp))
        os.replace(tmp, path)
        written[table] = path
    return written


def _feature(row: dict) -> dict:
    props = {k: v for k, v in row.items() if k not in ("lat", "lon")}
    for k, v in props.items():
        if isinstance(v, dt.date):
            props[k] = v.isoformat()
        elif isinstance(v, float):
            props[k] = round(v, 4)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]},
        "properties": props,
    }


def export_control_geojson(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, object]:
    """control_latest.geojson, control_by_day.geojson (all days) and by_day/control_<date>.geojson."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = fetch_frame(con, _CONTROL_POINTS).to_dicts()
    # One feature per line: diffable and greppable, and json's C encoder (any `indent` falls back
    # to the pure-Python one, which took most of this asset's time). Each feature is encoded
    # once and its line reused in the all-days file and in its day's file.
    lines = [json.dumps(_feature(r), ensure_ascii=False) for r in rows]
    by_day: dict[dt.date, list[str]] = {}
    for line, r in zip(lines, rows):
        by_day.setdefault(r["date"], []).append(line)
    days = sorted(by_day)
    latest = days[-1] if days else None

    def collection(feature_lines: list[str], name: str) -> str:
        body = ",\n".join(feature_lines)
        head = json.dumps({"type": "FeatureCollection", "name": name}, ensure_ascii=False)[:-1]
        return f'{head}, "features": [\n{body}\n]}}\n'

    _write_atomic(out_dir / "control_by_day.geojson", collection(lines, "frontline_control_by_day"))
    _write_atomic(out_dir / "control_latest.geojson", collection(by_day.get(latest, []), f"frontline_control_{latest}"))
    per_day = out_dir / "by_day"
    per_day.mkdir(exist_ok=True)
    for day in days:
        _write_atomic(per_day / f"control_{day.isoformat()}.geojson", collection(by_day[day], f"frontline_control_{day}"))
    return {"n_features": len(lines), "n_days": len(days), "latest": latest.isoformat() if latest else None}
