"""Check helper: a check is a query for offending rows; it passes when there are none."""

from __future__ import annotations

import dagster as dg

from pipeline.assets.common import markdown_preview
from pipeline.resources import Warehouse


def offending_rows_check(
    warehouse: Warehouse,
    sql: str,
    explanation: str,
    *,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    params: list | None = None,
) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        frame = con.execute(f"select * from ({sql}) limit 1000", params or []).pl()
        total = con.execute(f"select count(*) from ({sql})", params or []).fetchone()[0]
    passed = total == 0
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        description=("OK: " if passed else f"{total} offending rows: ") + explanation,
        metadata={
            "n_offending": int(total),
            "sample": dg.MetadataValue.md(markdown_preview(frame, n=10)),
        },
    )
