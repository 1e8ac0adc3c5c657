-- warehouse.dim_actor: the actor registry (ref.actors), with how often the claims name each actor.
CREATE OR REPLACE TABLE warehouse.dim_actor AS
WITH n AS (
    SELECT actor_id, count(*) AS n_claims
    FROM nlp.claims
    WHERE actor_id IS NOT NULL
    GROUP BY actor_id
)
SELECT a.actor_id, a.name, a.side, a.kind, a.aliases, coalesce(n.n_claims, 0) AS n_claims
FROM ref.actors AS a
LEFT JOIN n USING (actor_id)
ORDER BY a.actor_id;
