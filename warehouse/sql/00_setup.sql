-- Schema and the scalar macros every mart shares, so the certainty order and weights live in one
-- place (warehouse/README.md documents them).
CREATE SCHEMA IF NOT EXISTS warehouse;

-- Strongest first: a reporter's own statement outranks a named source, which outranks a party's
-- self-serving claim, which outranks a statement the text itself flags as unconfirmed. The last
-- three never support a change of control.
CREATE OR REPLACE MACRO warehouse.certainty_rank(c) AS
    CASE coalesce(c, 'asserted')
        WHEN 'asserted' THEN 1
        WHEN 'attributed' THEN 2
        WHEN 'claimed' THEN 3
        WHEN 'unverified' THEN 4
        WHEN 'denied' THEN 5
        WHEN 'negated' THEN 6
        WHEN 'hypothetical' THEN 7
        ELSE 8
    END;

CREATE OR REPLACE MACRO warehouse.certainty_label(r) AS
    CASE r
        WHEN 1 THEN 'asserted'
        WHEN 2 THEN 'attributed'
        WHEN 3 THEN 'claimed'
        WHEN 4 THEN 'unverified'
        WHEN 5 THEN 'denied'
        WHEN 6 THEN 'negated'
        WHEN 7 THEN 'hypothetical'
        ELSE 'unknown'
    END;

-- Probability-like weight of one publisher's claim; publishers combine as independent witnesses
-- (1 - prod(1 - w)). Values below 1 so that no amount of reporting reaches certainty.
CREATE OR REPLACE MACRO warehouse.certainty_weight(c) AS
    CASE coalesce(c, 'asserted')
        WHEN 'asserted' THEN 0.8
        WHEN 'attributed' THEN 0.7
        WHEN 'claimed' THEN 0.5
        WHEN 'unverified' THEN 0.4
        ELSE 0.0
    END;

CREATE OR REPLACE MACRO warehouse.supports_control(c) AS
    coalesce(c, 'asserted') IN ('asserted', 'attributed', 'claimed', 'unverified');

-- One publisher counted once however it is spelled in metadata ("Reuters", "www.reuters ").
CREATE OR REPLACE MACRO warehouse.publisher_key(p) AS
    coalesce(nullif(regexp_replace(lower(trim(p)), '^www\.', ''), ''), '(unknown)');
