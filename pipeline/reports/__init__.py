"""Maps, timelines and the HTML report drawn from the warehouse (matplotlib Agg, offline; no Dagster)."""

from pipeline.reports.html_report import render_report
from pipeline.reports.maps import render_control_map
from pipeline.reports.timeline import render_timeline

__all__ = ["render_control_map", "render_report", "render_timeline"]
