"""Maps, timelines and the HTML report drawn from the warehouse (matplotlib, offline; no Dagster)."""

from pipeline.reports.maps import render_control_map

__all__ = ["render_control_map"]
