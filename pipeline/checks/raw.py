"""Checks on the raw layer."""

import dagster as dg

from pipeline.assets.common import POOL
from pipeline.checks.common import offending_rows_check
from pipeline.resources import Warehouse


@dg.asset_check(asset=["raw", "articles"], blocking=True, pool=POOL,
                description="article_id is unique and not null; every active article has text and a hash.")
def raw_articles_keys(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select article_id, count(*) as n from raw.articles group by article_id
        having article_id is null or count(*) > 1
        union all
        select article_id, 1 from raw.articles
        where status = 'active' and (raw_text is null or content_sha256 is null)
        """,
        "duplicate or null article ids, or active articles without text",
    )


@dg.asset_check(asset=["raw", "rejected_files"], pool=POOL,
                description="Warns when files were rejected: each has a specific reason to act on.")
def raw_rejected_files_reported(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        "select source_path, reason from raw.rejected_files order by source_path",
        "files rejected at ingestion (see reasons)",
        severity=dg.AssetCheckSeverity.WARN,
    )
