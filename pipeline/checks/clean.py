"""Checks on the clean layer."""

import dagster as dg

from pipeline.assets.common import POOL
from pipeline.checks.common import offending_rows_check
from pipeline.resources import Warehouse


@dg.asset_check(asset=["clean", "sentences"], blocking=True, pool=POOL,
                description="Every sentence's offsets return its text from clean.articles.body_text.")
def clean_sentence_offsets(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select s.article_id, s.sentence_id, s.start_char, s.end_char, s.text
        from clean.sentences s left join clean.articles a using (article_id)
        where a.article_id is null
           or s.start_char < 0 or s.end_char <= s.start_char
           or substr(a.body_text, s.start_char + 1, s.end_char - s.start_char) is distinct from s.text
        """,
        "sentences whose offsets do not return their text (or whose article is missing)",
    )


@dg.asset_check(asset=["clean", "articles"], blocking=True, pool=POOL,
                description="article_id unique; published_date_source in the vocabulary; duplicates point to existing articles.")
def clean_articles_keys(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select article_id, 'duplicate id' as problem from clean.articles group by article_id having count(*) > 1
        union all
        select article_id, 'bad published_date_source' from clean.articles
        where published_date_source not in ('metadata', 'text', 'unknown')
        union all
        select a.article_id, 'duplicate_of points nowhere' from clean.articles a
        left join clean.articles o on o.article_id = a.duplicate_of
        where a.duplicate_of is not null and o.article_id is null
        """,
        "key or vocabulary problems in clean.articles",
    )
