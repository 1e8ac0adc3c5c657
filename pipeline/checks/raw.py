"""Checks on the raw layer: schema and keys, rejected files, freshness."""

import datetime as dt

import dagster as dg

from pipeline.checks.common import (
    SCHEDULE_TAG,
    WARN,
    LayerChecks,
    load_config,
    offending_rows_check,
    python_contract,
    run_tags,
    utc_now,
)
from pipeline.resources import Warehouse

checks = LayerChecks("raw")

RAW_ARTICLES = python_contract(
    "raw.articles", keys=(("article_id",),), not_null=("article_id", "source_path", "status")
)
# One file can fail for several reasons over time (e.g. a JSONL with two bad lines): the reason is
# part of the grain.
RAW_REJECTED_FILES = python_contract(
    "raw.rejected_files", keys=(("source_path", "reason"),), not_null=("source_path", "reason")
)

articles_schema = checks.schema(RAW_ARTICLES, name="raw_articles_schema")
rejected_files_schema = checks.schema(RAW_REJECTED_FILES)


@checks.check(["raw", "articles"], blocking=True,
                description="Every active article has text and a content hash; status is active or removed.")
def raw_articles_keys(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select article_id, status, 'active article without text or hash' as problem from raw.articles
        where status = 'active' and (raw_text is null or content_sha256 is null)
        union all
        select article_id, status, 'status not active/removed' from raw.articles
        where status is null or status not in ('active', 'removed')
        """,
        "active articles without text, or statuses outside active/removed",
    )


@checks.check(["raw", "rejected_files"],
                description="Warns when more files than FRONTLINE_CHECK_MAX_REJECTED_FILES (default 0) were "
                "rejected: each has a specific reason to act on.")
def raw_rejected_files_reported(warehouse: Warehouse) -> dg.AssetCheckResult:
    limit = load_config().max_rejected_files
    return offending_rows_check(
        warehouse,
        """
        select source_path, reason, detected_at from raw.rejected_files
        where (select count(*) from raw.rejected_files) > ?
        order by source_path
        """,
        f"files rejected at ingestion beyond the {limit} allowed (see reasons)",
        severity=WARN,
        params=[limit],
    )


def freshness_result(
    warehouse: Warehouse, tags: dict[str, str], now: dt.datetime | None = None
) -> dg.AssetCheckResult:
    """WARN when a scheduled run finds no article ingested within FRONTLINE_CHECK_FRESHNESS_HOURS."""
    hours = load_config().freshness_hours
    if SCHEDULE_TAG not in tags:
        # A manual run on an old corpus (the seeds) is not a stale feed; only the schedule expects news.
        return dg.AssetCheckResult(
            passed=True, severity=WARN,
            description="Skipped: freshness is judged on scheduled runs only (no dagster/schedule_name tag).",
            metadata={"scheduled": False, "freshness_hours": hours},
        )
    now = now or utc_now()
    cutoff = now - dt.timedelta(hours=hours)
    return offending_rows_check(
        warehouse,
        """
        select max(ingested_at) as newest_ingested_at, count(*) as n_articles, ? as cutoff
        from raw.articles
        having max(ingested_at) is null or max(ingested_at) < ?
        """,
        f"stale feed: no article ingested in the last {hours:g} hours (schedule {tags[SCHEDULE_TAG]})",
        severity=WARN,
        ok_description=f"OK: articles ingested within the last {hours:g} hours",
        params=[cutoff, cutoff],
        metadata={"scheduled": True, "freshness_hours": hours},
    )


@checks.check(["raw", "articles"],
                description="On scheduled runs, warns when no article was ingested within "
                "FRONTLINE_CHECK_FRESHNESS_HOURS (default 48).")
def raw_articles_freshness(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    return freshness_result(warehouse, run_tags(context))


raw_checks = checks.definition()
