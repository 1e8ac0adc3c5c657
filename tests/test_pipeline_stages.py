"""The two-stage spaCy run: preset sentences, cached stage A, rules re-run on cached docs."""

import datetime as dt
import json

from pipeline.bench import simulated_edit
from pipeline.nlp.pipeline import ArticleText, DocCache, parse_articles

TEXT = "Army Pulls Back\nIDLIB (Example News) – Rebels captured Saraqib on Monday. The army withdrew to Hama."


def _article(article_id="a1", text=TEXT):
    first = text.index("\n")
    second = text.index("The army")
    return ArticleText(article_id, text, [(0, first), (first + 1, second - 1), (second, len(text))],
                       published=dt.date(2024, 12, 3), publisher="Example News")


def test_headline_is_its_own_sentence(nlp):
    [(_, doc)] = list(parse_articles(nlp, [_article()]))
    sents = [s.text.strip() for s in doc.sents]
    assert sents[0] == "Army Pulls Back"
    assert len(sents) == 3


def test_sentence_presets_start_at_the_first_token_of_each_clean_sentence(nlp):
    # bounds that start on whitespace, on a token, and past the last token
    text = "Rebels took Hama. Troops left   Homs on Friday. "
    second = text.index("Troops") - 1  # on the space after "Hama."
    doc = nlp.make_doc(text)
    doc._.sentence_bounds = [(second, len(text) - 1), (0, second), (len(text), len(text))]
    doc = nlp.get_pipe("frontline_sentences")(doc)
    assert [t.is_sent_start for t in doc] == [t.i == 0 or t.text == "Troops" for t in doc]
    parsed = nlp.get_pipe("parser")(nlp.get_pipe("tagger")(nlp.get_pipe("tok2vec")(doc)))
    assert [s.text.strip() for s in parsed.sents] == ["Rebels took Hama.", "Troops left   Homs on Friday."]


def test_cache_parses_once_and_identical_texts_once(nlp, tmp_path):
    cache = DocCache(tmp_path)
    out = list(parse_articles(nlp, [_article("a1"), _article("a2")], cache=cache))
    assert [a.article_id for a, _ in out] == ["a1", "a2"]
    assert (cache.misses, cache.hits) == (1, 0)
    again = DocCache(tmp_path)
    out2 = list(parse_articles(nlp, [_article("a1")], cache=again))
    assert (again.misses, again.hits) == (0, 1)
    # the cached doc gives the same entities and rule output as a fresh parse
    assert [(e.text, e.label_) for e in out2[0][1].ents] == [(e.text, e.label_) for e in out[0][1].ents]
    assert len(out2[0][1]._.claims) == len(out[0][1]._.claims)
    assert out2[0][1]._.article_id == "a1"


def test_changed_text_is_reparsed(nlp, tmp_path):
    cache = DocCache(tmp_path)
    list(parse_articles(nlp, [_article()], cache=cache))
    changed = _article(text=TEXT.replace("Monday", "Tuesday"))
    cache2 = DocCache(tmp_path)
    list(parse_articles(nlp, [changed], cache=cache2))
    assert cache2.misses == 1


def _varied(n: int) -> list[ArticleText]:
    towns = ["Saraqib", "Hama", "Homs", "Idlib", "Aleppo", "Maarat al-Numan"]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday"]
    return [
        _article(f"a{i:02d}", TEXT.replace("Saraqib", towns[i % len(towns)]).replace("Monday", days[i % len(days)])
                 + f" Some {100 + i} families fled.")
        for i in range(n)
    ]


def test_worker_processes_give_the_rows_of_one_process(nlp, tmp_path, monkeypatch):
    import pipeline.nlp.corpus as corpus
    from pipeline.nlp.corpus import analyse_documents

    monkeypatch.setattr(corpus, "ARTICLES_PER_WORKER", 1)  # a fresh worker for every chunk
    articles = _varied(9)
    serial = analyse_documents(nlp, articles, cache=DocCache(tmp_path / "one"), batch_size=2, n_process=1)
    cache = DocCache(tmp_path / "two")
    parallel = analyse_documents(nlp, articles, cache=cache, batch_size=2, n_process=2)
    assert parallel.claims.equals(serial.claims) and parallel.figures.equals(serial.figures)
    assert parallel.mentions.equals(serial.mentions) and parallel.n_tokens == serial.n_tokens
    assert set(serial.claims["article_id"]) == {a.article_id for a in articles}
    # the workers' cache counts come back, and what they parsed is on disk for the next run
    assert (cache.misses, cache.hits) == (9, 0)
    again = DocCache(tmp_path / "two")
    assert analyse_documents(nlp, articles, cache=again, batch_size=2, n_process=2).claims.equals(serial.claims)
    assert (again.misses, again.hits) == (0, 9)


def test_cached_entity_resolutions_replay_the_resolver_exactly(nlp, tmp_path, monkeypatch):
    import dataclasses

    from pipeline.nlp.corpus import analyse_documents
    from pipeline.nlp.pipeline import resolution_key

    articles = _varied(6)
    fresh = analyse_documents(nlp, articles, batch_size=2)  # no cache: the resolver runs on every doc
    first = DocCache(tmp_path)
    analyse_documents(nlp, articles, cache=first, batch_size=2)
    assert first.resolutions_reused == 0
    # a claim rule edit changes the rows' key, not the resolver's: resolutions replay, and the
    # claim rules run on them again
    replay = DocCache(tmp_path)
    with simulated_edit("pipeline.nlp.claims"):
        rows = analyse_documents(nlp, articles, cache=replay, batch_size=2)
    assert (replay.hits, replay.resolutions_reused, replay.claims_reused) == (6, 6, 0)
    for kind in ("mentions", "claims", "figures"):
        assert rows.frame(kind).equals(fresh.frame(kind)), kind
    assert rows.mentions["entity_id"].drop_nulls().len() > 0 and rows.claims.height > 0

    # metadata a resolver could read is part of the key; an unreadable file is resolved afresh
    moved = [dataclasses.replace(articles[0], published=dt.date(2024, 12, 9)), *articles[1:]]
    torn = resolution_key(DocCache.key(articles[1]), articles[1])
    [path] = tmp_path.rglob(f"resolved/*/{torn}.json")
    path.write_text("{not json")
    again = DocCache(tmp_path)
    assert analyse_documents(nlp, moved, cache=again, batch_size=2).mentions.equals(fresh.mentions)
    assert again.resolutions_reused == 4
    # a new extractor version (or a resolver or gazetteer edit) resolves every entity again
    monkeypatch.setenv("FRONTLINE_EXTRACTOR_VERSION", "another")
    every = DocCache(tmp_path)
    analyse_documents(nlp, articles, cache=every, batch_size=2)
    assert (every.hits, every.resolutions_reused) == (6, 0)


def test_mention_rows_carry_the_values_the_span_extensions_give(nlp):
    # the rows read the extension values from where spaCy keeps them (doc.user_data)
    from pipeline.nlp.corpus import KEPT_LABELS, analyse_documents

    articles = _varied(3)
    rows = analyse_documents(nlp, articles, batch_size=2).mentions
    expected = [
        (article.article_id, ent.label_, ent._.entity_id, ent._.resolution, ent._.resolution_score)
        for article, doc in parse_articles(nlp, articles) for ent in doc.ents if ent.label_ in KEPT_LABELS
    ]
    assert rows.select("article_id", "label", "entity_id", "resolution", "resolution_score").rows() == expected
    assert any(e[2] is not None for e in expected) and any(e[4] is not None for e in expected)


def test_an_edit_to_one_extractor_replays_the_other_from_the_cache(nlp, tmp_path):
    from pipeline.nlp.corpus import analyse_documents

    articles = _varied(6)
    fresh = analyse_documents(nlp, articles, batch_size=2)
    assert fresh.claims["event_date"].drop_nulls().len() > 0  # dates go through the JSON files
    assert fresh.figures["value_best"].drop_nulls().len() > 0
    analyse_documents(nlp, articles, cache=DocCache(tmp_path), batch_size=2)

    def rerun(*edited: str) -> DocCache:
        cache = DocCache(tmp_path)
        with simulated_edit(*edited):
            rows = analyse_documents(nlp, articles, cache=cache, batch_size=2)
        for kind in ("mentions", "claims", "figures"):
            assert rows.frame(kind).equals(fresh.frame(kind)), (edited, kind)
        return cache

    claims_edit, figures_edit = rerun("pipeline.nlp.claims"), rerun("pipeline.nlp.figures")
    assert (claims_edit.claims_reused, claims_edit.figures_reused) == (0, 6)
    assert (figures_edit.claims_reused, figures_edit.figures_reused) == (6, 0)
    # a module both import (the lemmas) runs both again; the resolver's output still replays
    shared = rerun("pipeline.nlp.lemmas")
    assert (shared.claims_reused, shared.figures_reused, shared.resolutions_reused) == (0, 0, 6)
    # nothing edited: both replay
    untouched = rerun()
    assert (untouched.claims_reused, untouched.figures_reused) == (6, 6)


def test_replayed_records_are_the_extracted_ones():
    from pipeline.nlp.types import Claim, Figure

    claim = Claim(3, 40, "captured", "Hama", "hama", event_date=dt.date(2024, 12, 5), extra={"rule": "x"})
    figure = Figure(0, 9, "killed", 10.0, 12.0, None, "range", event_date=None)
    for record in (claim, figure):
        row = json.loads(json.dumps(record.row(), default=str))
        assert type(record).from_row(row).row() == record.row()


def test_a_run_keeps_the_cache_fingerprints_it_started_with(nlp, tmp_path, monkeypatch):
    # workers compute nothing of their own: a rule file edited while a run goes on must not
    # split the run's cache files between two versions
    from pipeline.nlp.corpus import analyse_documents

    articles = _varied(4)
    cache = DocCache(tmp_path)
    cache.bind(nlp)
    monkeypatch.setenv("FRONTLINE_EXTRACTOR_VERSION", "edited while the run goes on")
    analyse_documents(nlp, articles, cache=cache, batch_size=2)
    monkeypatch.delenv("FRONTLINE_EXTRACTOR_VERSION")
    later = DocCache(tmp_path)
    analyse_documents(nlp, articles, cache=later, batch_size=2)
    assert (later.hits, later.resolutions_reused) == (4, 4)


def test_resolution_fingerprint_covers_every_module_the_resolver_imports():
    # the resolver's output is reused while RESOLUTION_MODULES are unchanged: a module it imports
    # that is missing there would let an edit to it replay stale resolutions
    import ast
    import importlib
    from pathlib import Path

    from pipeline.versioning import RESOLUTION_MODULES, RULE_MODULES

    seen, todo = set(), ["pipeline.nlp.entities"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse(Path(importlib.import_module(name).__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline."):
                todo.append(node.module)
    assert {m for m in seen if m.count(".") > 1} <= set(RESOLUTION_MODULES) <= set(RULE_MODULES)


def test_doc_files_give_the_doc_docbin_gives(nlp):
    import pytest
    from spacy.tokens import DocBin, Span, SpanGroup

    from pipeline.nlp.serialise import ATTRS, doc_from_bytes, doc_to_bytes

    [(_, doc)] = list(parse_articles(nlp, [_article()]))
    doc.spans["extra"] = SpanGroup(doc, name="extra", spans=[Span(doc, 0, 2, label="HEADLINE_BIT", kb_id="kb1")])
    doc.cats = {"conflict": 0.9}
    ours = doc_from_bytes(nlp.vocab, doc_to_bytes(doc))
    [theirs] = DocBin(docs=[doc]).from_bytes(DocBin(docs=[doc]).to_bytes()).get_docs(nlp.vocab)
    for other in (ours, theirs):
        assert (other.to_array(list(ATTRS)) == doc.to_array(list(ATTRS))).all()
        assert other.text == doc.text and other.to_json() == doc.to_json()
        assert [s.start for s in other.sents] == [s.start for s in doc.sents]
        assert [(e.start, e.end, e.label_, e.kb_id_, e.ent_id_) for e in other.ents] == \
            [(e.start, e.end, e.label_, e.kb_id_, e.ent_id_) for e in doc.ents]
        assert [(s.label_, s.kb_id_) for s in other.spans["extra"]] == [("HEADLINE_BIT", "kb1")]
        assert other.cats == {"conflict": 0.9}
    data = doc_to_bytes(doc)
    # the file carries every string it names: a vocabulary that never saw them reads it whole
    import spacy

    fresh = doc_from_bytes(spacy.blank("en").vocab, data)
    assert fresh.to_json() == doc.to_json() and [str(t.morph) for t in fresh] == [str(t.morph) for t in doc]
    assert [s.kb_id_ for s in fresh.spans["extra"]] == ["kb1"]
    with pytest.raises(ValueError, match="not a Frontline doc"):
        doc_from_bytes(nlp.vocab, DocBin(docs=[doc]).to_bytes())
    with pytest.raises(Exception):
        doc_from_bytes(nlp.vocab, data[: len(data) // 2])


def _never_returns(_item):
    import time

    time.sleep(60)


def test_a_stuck_worker_fails_with_a_message_instead_of_hanging(monkeypatch):
    import pytest

    from pipeline.parallel import WorkerTimeoutError, imap_forked

    monkeypatch.setenv("FRONTLINE_WORKER_TIMEOUT_S", "1")
    with pytest.raises(WorkerTimeoutError, match="no progress for 1 s"):
        list(imap_forked(_never_returns, [1, 2], n_process=2))


def _worker_dies_on_sigterm(_item):
    import signal

    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_workers_die_on_sigterm_whatever_handler_the_parent_has():
    """A forked worker inherits the parent's signal handlers; one that only records SIGTERM (as
    Dagster's run-time handlers do) kept a worker alive through Pool.terminate() and the run
    waited for it forever (seen once in the full test suite)."""
    import signal

    from pipeline.parallel import imap_forked

    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # records nothing, never exits
    try:
        assert list(imap_forked(_worker_dies_on_sigterm, [1, 2, 3, 4], n_process=2)) == [True] * 4
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_entity_index_gives_the_entities_span_ents_gives(nlp):
    from pipeline.nlp.spans import EntityIndex

    doc = nlp("Rebels of Hayat Tahrir al-Sham captured Hama on Thursday. Government forces withdrew "
              "to Homs, the army said. Russian jets struck Idlib and Saraqeb overnight.")
    index = EntityIndex(doc)
    assert index.all == doc.ents and len(doc.ents) >= 5
    spans = list(doc.sents) + [doc[a:b] for a in range(0, len(doc), 3) for b in range(a + 1, len(doc) + 1, 4)]
    for span in spans:
        assert [(e.start, e.end, e.label_) for e in index.within(span)] == \
            [(e.start, e.end, e.label_) for e in span.ents]
    for e in doc.ents:
        assert all(index.at[i] == e for i in range(e.start, e.end))


def test_doc_dates_remembers_nothing_that_changes_an_answer(nlp):
    import datetime as dt

    from pipeline.text.temporal import DocDates, governing_date, historical_context, sentence_date

    doc = nlp("The army said on Thursday that rebels captured Hama, which they last held in 1982. "
              "Yesterday government forces withdrew from Homs after fighting since 2011.")
    published = dt.date(2024, 12, 6)
    dates = DocDates(published)
    for _ in range(2):  # the second round answers from the memo
        for sent in doc.sents:
            assert dates.of_sentence(sent) == sentence_date(sent, published)
            for tok in sent:
                assert dates.governing(tok, sent) == governing_date(tok, published, sent=sent)
                assert dates.historical(tok, sent) == historical_context(tok, published, sent=sent)
    assert dates.governing(doc[7]) is not None  # "captured" is dated by "on Thursday"


def test_every_nlp_module_is_part_of_the_rules_fingerprint():
    # a module missing here would let an edit to it reuse stale nlp rows
    from pathlib import Path

    import pipeline.nlp
    from pipeline.versioning import RULE_MODULES

    modules = {f"pipeline.nlp.{p.stem}" for p in Path(pipeline.nlp.__file__).parent.glob("*.py") if p.stem != "__init__"}
    assert modules - set(RULE_MODULES) == set()


def test_free_heap_memory_goes_back_to_the_os_before_workers_fork():
    import platform
    import subprocess
    import sys

    import pytest

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    code = (
        "import psutil; from pipeline.parallel import release_free_memory\n"
        "rss = lambda: psutil.Process().memory_info().rss\n"
        "rows = [('x' * (600 + i % 50)) + str(i) for i in range(300_000)]\n"
        "del rows; before = rss(); release_free_memory(); print(before - rss())\n"
    )
    freed = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert freed > 100 * 2**20  # ~200 MB that glibc kept after the strings were freed


def test_doc_text_cuts_the_texts_span_text_gives(nlp):
    from pipeline.nlp.spans import TEXT_KEY, DocText

    text = "Rebels  took Hama.\n\nTroops\tleft Homs on Friday , SANA said.  \n"
    [(_, doc)] = list(parse_articles(nlp, [ArticleText("a1", text, [(0, 17), (19, len(text))])]))
    # the run hands the stage-B rules the article text; spaCy's tokenizer is lossless
    assert doc.user_data[TEXT_KEY] == text == doc.text
    texts = DocText(doc)
    for span in [*doc.sents, *doc.ents, doc[2:7], doc[0:0]]:
        assert texts.of(span) == span.text
    bare = nlp.make_doc(text)  # a doc no run has seen: the text is built from its tokens
    assert DocText(bare).text == text


def test_a_run_from_cached_docs_does_not_build_the_gazetteer_rulers(nlp, tmp_path):
    from pipeline.nlp.corpus import analyse_documents
    from pipeline.nlp.entities import RULER_NAME, entity_patterns_pending
    from pipeline.nlp.pipeline import build_nlp, model_fingerprint

    articles = _varied(4)
    eager = analyse_documents(nlp, articles, cache=DocCache(tmp_path), batch_size=2)
    # the parse kept the fingerprint under the version of what builds the patterns
    lazy = build_nlp(entity_patterns=False)
    assert entity_patterns_pending(lazy)
    cache = DocCache(tmp_path)
    rows = analyse_documents(lazy, articles, cache=cache, batch_size=2)
    assert entity_patterns_pending(lazy) and (cache.hits, cache.misses) == (4, 0)
    assert cache.fingerprint == model_fingerprint(nlp)
    for kind in ("mentions", "claims", "figures"):
        assert rows.frame(kind).equals(eager.frame(kind)), kind

    # a text not in the cache: the rulers are filled before the parse (for this text alone),
    # and find the same places
    new = [_article("b1", TEXT.replace("Saraqib", "Khan Shaykhun"))]
    parsed = analyse_documents(lazy, new, cache=cache, batch_size=2)
    assert 0 < len(lazy.get_pipe(RULER_NAME)) < len(nlp.get_pipe(RULER_NAME)) and cache.misses == 1
    assert parsed.mentions.equals(analyse_documents(nlp, new, batch_size=2).mentions)
    assert "Khan Shaykhun" in parsed.mentions["text"].to_list()

    # an edit to the code that builds the patterns: the kept fingerprint is not trusted, the
    # patterns are built and hashed again (here the same, so the cached docs stay valid)
    edited = build_nlp(entity_patterns=False)
    with simulated_edit("pipeline.reference.patterns"):
        assert model_fingerprint(edited, memo=tmp_path) == model_fingerprint(nlp)
    assert not entity_patterns_pending(edited)


def test_the_gazetteer_rulers_patterns_are_kept_beside_the_doc_cache(nlp, tmp_path):
    from pipeline.nlp.entities import NAMES_RULER_NAME, RULER_NAME
    from pipeline.nlp.pipeline import build_nlp, load_entity_patterns

    first = build_nlp(entity_patterns=False)
    assert load_entity_patterns(first, tmp_path) and not load_entity_patterns(first, tmp_path)
    [kept] = (tmp_path / "ruler-patterns").iterdir()
    # a later pipeline fills its rulers from the kept file, not by tokenising every name again
    kept.write_text(kept.read_text().replace('"Saraqib"', '"Saraqib Kept"'))
    second = build_nlp(entity_patterns=False)
    assert load_entity_patterns(second, tmp_path)
    names = {p["pattern"] for p in second.get_pipe(NAMES_RULER_NAME).patterns if isinstance(p["pattern"], str)}
    assert "Saraqib Kept" in names and "Saraqib" not in names

    # an edit to the code that builds them: a new key, built afresh, the same as without a memo
    with simulated_edit("pipeline.reference.patterns"):
        edited = build_nlp(entity_patterns=False)
        assert load_entity_patterns(edited, tmp_path)
    assert len(list((tmp_path / "ruler-patterns").iterdir())) == 2
    for name in (NAMES_RULER_NAME, RULER_NAME):
        assert edited.get_pipe(name).patterns == nlp.get_pipe(name).patterns, name

    # a torn file, one without both rulers' patterns, or without their tokens, is built again
    # and replaced
    whole = json.loads(kept.read_text())
    for broken in ('{"patterns": {"frontline_name_ruler": [', '{"patterns": {"frontline_name_ruler": []}}',
                   json.dumps({"patterns": whole["patterns"]}), json.dumps(whole["patterns"]),
                   json.dumps({**whole, "tokens": {n: t[:-1] for n, t in whole["tokens"].items()}})):
        kept.write_text(broken)
        torn = build_nlp(entity_patterns=False)
        assert load_entity_patterns(torn, tmp_path)
        assert torn.get_pipe(RULER_NAME).patterns == nlp.get_pipe(RULER_NAME).patterns
        rebuilt = json.loads(kept.read_text())
        assert set(rebuilt["patterns"]) == set(rebuilt["tokens"]) == {NAMES_RULER_NAME, RULER_NAME}


def test_the_doc_cache_key_covers_frontlines_stage_a_code_and_nothing_after_it(nlp, tmp_path):
    import types

    from pipeline.nlp.pipeline import STAGE_A_MODULES, STAGE_B, build_nlp, model_fingerprint

    # every stage-A component of Frontline's own (not spaCy's, not the model's) is listed
    own = {}
    for name in nlp.pipe_names:
        pipe = nlp.get_pipe(name)
        module = pipe.__module__ if isinstance(pipe, types.FunctionType) else type(pipe).__module__
        if name not in STAGE_B and module.startswith("pipeline."):
            own[nlp.get_pipe_meta(name).factory] = module
    assert own == STAGE_A_MODULES

    def fingerprint(*edited: str) -> str:
        with simulated_edit(*edited):
            return model_fingerprint(build_nlp(entity_patterns=False), memo=tmp_path)

    base = fingerprint()
    assert base == model_fingerprint(nlp)
    for module in STAGE_A_MODULES.values():
        assert fingerprint(module) != base, module  # docs parsed before the edit are not replayed
    # the rules and the cache's own code run after the parse: an edit there re-parses nothing
    assert fingerprint("pipeline.nlp.claims", "pipeline.nlp.entities", "pipeline.nlp.pipeline") == base


def test_pruning_the_cache_deletes_only_what_current_runs_never_read(nlp, tmp_path, monkeypatch, capsys):
    from pipeline.cache import main as prune
    from pipeline.nlp.corpus import analyse_documents

    articles = _varied(4)
    analyse_documents(nlp, articles, cache=DocCache(tmp_path), batch_size=2)
    with simulated_edit("pipeline.nlp.claims"):  # an earlier version of the claim rules
        analyse_documents(nlp, articles, cache=DocCache(tmp_path), batch_size=2)
    monkeypatch.setenv("FRONTLINE_EXTRACTOR_VERSION", "an earlier label")
    analyse_documents(nlp, articles, cache=DocCache(tmp_path), batch_size=2)
    monkeypatch.delenv("FRONTLINE_EXTRACTOR_VERSION")
    (tmp_path / "0123456789abcdef").mkdir()  # docs of an earlier model or stage-A code
    (tmp_path / "notes").mkdir()  # not the cache's own: left alone
    (tmp_path / "ruler-fingerprints" / "an-earlier-key").write_text("0123456789abcdef")

    cache = DocCache(tmp_path)
    stale = cache.stale(nlp)
    current = tmp_path / cache.fingerprint
    names = [str(p.relative_to(tmp_path)) for p in stale]
    assert tmp_path / "0123456789abcdef" in stale and tmp_path / "ruler-fingerprints" / "an-earlier-key" in stale
    assert len([p for p in stale if p.parent == current / "claims"]) == 2  # the edited rules' and the label's
    assert len([p for p in stale if p.parent == current / "figures"]) == 1  # the label's
    assert len([p for p in stale if p.parent == current / "resolved"]) == 1  # the label's
    assert len(stale) == 6, names
    assert all(current not in (p, *p.parents) or p.parent.name in ("claims", "figures", "resolved") for p in stale)

    model = f"{nlp.meta['lang']}_{nlp.meta['name']}"
    assert prune(["--cache-dir", str(tmp_path), "--model", model, "--dry-run"]) == 0
    assert "6 stale entries" in capsys.readouterr().out and all(p.exists() for p in stale)
    assert prune(["--cache-dir", str(tmp_path), "--model", model]) == 0
    assert not any(p.exists() for p in stale) and (tmp_path / "notes").is_dir()
    # what stays is everything a run of the current code reads
    rerun = DocCache(tmp_path)
    analyse_documents(nlp, articles, cache=rerun, batch_size=2)
    assert (rerun.hits, rerun.misses, rerun.resolutions_reused, rerun.claims_reused, rerun.figures_reused) == (4, 0, 4, 4, 4)
    assert DocCache(tmp_path).stale(nlp) == []


def _ents(doc):
    return [(e.start_char, e.end_char, e.label_, e._.entity_id) for e in doc.ents]


def test_a_small_parse_fills_the_gazetteer_rulers_for_its_own_texts_only(nlp, tmp_path, monkeypatch):
    import pipeline.nlp.pipeline as stages
    from pipeline.nlp.entities import NAMES_RULER_NAME, RULER_NAME, entity_patterns_pending
    from pipeline.nlp.pipeline import build_nlp, model_fingerprint

    def articles(*texts):
        return [ArticleText(f"f{i}", t, [(0, len(t))], dt.date(2024, 12, 2)) for i, t in enumerate(texts)]

    def parsed(pipeline, items, cache=None):
        return [doc for _, doc in parse_articles(pipeline, items, cache=cache)]

    def phrases(pipeline, ruler):
        return {p["pattern"] for p in pipeline.get_pipe(ruler).patterns}

    # names of several tokens, exact-case acronyms, upper case, names the tokenizer splits at a
    # hyphen or a possessive
    first = articles("HTS fighters entered Khan Shaykhun and the Hama countryside, the SDF said.",
                     "Shelling hit MAARAT AL-NUMAN and al-Bab; Hama's governor fled to Homs.")
    reference = parsed(nlp, first)
    assert {"Khan Shaykhun", "HTS fighters", "al-Bab", "MAARAT AL-NUMAN"} <= {e.text for d in reference for e in d.ents}

    DocCache(tmp_path).bind(build_nlp(entity_patterns=False))  # keeps the patterns and fingerprint
    small = build_nlp(entity_patterns=False)
    cache = DocCache(tmp_path)
    docs = parsed(small, first, cache)
    assert [_ents(d) for d in docs] == [_ents(d) for d in reference]
    assert [d.to_bytes(exclude=["user_data"]) for d in docs] == [d.to_bytes(exclude=["user_data"]) for d in reference]
    # only what these texts can match, still pending, and the docs kept under the full fingerprint
    assert entity_patterns_pending(small) and cache.misses == 2
    assert "khan shaykhun" in phrases(small, RULER_NAME) and "HTS" in phrases(small, NAMES_RULER_NAME)
    assert len(small.get_pipe(RULER_NAME)) < len(nlp.get_pipe(RULER_NAME)) / 10
    assert model_fingerprint(small, memo=tmp_path) == cache.fingerprint == model_fingerprint(nlp)

    # the next small parse fills them for its own text
    second = articles("Government forces retook Saraqib on Tuesday.")
    assert [_ents(d) for d in parsed(small, second, cache)] == [_ents(d) for d in parsed(nlp, second)]
    assert "Saraqib" in phrases(small, NAMES_RULER_NAME) and "HTS" not in phrases(small, NAMES_RULER_NAME)

    # a parse of more texts than that fills them in full
    monkeypatch.setattr(stages, "FEW_TEXTS", 1)
    parsed(small, articles("Rebels reached Suran.", "The army shelled Idlib."), cache)
    assert not entity_patterns_pending(small)
    for name in (NAMES_RULER_NAME, RULER_NAME):
        assert small.get_pipe(name).patterns == nlp.get_pipe(name).patterns, name
