-- warehouse.dim_article: one row per clean.articles row.
-- A copy (duplicate_of set) is mapped to its original through any chain of copies, so every
-- mart counts a copy's claims as the original's article and publisher.
CREATE OR REPLACE TABLE warehouse.dim_article AS
WITH RECURSIVE chain(article_id, canonical_article_id, depth) AS (
    SELECT article_id, article_id, 0
    FROM clean.articles
    WHERE duplicate_of IS NULL OR duplicate_of = article_id
    UNION ALL
    SELECT c.article_id, chain.canonical_article_id, chain.depth + 1
    FROM clean.articles AS c
    JOIN chain ON c.duplicate_of = chain.article_id
    WHERE c.duplicate_of <> c.article_id AND chain.depth < 50
),
canon AS (
    SELECT article_id, min(canonical_article_id) AS canonical_article_id
    FROM chain
    GROUP BY article_id
),
n_claims AS (
    SELECT article_id, count(*) AS n_claims FROM nlp.claims GROUP BY article_id
),
n_figures AS (
    SELECT article_id, count(*) AS n_figures FROM nlp.figures GROUP BY article_id
)
SELECT
    a.article_id,
    a.title,
    a.publisher,
    a.url,
    a.published_date,
    a.published_date_source,
    a.dateline,
    a.n_words,
    a.is_english,
    a.duplicate_of,
    a.duplicate_of IS NOT NULL AND a.duplicate_of <> a.article_id AS is_copy,
    -- a copy whose original is missing (or a cycle of copies) stands for itself
    coalesce(k.canonical_article_id, a.article_id) AS canonical_article_id,
    coalesce(o.publisher, a.publisher) AS canonical_publisher,
    warehouse.publisher_key(coalesce(o.publisher, a.publisher)) AS publisher_key,
    coalesce(nc.n_claims, 0) AS n_claims,
    coalesce(nf.n_figures, 0) AS n_figures
FROM clean.articles AS a
LEFT JOIN canon AS k USING (article_id)
LEFT JOIN clean.articles AS o ON o.article_id = k.canonical_article_id
LEFT JOIN n_claims AS nc USING (article_id)
LEFT JOIN n_figures AS nf USING (article_id)
ORDER BY a.article_id;
