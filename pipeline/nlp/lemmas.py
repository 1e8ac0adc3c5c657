"""Lemmas as the claim and figure rules compare them.

A module of its own, not part of claims.py, so the figure rules can use it without their cached
output depending on the claim rules' code (pipeline.versioning.extractor_version).
"""

from __future__ import annotations

from spacy.tokens import Token

# The small model's lemmatizer misses some irregular and prefixed past forms ("retook").
IRREGULAR_FORMS = {"retook": "retake", "retaken": "retake", "took": "take", "taken": "take",
                   "overran": "overrun", "fell": "fall", "fallen": "fall", "withdrew": "withdraw",
                   "withdrawn": "withdraw", "fled": "flee", "lost": "lose", "won": "win",
                   "struck": "strike", "stricken": "strike", "besieged": "besiege",
                   "recaptured": "recapture", "regained": "regain", "overrun": "overrun"}


def lemma(tok: Token) -> str:
    return IRREGULAR_FORMS.get(tok.lower_, tok.lemma_.lower())
