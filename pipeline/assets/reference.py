"""Reference layer: the gazetteer, the actor registry and the optional control baseline."""


import dagster as dg

from pipeline.assets.common import OWNERS, POOL, downstream_condition, source_condition, table_metadata
from pipeline.reference.actors import actors_frame
from pipeline.reference.gazetteer import load_gazetteer, places_frame
from pipeline.resources import SeedsConfig, Warehouse, replace_table
from pipeline.tables import conform
from pipeline.text.baseline import read_baseline


def _ref_asset(name: str, description: str, **kwargs):
    return dg.asset(
        key=["ref", name], group_name="ref", description=description, kinds={"duckdb", "polars"},
        owners=OWNERS, pool=POOL,
        automation_condition=downstream_condition() if kwargs.get("deps") else source_condition(), **kwargs,
    )


@_ref_asset("places", "Syria gazetteer (GeoNames cities500, OpenSyria admin units, curated supplement) with aliases.")
def ref_places(warehouse: Warehouse) -> dg.MaterializeResult:
    frame = places_frame()
    with warehouse.write() as con:
        replace_table(con, "ref.places", frame)
    return dg.MaterializeResult(
        metadata=table_metadata("ref.places", frame, ["place_id", "name", "feature_type", "governorate", "lat", "lon"])
    )


@_ref_asset("actors", "Registry of armed actors (with side) and information sources, with aliases.")
def ref_actors(warehouse: Warehouse) -> dg.MaterializeResult:
    frame = actors_frame()
    with warehouse.write() as con:
        replace_table(con, "ref.actors", frame)
    return dg.MaterializeResult(metadata=table_metadata("ref.actors", frame, ["actor_id", "name", "side", "kind"]))


@_ref_asset(
    "baseline_control",
    "Who held which place before the first article, from the optional seeds/baseline_control.csv.",
    deps=[["ref", "places"]],
)
def ref_baseline_control(context: dg.AssetExecutionContext, seeds: SeedsConfig, warehouse: Warehouse):
    gazetteer = load_gazetteer()

    def resolve(text: str) -> str | None:
        found = gazetteer.resolve_place(text)
        return found.place_id if found else None

    rows, problems = read_baseline(seeds.path, resolve)
    for problem in problems:
        context.log.warning(problem)
    frame = conform("ref.baseline_control", rows)
    with warehouse.write() as con:
        replace_table(con, "ref.baseline_control", frame)
    return dg.MaterializeResult(
        metadata=table_metadata("ref.baseline_control", frame, problems=dg.MetadataValue.json(problems))
    )
