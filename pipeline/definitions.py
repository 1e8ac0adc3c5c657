"""All of Frontline in one Definitions object: assets, checks, jobs, schedules, sensors, resources."""


import dagster as dg

from pipeline.assets import clean, nlp, raw, reference, reports, warehouse
from pipeline.automation import (
    all_assets_job,
    make_automation_sensor,
    make_daily_schedule,
    make_seeds_sensor,
)
from pipeline.checks import clean as clean_checks
from pipeline.checks import nlp as nlp_checks
from pipeline.checks import raw as raw_checks
from pipeline.checks import warehouse as warehouse_checks
from pipeline.resources import NlpModel, SeedsConfig, Warehouse
from pipeline.versioning import layer_code_versions


def build_definitions() -> dg.Definitions:
    """Every asset carries its group's code version as the code reads at this load of the code
    location, so an edited rule shows up, after a reload, as a changed code version, which the
    automation sensor acts on."""
    versions = layer_code_versions()
    assets = [
        a.map_asset_specs(lambda spec: spec.replace_attributes(code_version=versions[spec.group_name]))
        for a in dg.load_assets_from_modules([raw, clean, reference, nlp, warehouse, reports])
    ]
    return dg.Definitions(
        assets=assets,
        asset_checks=dg.load_asset_checks_from_modules([raw_checks, clean_checks, nlp_checks, warehouse_checks]),
        jobs=[all_assets_job],
        sensors=[make_seeds_sensor(all_assets_job), make_automation_sensor()],
        schedules=[make_daily_schedule(all_assets_job)],
        resources={
            "warehouse": Warehouse(),
            "seeds": SeedsConfig(),
            "nlp_model": NlpModel(),
        },
        # Every step opens the same DuckDB file, which admits one writer process: parallel steps
        # would only queue on its lock, and a process per step would re-import spaCy. One process runs them.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
