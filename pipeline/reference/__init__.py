"""Reference data: the Syria places gazetteer and the actor registry (no Dagster imports)."""

from pipeline.reference.actors import Actor, ActorRegistry, actors_frame, load_actor_registry
from pipeline.reference.gazetteer import (
    Gazetteer,
    Place,
    PlaceContext,
    Resolution,
    load_gazetteer,
    places_frame,
)
from pipeline.reference.normalise import normalise_name
from pipeline.reference.patterns import patterns_fingerprint, ruler_patterns

__all__ = [
    "Actor", "ActorRegistry", "Gazetteer", "Place", "PlaceContext", "Resolution",
    "actors_frame", "load_actor_registry", "load_gazetteer", "normalise_name",
    "patterns_fingerprint", "places_frame", "ruler_patterns",
]
