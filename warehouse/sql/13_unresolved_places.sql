-- warehouse.unresolved_places: places the gazetteer did not know, most frequent first, so a
-- curator can see which names to add to the supplement.
CREATE OR REPLACE TABLE warehouse.unresolved_places AS
WITH refs AS (
    -- every place reference with where it sits; a claim or figure usually repeats a mention,
    -- so only mentions count as n_mentions and the others are counted apart
    SELECT 'mention' AS kind, article_id, sentence_id, start_char, entity_id AS place_id
    FROM nlp.entity_mentions
    WHERE label = 'PLACE' AND entity_id IS NOT NULL
    UNION ALL
    SELECT 'claim', article_id, sentence_id, start_char, place_id FROM nlp.claims
    UNION ALL
    SELECT 'figure', article_id, sentence_id, start_char, place_id FROM nlp.figures
),
r AS (
    SELECT refs.*, a.canonical_article_id
    FROM refs
    JOIN warehouse.dim_place AS p USING (place_id)
    LEFT JOIN warehouse.dim_article AS a USING (article_id)
    WHERE NOT p.is_resolved
),
agg AS (
    SELECT
        place_id,
        count(*) FILTER (WHERE kind = 'mention') AS n_mentions,
        count(*) FILTER (WHERE kind = 'claim') AS n_claims,
        count(*) FILTER (WHERE kind = 'figure') AS n_figures,
        count(DISTINCT coalesce(canonical_article_id, article_id)) AS n_articles,
        -- the first reference in corpus order is the example, for a stable build
        first(article_id ORDER BY article_id, sentence_id, start_char, kind) AS example_article_id,
        first(sentence_id ORDER BY article_id, sentence_id, start_char, kind) AS example_sentence_id
    FROM r
    GROUP BY place_id
)
SELECT
    row_number() OVER (ORDER BY g.n_mentions DESC, g.n_articles DESC, g.n_claims DESC, g.place_id)
        AS rank,
    g.place_id,
    p.name,
    g.n_mentions,
    g.n_articles,
    g.n_claims,
    g.n_figures,
    s.text AS example_sentence,
    g.example_article_id,
    g.example_sentence_id,
    p.aliases AS surface_forms
FROM agg AS g
JOIN warehouse.dim_place AS p USING (place_id)
LEFT JOIN clean.sentences AS s
    ON s.article_id = g.example_article_id AND s.sentence_id = g.example_sentence_id
ORDER BY rank;
