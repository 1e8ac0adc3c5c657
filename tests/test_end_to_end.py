"""Materialise every asset on the seed articles into a temporary warehouse and check what the
articles state, end to end, through Dagster."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.definitions import defs
from pipeline.resources import NlpModel, SeedsConfig, Warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory, seeds_copy):
    root = tmp_path_factory.mktemp("e2e")
    db = str(root / "frontline.duckdb")
    resources = {
        "warehouse": Warehouse(database=db),
        "seeds": SeedsConfig(seeds_dir=str(seeds_copy)),
        "nlp_model": NlpModel(cache_dir=str(root / "cache")),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*defs.assets, *defs.asset_checks], resources=resources, instance=instance, raise_on_error=False
        )
    return result, db


@pytest.fixture(scope="module")
def con(built):
    _, db = built
    c = duckdb.connect(db, read_only=True)
    yield c
    c.close()


def test_run_succeeds_and_every_check_passes(built):
    result, _ = built
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 8
    failed = [(e.check_name, e.description) for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert failed == []


def test_every_table_is_non_empty(con):
    for table in [
        "raw.articles", "clean.articles", "clean.sentences", "nlp.entity_mentions", "nlp.claims", "nlp.figures",
        "warehouse.dim_place", "warehouse.dim_actor", "warehouse.dim_article", "warehouse.fact_control_event",
        "warehouse.control_daily", "warehouse.fact_figure",
    ]:
        assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table


def test_hama_held_by_opposition_on_dec_6_with_evidence_from_the_syrian_observer(con):
    row = con.execute(
        "select controller_side, evidence_event_id from warehouse.control_daily "
        "where place_id = 'hama' and date = DATE '2024-12-06'"
    ).fetchone()
    assert row is not None and row[0] == "opposition"
    evidence = con.execute(
        """
        select a.publisher, substr(a.body_text, c.start_char + 1, c.end_char - c.start_char) as evidence, s.text
        from warehouse.fact_control_event e, unnest(e.claim_ids) as u(claim_id)
        join nlp.claims c on c.claim_id = u.claim_id
        join clean.articles a on a.article_id = c.article_id
        join clean.sentences s on s.article_id = c.article_id and s.sentence_id = c.sentence_id
        where e.event_id = ?
        """,
        [row[1]],
    ).fetchall()
    publishers = {p for p, _, _ in evidence}
    assert "The Syrian Observer" in publishers
    for _, text, sentence in evidence:
        assert "Hama" in sentence and text in sentence


def test_salamiyah_captured_on_dec_5(con):
    rows = con.execute(
        "select side from warehouse.fact_control_event "
        "where place_id = 'salamiyah' and event = 'captured' and event_date = DATE '2024-12-05'"
    ).fetchall()
    assert ("opposition",) in rows


def test_displaced_50000_reported(con):
    n = con.execute("select count(*) from nlp.figures where metric = 'displaced' and value_best = 50000").fetchone()[0]
    assert n >= 1


def test_every_claim_offset_returns_text_inside_its_sentence(con):
    bad = con.execute(
        """
        select c.claim_id from nlp.claims c
        join clean.articles a using (article_id)
        join clean.sentences s on s.article_id = c.article_id and s.sentence_id = c.sentence_id
        where position(substr(a.body_text, c.start_char + 1, c.end_char - c.start_char) in s.text) = 0
           or c.start_char < s.start_char or c.end_char > s.end_char
        """
    ).fetchall()
    assert bad == []
    assert con.execute("select count(*) from nlp.claims").fetchone()[0] > 0


def test_warehouse_opens_in_the_duckdb_1_5_cli(built):
    """The design writes storage v1.5 so the newest CLI on the package index can read the file."""
    _, db = built
    cli = Path(sys.executable).with_name("duckdb")
    if not cli.exists():
        pytest.skip("duckdb-cli not installed in this environment")
    out = subprocess.run([str(cli), "-readonly", db, "-c", "select count(*) from warehouse.control_daily"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)


def test_worker_processes_inside_a_dagster_run_build_the_same_tables(built, tmp_path, seeds_copy, monkeypatch):
    """The clean and nlp steps fork workers when there is enough work (polars and DuckDB are
    already running threads in the run process by then); with the thresholds lowered the seeds
    take that path and must give the same rows as the one-process build."""
    import pipeline.text.corpus as text_corpus

    monkeypatch.setattr(text_corpus, "_MIN_ARTICLES_PER_WORKER", 1)
    monkeypatch.setenv("FRONTLINE_WORKER_TIMEOUT_S", "120")  # a deadlocked worker fails, not hangs
    db = str(tmp_path / "frontline.duckdb")
    resources = {
        "warehouse": Warehouse(database=db),
        "seeds": SeedsConfig(seeds_dir=str(seeds_copy)),
        "nlp_model": NlpModel(cache_dir=str(tmp_path / "cache"), batch_size=1, n_process=2),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize([*defs.assets, *defs.asset_checks], resources=resources, instance=instance)
    assert result.success
    nlp_meta = next(
        e.event_specific_data.materialization.metadata for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key.path == ["nlp", "entity_mentions"]
    )
    assert nlp_meta["docs_parsed"].value == 5
    queries = {
        "clean.articles": "select * exclude (clean_key) from clean.articles order by article_id",
        "clean.sentences": "select * from clean.sentences order by all",
        "nlp.entity_mentions": "select * from nlp.entity_mentions order by all",
        "nlp.claims": "select * from nlp.claims order by claim_id",
        "nlp.figures": "select * from nlp.figures order by figure_id",
    }
    with duckdb.connect(built[1], read_only=True) as one, duckdb.connect(db, read_only=True) as two:
        for table, sql in queries.items():
            assert one.execute(sql).fetchall() == two.execute(sql).fetchall(), table


def test_an_incremental_nlp_step_writes_only_changed_articles_rows_and_equals_a_full_build(
        built, tmp_path, seeds_copy, monkeypatch):
    import shutil

    import pipeline.assets.nlp as nlp_asset

    folder = tmp_path / "seeds"
    shutil.copytree(seeds_copy, folder)
    db = tmp_path / "frontline.duckdb"
    shutil.copy(built[1], db)
    shutil.copytree(Path(built[1]).parent / "cache", tmp_path / "cache")
    first = min(p.stem for p in folder.glob("*.txt"))
    (folder / "zz_new.txt").write_text(
        "Army retakes Suran\nSURAN (Example) - Government forces retook Suran from rebels on Tuesday, "
        "a military source told state media.\n", encoding="utf-8")
    edited = sorted(folder.glob("*.txt"))[1]
    edited.write_text(edited.read_text(encoding="utf-8").replace(" the ", " the very ", 1), encoding="utf-8")
    (folder / f"{first}.txt").unlink()
    (folder / f"{first}.json").unlink()
    written = []
    real_replace_rows = nlp_asset.replace_rows
    monkeypatch.setattr(nlp_asset, "replace_rows", lambda con, table, frame, column, values: written.append(
        (table, sorted(values), sorted(set(frame["article_id"])))) or real_replace_rows(con, table, frame, column, values))

    def build(database):
        resources = {
            "warehouse": Warehouse(database=str(database)),
            "seeds": SeedsConfig(seeds_dir=str(folder)),
            "nlp_model": NlpModel(cache_dir=str(tmp_path / "cache")),
        }
        with dg.instance_for_test() as instance:
            assert dg.materialize(defs.assets, resources=resources, instance=instance,
                                  selection=dg.AssetSelection.groups("raw", "clean", "nlp", "ref")).success

    build(db)
    assert sorted(t for t, _, _ in written) == ["nlp.article_state", "nlp.claims", "nlp.entity_mentions", "nlp.figures"]
    for table, stale, new in written:
        assert stale == sorted({"zz_new", edited.stem, first}), table
        assert set(new) <= {"zz_new", edited.stem}, table
    fresh = tmp_path / "fresh.duckdb"
    build(fresh)
    queries = {
        "nlp.article_state": "select * from nlp.article_state order by all",
        "nlp.entity_mentions": "select * from nlp.entity_mentions order by all",
        "nlp.claims": "select * from nlp.claims order by claim_id",
        "nlp.figures": "select * from nlp.figures order by figure_id",
    }
    with duckdb.connect(str(db), read_only=True) as one, duckdb.connect(str(fresh), read_only=True) as two:
        for table, sql in queries.items():
            assert one.execute(sql).fetchall() == two.execute(sql).fetchall(), table
