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

all_assets = dg.load_assets_from_modules([raw, clean, reference, nlp, warehouse, reports])
all_checks = dg.load_asset_checks_from_modules([raw_checks, clean_checks, nlp_checks, warehouse_checks])


defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[all_assets_job],
    sensors=[make_seeds_sensor(all_assets_job), make_automation_sensor()],
    schedules=[make_daily_schedule(all_assets_job)],
    resources={
        "warehouse": Warehouse(),
        "seeds": SeedsConfig(),
        "nlp_model": NlpModel(),
    },
    # Every step opens the same DuckDB file, which admits one writer process: parallel steps would
    # only queue on its lock, and a process per step would re-import spaCy. One process runs them.
    executor=dg.in_process_executor,
)
