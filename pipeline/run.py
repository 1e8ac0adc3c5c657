"""`make run`: materialise every asset and check, then print a short summary."""


import os
import sys

import dagster as dg

from pipeline.definitions import defs
from pipeline.resources import Warehouse


def summarise(warehouse: Warehouse) -> dict[str, int]:
    queries = {
        "articles": "select count(*) from clean.articles",
        "rejected files": "select count(*) from raw.rejected_files",
        "claims": "select count(*) from nlp.claims",
        "figures": "select count(*) from nlp.figures",
        "places with control evidence": "select count(distinct place_id) from warehouse.control_daily",
        "control rows": "select count(*) from warehouse.control_daily",
        "unresolved place names": "select count(*) from warehouse.unresolved_places",
    }
    with warehouse.connect(read_only=True) as con:
        return {label: con.execute(sql).fetchall()[0][0] for label, sql in queries.items()}


def main() -> int:
    job = defs.resolve_job_def("frontline_all")
    with dg.DagsterInstance.get() as instance:
        # Step-by-step DEBUG events go to the run's event log (the UI); the terminal gets warnings
        # unless FRONTLINE_LOG_LEVEL asks for more (e.g. DEBUG to follow every step).
        log_level = os.environ.get("FRONTLINE_LOG_LEVEL", "WARNING").upper()
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    warehouse = Warehouse()
    print(f"\nFrontline build: {'succeeded' if result.success else 'FAILED'} -> {warehouse.database}")
    if result.success:
        for label, n in summarise(warehouse).items():
            print(f"  {label:<30} {n:>7}")
    print(f"  {'checks passed':<30} {len(checks) - len(failed):>7}")
    print(f"  {'checks failed':<30} {len(failed):>7}")
    for c in failed:
        print(f"    - {c.asset_key.to_user_string()}:{c.check_name} ({c.severity.value}): {c.description}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
