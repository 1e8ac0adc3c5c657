"""Idempotency: running the job again on unchanged input leaves every table byte-for-byte equal."""

from reliability.helpers import table_hashes


def test_a_second_run_on_unchanged_input_gives_identical_tables(hostile_build):
    assert hostile_build.result.success
    first = table_hashes(hostile_build.db)
    assert len(first) >= 15 and all(schema in {t.split(".")[0] for t in first} for schema in ("raw", "clean", "nlp", "warehouse"))
    second_result = hostile_build.run()
    assert second_result.success
    second = table_hashes(hostile_build.db)
    changed = {t: (first.get(t), second.get(t)) for t in first.keys() | second.keys() if first.get(t) != second.get(t)}
    # Timestamps included: ingested_at / detected_at keep the time a record was first seen.
    assert changed == {}
