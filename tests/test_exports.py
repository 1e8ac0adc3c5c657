"""Parquet and GeoJSON exports of the marts."""

import datetime as dt
import json

import duckdb
import polars as pl
import pytest

from pipeline.db import replace_table
from pipeline.exports import export_control_geojson, export_parquet


@pytest.fixture()
def con():
    c = duckdb.connect()
    replace_table(c, "warehouse.dim_place", pl.DataFrame({
        "place_id": ["saraqib", "unresolved:tell_x"], "name": ["Saraqib", "Tell X"],
        "feature_type": ["town", None], "governorate": ["Idlib", None],
        "lat": [35.8641, None], "lon": [36.8006, None],
    }))
    days = [dt.date(2025, 1, 1), dt.date(2025, 1, 2)]
    replace_table(c, "warehouse.control_daily", pl.DataFrame({
        "place_id": ["saraqib", "saraqib", "unresolved:tell_x"],
        "date": [days[0], days[1], days[1]],
        "controller_side": ["government", "opposition", "contested"],
        "status": ["reported", "confirmed", "reported"],
        "since_date": [days[0], days[1], days[1]],
        "confidence": [0.7, 0.91, 0.5],
        "evidence_event_id": ["e1", "e2", "e3"],
    }))
    yield c
    c.close()


def test_geojson_points_are_lon_lat_per_day_and_skip_places_without_coordinates(con, tmp_path):
    info = export_control_geojson(con, tmp_path)
    assert info == {"n_features": 2, "n_days": 2, "latest": "2025-01-02"}
    latest = json.loads((tmp_path / "control_latest.geojson").read_text())
    assert latest["type"] == "FeatureCollection"
    [feature] = latest["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [36.8006, 35.8641]}
    assert feature["properties"]["controller_side"] == "opposition"
    assert feature["properties"]["date"] == "2025-01-02"
    first_day = json.loads((tmp_path / "by_day" / "control_2025-01-01.geojson").read_text())
    assert [f["properties"]["controller_side"] for f in first_day["features"]] == ["government"]


def test_parquet_round_trips_and_is_byte_identical_across_builds(con, tmp_path):
    a = export_parquet(con, tmp_path / "a", ["warehouse.control_daily"])["warehouse.control_daily"]
    b = export_parquet(con, tmp_path / "b", ["warehouse.control_daily"])["warehouse.control_daily"]
    assert pl.read_parquet(a).height == 3
    assert a.read_bytes() == b.read_bytes()


def test_geojson_of_an_empty_warehouse_is_a_valid_empty_collection(con, tmp_path):
    con.execute("delete from warehouse.control_daily")
    assert export_control_geojson(con, tmp_path) == {"n_features": 0, "n_days": 0, "latest": None}
    empty = json.loads((tmp_path / "control_by_day.geojson").read_text())
    assert empty == {"type": "FeatureCollection", "name": "frontline_control_by_day", "features": []}
