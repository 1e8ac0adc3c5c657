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


# One GeoJSON Feature per place and day, encoded by DuckDB: a feature per line, ready to join into
# collections (building them as Python dicts and encoding each took most of the exports' time).
_CONTROL_FEATURES = """
    select c.date, to_json({
        'type': 'Feature',
        'geometry': {'type': 'Point', 'coordinates': [round(p.lon, 6), round(p.lat, 6)]},
        'properties': {
            'place_id': c.place_id, 'name': p.name, 'feature_type': p.feature_type,
            'governorate': p.governorate, 'date': c.date, 'controller_side': c.controller_side,
            'status': c.status, 'since_date': c.since_date, 'confidence': round(c.confidence, 4),
            'evidence_event_id': c.evidence_event_id
        }
    })::varchar as feature
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


def export_control_geojson(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, object]:
    """control_latest.geojson, control_by_day.geojson (all days) and by_day/control_<date>.geojson."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # One feature per line: diffable and greppable; each line is reused in the all-days file
    # and in its day's file.
    rows = con.execute(_CONTROL_FEATURES).fetchall()
    lines = [feature for _, feature in rows]
    by_day: dict[dt.date, list[str]] = {}
    for day, feature in rows:
        by_day.setdefault(day, []).append(feature)
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
