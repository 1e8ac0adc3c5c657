"""Checks on the clean layer: schema and keys, sentence offsets, duplicates and language coverage."""

import dagster as dg

from pipeline.checks.common import LayerChecks, load_config, offending_rows_check, python_contract, share_check
from pipeline.resources import Warehouse

checks = LayerChecks("clean")

CLEAN_ARTICLES = python_contract("clean.articles", keys=(("article_id",),), not_null=("article_id", "body_text"))
CLEAN_SENTENCES = python_contract(
    "clean.sentences",
    keys=(("article_id", "sentence_id"),),
    not_null=("article_id", "sentence_id", "start_char", "end_char"),
)

articles_schema = checks.schema(CLEAN_ARTICLES, name="clean_articles_schema")
sentences_schema = checks.schema(CLEAN_SENTENCES)


@checks.check(["clean", "sentences"], blocking=True,
                description="Every sentence's offsets return its text from clean.articles.body_text; "
                "kind is headline, heading or body.")
def clean_sentence_offsets(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select s.article_id, s.sentence_id, s.start_char, s.end_char, s.kind, s.text
        from clean.sentences s left join clean.articles a using (article_id)
        where a.article_id is null
           or s.start_char < 0 or s.end_char <= s.start_char or s.end_char > length(a.body_text)
           or substr(a.body_text, s.start_char + 1, s.end_char - s.start_char) is distinct from s.text
           or s.kind is null or s.kind not in ('headline', 'heading', 'body')
        """,
        "sentences whose offsets do not return their text (or whose article is missing, or whose kind is unknown)",
    )


@checks.check(["clean", "articles"], blocking=True,
                description="published_date_source in the vocabulary; duplicates point to existing articles.")
def clean_articles_keys(warehouse: Warehouse) -> dg.AssetCheckResult:
    return offending_rows_check(
        warehouse,
        """
        select article_id, 'bad published_date_source ' || coalesce(published_date_source, 'NULL') as problem
        from clean.articles
        where published_date_source is null or published_date_source not in ('metadata', 'text', 'unknown')
        union all
        select a.article_id, 'duplicate_of points nowhere: ' || a.duplicate_of from clean.articles a
        left join clean.articles o on o.article_id = a.duplicate_of
        where a.duplicate_of is not null and o.article_id is null
        union all
        select article_id, 'published_date_source metadata/text without a date' from clean.articles
        where published_date is null and published_date_source in ('metadata', 'text')
        """,
        "vocabulary or duplicate_of problems in clean.articles",
    )


@checks.check(["clean", "articles"],
                description="Warns when the share of duplicate articles exceeds FRONTLINE_CHECK_MAX_DUPLICATE_SHARE "
                "(default 25%): a scraper is likely fetching the same story twice.")
def clean_duplicate_share(warehouse: Warehouse) -> dg.AssetCheckResult:
    return share_check(
        warehouse,
        """
        select article_id, duplicate_of, publisher, title from clean.articles
        where duplicate_of is not null and duplicate_of <> article_id order by article_id
        """,
        "select count(*) from clean.articles",
        load_config().max_duplicate_share,
        "articles are duplicates of another article",
    )


@checks.check(["clean", "articles"],
                description="Warns when the share of non-English articles (kept but not parsed) exceeds "
                "FRONTLINE_CHECK_MAX_NON_ENGLISH_SHARE (default 0: any).")
def clean_non_english_share(warehouse: Warehouse) -> dg.AssetCheckResult:
    return share_check(
        warehouse,
        """
        select article_id, language, publisher, title from clean.articles
        where not coalesce(is_english, false) order by article_id
        """,
        "select count(*) from clean.articles",
        load_config().max_non_english_share,
        "articles are not in English and were not parsed",
    )


clean_checks = checks.definition()
