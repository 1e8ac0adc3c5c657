"""The benchmark command: corpus generation, and a small end-to-end run through its main function.

No timing assertions: the numbers depend on the machine; docs/performance.md records them.
"""

import json
import re

import pytest

from pipeline import bench

# N = 50 as the issue asks: below two batches of 64 the NLP step stays in one process, so the
# smoke run covers the serial path (tests/test_pipeline_stages.py covers the worker processes).
SMOKE_ARTICLES = 50


@pytest.fixture(scope="module")
def generator():
    return bench.CorpusGenerator(seed=0)


def test_articles_are_deterministic_and_independent_of_corpus_size(generator):
    again = bench.CorpusGenerator(seed=0)
    assert generator.article(7) == again.article(7)
    assert bench.CorpusGenerator(seed=1).article(7) != generator.article(7)


def test_variants_differ_and_keep_realistic_length(generator):
    texts = [generator.article(i)[0] for i in range(60)]
    assert len(set(texts)) == len(texts)
    seed_words = [len(" ".join(s.paragraphs).split()) for s in generator.seeds]
    for t in texts:
        assert min(seed_words) * 0.5 <= len(t.split()) <= max(seed_words) * 1.6


def test_dates_and_weekdays_shift_together_with_the_sidecar(generator):
    seed = generator.seeds[0]
    for i in range(0, 40, len(generator.seeds)):
        text, meta = generator.article(i)
        offset = (bench.dt.date.fromisoformat(meta["published"]) - seed.published).days
        for day in re.findall(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", " ".join(seed.paragraphs))[:1]:
            shifted = bench.WEEKDAYS[(bench.WEEKDAYS.index(day) + offset) % 7]
            assert shifted in text


def test_places_and_actors_are_substituted_from_the_reference_data(generator):
    base = " ".join(generator.seeds[0].paragraphs)
    texts = [generator.article(i)[0] for i in range(0, 50, len(generator.seeds))]
    assert any("Hama" not in t for t in texts)  # the seed's main city is swapped in some variants
    assert any(name in t for t in texts for name in generator.targets["populated"] if name not in base)
    assert len({generator.article(i)[1]["publisher"] for i in range(50)}) > 10


def test_write_corpus_writes_distinct_files_with_sidecars(tmp_path, generator):
    paths = bench.write_corpus(tmp_path, 8, generator=generator)
    more = bench.write_corpus(tmp_path, 1, start=8, generator=generator)
    files = sorted(tmp_path.glob("*.txt"))
    assert len(files) == 9 and more[0].name == "bench_000008.txt"
    assert len({f.read_text() for f in files}) == 9
    for p in paths:
        meta = json.loads(p.with_suffix(".json").read_text())
        assert set(meta) == {"url", "publisher", "published"}


def test_smoke_run_prints_json_with_sane_values(tmp_path, capsys):
    args = ["--articles", str(SMOKE_ARTICLES), "--json", "--workdir", str(tmp_path), "--reports", "skip", "--repeat", "2"]
    code = bench.main(args)
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    keys = ["articles", "floor_s", "floor_as_run_s", "pipeline_s", "ratio", "ratio_as_run", "incremental_s", "rules_only_s", "rules_only_full_job_s",
            "rules_only_all_s", "sql_s", "peak_rss_mb", "peak_pss_mb"]
    assert set(keys) <= set(out)
    assert out["articles"] == SMOKE_ARTICLES
    for key in keys[1:]:
        assert out[key] > 0, key
    assert out["pipeline_docs_parsed"] == SMOKE_ARTICLES
    # (g) covers Frontline's runs, not the bare-spaCy floor, which is reported on its own
    assert out["peak_rss_mb"] >= out["peak_rss_pipeline_mb"] > 0 and out["peak_pss_floor_mb"] > 0
    assert out["peak_pss_mb"] <= out["peak_rss_mb"]
    assert out["incremental_docs_parsed"] == 1
    # (d) and (e) ran twice each (each (d) run adds an article); the median run is the slower
    assert out["repeat"] == 2 and len(out["incremental_samples_s"]) == len(out["rules_only_samples_s"]) == 2
    assert out["incremental_s"] == max(out["incremental_samples_s"])
    assert out["rules_only_s"] == max(out["rules_only_samples_s"])
    # how fast the host was before each measurement, for reading (c)-(e) on a shared machine
    probes = out["host_probe_ms"]
    assert probes["floor"] > 0 and probes["pipeline"] > 0
    assert len(probes["incremental"]) == len(probes["rules_only"]) == 2 and min(probes["incremental"]) > 0
    assert "host probe before a / b / d / e" in bench.format_table(out)
    assert out["tokens"] > SMOKE_ARTICLES * 100
    # a rule edit rebuilds the nlp layer and what follows it, with their checks; not raw or clean
    for steps in (out["rules_only_steps"], out["rules_only_all_steps"]):
        assert {"nlp_layer", "nlp_checks", "warehouse_marts", "warehouse_checks", "warehouse__exports"} <= set(steps)
        assert not {"raw_layer", "clean_layer", "ref__places"} & set(steps)
    assert {"raw_layer", "clean_layer", "nlp_layer"} <= set(out["rules_only_full_job_steps"])


def test_peak_memory_counts_shared_pages_of_forked_workers_once():
    import multiprocessing as mp
    import time

    ballast = bytearray(200 * 2**20)  # 200 MB in the parent, shared with the forked child
    ballast[::4096] = b"x" * len(ballast[::4096])
    child = mp.get_context("fork").Process(target=time.sleep, args=(3,))
    child.start()
    try:
        time.sleep(0.5)
        with bench.PeakRss(interval_s=0.1) as rss:
            time.sleep(0.5)
    finally:
        child.terminate()
        child.join()
    # RSS counts the 200 MB in both processes, PSS splits it between them
    assert rss.peak - rss.peak_pss > 150 * 2**20
    assert rss.peak_pss > 200 * 2**20
    del ballast
