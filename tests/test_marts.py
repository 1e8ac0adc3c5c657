"""Rules of the warehouse marts, on small hand-made claim sets in an in-memory DuckDB."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import pytest

from pipeline.marts import MART_FILES, MART_TABLES, build_marts, sql_path

D = dt.date

INPUT_DDL = """
CREATE SCHEMA clean; CREATE SCHEMA nlp; CREATE SCHEMA ref;
CREATE TABLE clean.articles (
    article_id VARCHAR, title VARCHAR, publisher VARCHAR, published_date DATE,
    published_date_source VARCHAR, dateline VARCHAR, body_text VARCHAR, n_words INTEGER,
    duplicate_of VARCHAR, is_english BOOLEAN, url VARCHAR);
CREATE TABLE clean.sentences (
    article_id VARCHAR, sentence_id INTEGER, paragraph_id INTEGER, kind VARCHAR,
    start_char INTEGER, end_char INTEGER, text VARCHAR);
CREATE TABLE nlp.claims (
    claim_id VARCHAR, article_id VARCHAR, sentence_id INTEGER, start_char INTEGER,
    end_char INTEGER, event VARCHAR, actor_id VARCHAR, actor_text VARCHAR, side VARCHAR,
    place_id VARCHAR, place_text VARCHAR, event_date DATE, date_text VARCHAR,
    date_precision VARCHAR, attribution_text VARCHAR, certainty VARCHAR, extractor VARCHAR,
    is_historical BOOLEAN);
CREATE TABLE nlp.figures (
    figure_id VARCHAR, article_id VARCHAR, sentence_id INTEGER, start_char INTEGER,
    end_char INTEGER, metric VARCHAR, value_low DOUBLE, value_best DOUBLE, value_high DOUBLE,
    qualifier VARCHAR, unit VARCHAR, subject_text VARCHAR, side VARCHAR, place_id VARCHAR,
    event_date DATE, attribution_text VARCHAR, certainty VARCHAR, is_historical BOOLEAN);
CREATE TABLE nlp.entity_mentions (
    article_id VARCHAR, sentence_id INTEGER, start_char INTEGER, end_char INTEGER, text VARCHAR,
    label VARCHAR, entity_id VARCHAR, resolution VARCHAR);
CREATE TABLE ref.places (
    place_id VARCHAR, name VARCHAR, feature_type VARCHAR, governorate VARCHAR, district VARCHAR,
    lat DOUBLE, lon DOUBLE, geonames_id BIGINT, aliases VARCHAR[]);
CREATE TABLE ref.actors (
    actor_id VARCHAR, name VARCHAR, side VARCHAR, kind VARCHAR, aliases VARCHAR[]);
CREATE TABLE ref.baseline_control (place_id VARCHAR, side VARCHAR, as_of DATE, source VARCHAR);
INSERT INTO ref.places VALUES
  ('suran_hama', 'Suran', 'town', 'Hama', 'Hama', 35.29, 36.74, 163345, ['Souran', 'Soran']),
  ('hama', 'Hama', 'city', 'Hama', 'Hama', 35.13, 36.75, 170063, ['Hamah', 'Hamat']),
  ('halfaya', 'Halfaya', 'town', 'Hama', 'Mhardeh', 35.26, 36.61, NULL, ['Halfaya']),
  ('hama_governorate', 'Hama', 'governorate', 'Hama', NULL, 35.23, 37.2, 170016, ['Hama province']);
INSERT INTO ref.actors VALUES
  ('hts', 'Hayat Tahrir al-Sham', 'opposition', 'armed_group', ['HTS']),
  ('syrian_army', 'Syrian Arab Army', 'government', 'army', ['Syrian army']);
"""


class Corpus:
    """Writes hand-made articles, claims and figures; each claim gets its own sentence."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._ids = itertools.count(1)

    def article(self, article_id, publisher, published, duplicate_of=None, sentences=()):
        body = " ".join(sentences)
        self.con.execute(
            "INSERT INTO clean.articles VALUES (?, ?, ?, ?, 'metadata', NULL, ?, ?, ?, TRUE, ?)",
            [article_id, f"title {article_id}", publisher, published, body,
             len(body.split()), duplicate_of, f"https://example.org/{article_id}"],
        )
        pos = 0
        for i, text in enumerate(sentences):
            self.con.execute(
                "INSERT INTO clean.sentences VALUES (?, ?, 0, 'body', ?, ?, ?)",
                [article_id, i, pos, pos + len(text), text],
            )
            pos += len(text) + 1
        return article_id

    def claim(self, article_id, event, side, place_id, day, certainty="asserted",
              sentence_id=0, historical=False, place_text=None):
        claim_id = f"c{next(self._ids):03d}"
        start, end, text = self.con.execute(
            "SELECT start_char, end_char, text FROM clean.sentences "
            "WHERE article_id = ? AND sentence_id = ?", [article_id, sentence_id]
        ).fetchone() or (0, 0, "")
        self.con.execute(
            "INSERT INTO nlp.claims VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, NULL, "
            "'day', NULL, ?, 'test', ?)",
            [claim_id, article_id, sentence_id, start, end, event, side, place_id,
             place_text or place_id, day, certainty, historical],
        )
        return claim_id

    def figure(self, article_id, metric, low, best, high, side="unknown", place_id=None,
               day=None, historical=False, certainty="asserted"):
        figure_id = f"f{next(self._ids):03d}"
        self.con.execute(
            "INSERT INTO nlp.figures VALUES (?, ?, 0, 0, 1, ?, ?, ?, ?, 'exact', 'people', "
            "NULL, ?, ?, ?, NULL, ?, ?)",
            [figure_id, article_id, metric, low, best, high, side, place_id, day, certainty,
             historical],
        )
        return figure_id

    def baseline(self, place_id, side, as_of, source="analyst"):
        self.con.execute("INSERT INTO ref.baseline_control VALUES (?, ?, ?, ?)",
                         [place_id, side, as_of, source])

    def build(self, end=None, **kw):
        return build_marts(self.con, end, **kw)

    def daily(self, place_id):
        rows = self.con.execute(
            "SELECT date, controller_side, status, confidence, since_date, evidence_event_id "
            "FROM warehouse.control_daily WHERE place_id = ? ORDER BY date", [place_id]
        ).fetchall()
        return {r[0]: r[1:] for r in rows}


@pytest.fixture
def corpus():
    con = duckdb.connect()
    con.execute(INPUT_DDL)
    yield Corpus(con)
    con.close()


def _two_articles(c, pub_a="Reuters", pub_b="AP", day=D(2024, 12, 1)):
    a = c.article("a", pub_a, day, sentences=["Rebels captured Suran on Sunday."])
    b = c.article("b", pub_b, day, sentences=["The army took Suran back."])
    return a, b


def test_files_exist_and_build_empty_corpus(corpus):
    for name in MART_FILES:
        assert sql_path(name).is_file()
    counts = corpus.build()
    assert set(counts) == set(MART_TABLES)
    assert counts["control_daily"] == 0
    assert counts["dim_place"] == 4


def test_capture_then_withdrawal_of_the_captor(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 5),
                       sentences=["Rebels captured Suran on Monday.",
                                  "On Wednesday the rebels withdrew from Suran."])
    cap = corpus.claim(a, "captured", "opposition", "suran_hama", D(2024, 12, 2))
    corpus.claim(a, "withdrew", "opposition", "suran_hama", D(2024, 12, 4), sentence_id=1)
    corpus.build()
    days = corpus.daily("suran_hama")
    assert list(days) == [D(2024, 12, d) for d in range(2, 6)]
    assert days[D(2024, 12, 2)][:2] == ("opposition", "reported")
    assert days[D(2024, 12, 3)][:2] == ("opposition", "carried")
    assert days[D(2024, 12, 4)][:2] == ("contested", "reported")
    assert days[D(2024, 12, 4)][3] == D(2024, 12, 4)  # since_date restarts with the new state
    ev = corpus.con.execute(
        "SELECT claim_ids, n_publishers FROM warehouse.fact_control_event WHERE event = 'captured'"
    ).fetchone()
    assert ev == ([cap], 1)


def test_withdrawal_alone_is_contested(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Government forces pulled out of Hama."])
    corpus.claim(a, "withdrew", "government", "hama", D(2024, 12, 1))
    corpus.build()
    assert corpus.daily("hama")[D(2024, 12, 1)][:2] == ("contested", "reported")


def test_withdrawal_with_taker_in_same_article(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1),
                       sentences=["The army withdrew from Hama.", "Rebels entered Hama."])
    corpus.claim(a, "withdrew", "government", "hama", D(2024, 12, 1))
    corpus.claim(a, "entered", "opposition", "hama", D(2024, 12, 1), sentence_id=1)
    corpus.build()
    assert corpus.daily("hama")[D(2024, 12, 1)][:2] == ("opposition", "reported")


def test_withdrawal_and_capture_by_other_side_agree(corpus):
    a, b = _two_articles(corpus)
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.claim(b, "withdrew", "government", "hama", D(2024, 12, 1))
    corpus.build()
    assert corpus.daily("hama")[D(2024, 12, 1)][:2] == ("opposition", "reported")
    assert corpus.con.execute("SELECT count(*) FROM warehouse.control_disputes").fetchone()[0] == 0


def test_two_publishers_same_day_confirm(corpus):
    a, b = _two_articles(corpus)
    corpus.claim(a, "captured", "opposition", "suran_hama", D(2024, 12, 1))
    corpus.claim(b, "captured", "opposition", "suran_hama", D(2024, 12, 1), certainty="attributed")
    corpus.build()
    side, status, conf, *_ = corpus.daily("suran_hama")[D(2024, 12, 1)]
    assert (side, status) == ("opposition", "confirmed")
    assert conf == pytest.approx(1 - 0.2 * 0.3)
    n = corpus.con.execute("SELECT n_publishers, n_articles, certainty FROM warehouse.fact_control_event").fetchone()
    assert n == (2, 2, "asserted")


def test_only_claimed_certainty_gives_claimed(corpus):
    a, b = _two_articles(corpus)
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1), certainty="claimed")
    corpus.claim(b, "captured", "opposition", "hama", D(2024, 12, 1), certainty="unverified")
    corpus.build()
    assert corpus.daily("hama")[D(2024, 12, 1)][:2] == ("opposition", "claimed")


def test_conflicting_publishers_same_day_are_disputed(corpus):
    a, b = _two_articles(corpus)
    c = corpus.article("c", "AFP", D(2024, 12, 1), sentences=["Rebels hold Suran."])
    c1 = corpus.claim(a, "captured", "opposition", "suran_hama", D(2024, 12, 1))
    c2 = corpus.claim(b, "recaptured", "government", "suran_hama", D(2024, 12, 1))
    corpus.build()
    side, status, *_ = corpus.daily("suran_hama")[D(2024, 12, 1)]
    assert (side, status) == ("contested", "disputed")  # one publisher each: a tie
    dispute = corpus.con.execute(
        "SELECT place_id, date, sides, claim_ids, publishers FROM warehouse.control_disputes"
    ).fetchall()
    assert dispute == [("suran_hama", D(2024, 12, 1), ["government", "opposition"],
                        sorted([c1, c2]), ["ap", "reuters"])]
    # a second publisher for the opposition breaks the tie
    corpus.claim(c, "captured", "opposition", "suran_hama", D(2024, 12, 1))
    corpus.build()
    side, status, conf, *_ = corpus.daily("suran_hama")[D(2024, 12, 1)]
    assert (side, status) == ("opposition", "disputed")
    assert conf == pytest.approx((1 - 0.2 * 0.2) * 2 / 3)


def test_same_publisher_sequence_is_not_a_dispute(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1),
                       sentences=["Rebels stormed Halfaya at dawn.", "By evening the army had recaptured it."])
    corpus.claim(a, "captured", "opposition", "halfaya", D(2024, 12, 1))
    corpus.claim(a, "recaptured", "government", "halfaya", D(2024, 12, 1), sentence_id=1)
    corpus.build()
    assert corpus.daily("halfaya")[D(2024, 12, 1)][:2] == ("government", "reported")


@pytest.mark.parametrize("certainty,event", [
    ("hypothetical", "captured"), ("negated", "captured"), ("denied", "captured"),
    ("asserted", "attempted"), ("asserted", "entered"), ("asserted", "airstrike"),
    ("asserted", "besieged"), ("asserted", "advanced_to"),
])
def test_non_control_claims_change_nothing(corpus, certainty, event):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["The army holds Hama."])
    b = corpus.article("b", "AP", D(2024, 12, 3), sentences=["Rebels could take Hama."])
    corpus.claim(a, "captured", "government", "hama", D(2024, 12, 1))
    corpus.claim(b, event, "opposition", "hama", D(2024, 12, 3), certainty=certainty)
    corpus.build()
    days = corpus.daily("hama")
    assert days[D(2024, 12, 3)][:2] == ("government", "carried")
    assert days[D(2024, 12, 3)][3] == D(2024, 12, 1)


def test_non_control_claims_alone_give_no_calendar(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Jets struck Hama."])
    corpus.claim(a, "airstrike", "russia", "hama", D(2024, 12, 1))
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1), certainty="hypothetical")
    counts = corpus.build()
    assert counts["control_daily"] == 0
    assert counts["fact_control_event"] == 2


def test_historical_and_undated_claims_are_left_out(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels held Hama in 2012."])
    corpus.claim(a, "captured", "opposition", "hama", D(2012, 6, 1), historical=True)
    corpus.claim(a, "captured", "opposition", "hama", None)
    corpus.claim(a, "captured", "opposition", None, D(2024, 12, 1))
    counts = corpus.build()
    assert counts["control_claims"] == 0 and counts["control_daily"] == 0


def test_duplicate_article_adds_no_publisher(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels captured Hama."])
    b = corpus.article("b", "Mirror Site", D(2024, 12, 2), duplicate_of="a",
                       sentences=["Rebels captured Hama."])
    c = corpus.article("c", "Scraper", D(2024, 12, 2), duplicate_of="b",
                       sentences=["Rebels captured Hama."])
    for art in (a, b, c):
        corpus.claim(art, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.build()
    ev = corpus.con.execute(
        "SELECT n_claims, n_articles, n_publishers, publishers FROM warehouse.fact_control_event"
    ).fetchone()
    assert ev == (3, 1, 1, ["reuters"])
    assert corpus.daily("hama")[D(2024, 12, 1)][:2] == ("opposition", "reported")
    canon = corpus.con.execute(
        "SELECT list(canonical_article_id ORDER BY article_id) FROM warehouse.dim_article"
    ).fetchone()[0]
    assert canon == ["a", "a", "a"]


def test_publisher_spelling_counts_once(corpus):
    a, b = _two_articles(corpus, pub_a="Reuters", pub_b=" www.REUTERS ")
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.claim(b, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.build()
    assert corpus.daily("hama")[D(2024, 12, 1)][1] == "reported"


def test_baseline_seeds_state_before_first_article(corpus):
    corpus.baseline("hama", "government", D(2024, 11, 26))
    a = corpus.article("a", "Reuters", D(2024, 11, 29), sentences=["Rebels stormed Hama."])
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 11, 29))
    corpus.build()
    days = corpus.daily("hama")
    assert min(days) == D(2024, 11, 26)
    assert days[D(2024, 11, 26)][:2] == ("government", "reported")
    assert days[D(2024, 11, 28)][:2] == ("government", "carried")
    assert days[D(2024, 11, 28)][4] is None  # no event behind a baseline state
    assert days[D(2024, 11, 29)][:2] == ("opposition", "reported")


def test_baseline_alone_with_end_date(corpus):
    corpus.baseline("suran_hama", "government", D(2024, 11, 27))
    corpus.build(D(2024, 11, 30))
    days = corpus.daily("suran_hama")
    assert list(days) == [D(2024, 11, d) for d in range(27, 31)]
    assert {v[0] for v in days.values()} == {"government"}


def test_carry_forward_decays_without_gaps(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels captured Hama."])
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1))
    b = corpus.article("b", "AP", D(2024, 12, 3), sentences=["Rebels captured Suran."])
    corpus.claim(b, "captured", "opposition", "suran_hama", D(2024, 12, 3))
    corpus.build(D(2024, 12, 15), half_life_days=7)
    days = corpus.daily("hama")
    assert list(days) == [D(2024, 12, 1) + dt.timedelta(n) for n in range(15)]
    conf = [v[2] for v in days.values()]
    assert conf[0] == pytest.approx(0.8)
    assert conf[7] == pytest.approx(0.4)
    assert conf[14] == pytest.approx(0.2)
    assert all(x > y for x, y in zip(conf, conf[1:]))
    assert all(v[1] == "carried" and v[3] == D(2024, 12, 1) for v in list(days.values())[1:])
    assert len({v[4] for v in days.values()}) == 1  # the carried event id
    # with no end date the calendar ends at the last publication date
    corpus.con.execute("RESET VARIABLE control_end_date")
    corpus.build()
    assert max(corpus.daily("hama")) == D(2024, 12, 3)


def test_same_side_reconfirmation_keeps_since_date(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels captured Hama."])
    b = corpus.article("b", "AP", D(2024, 12, 4), sentences=["Rebels still control Hama after capturing it."])
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.claim(b, "captured", "opposition", "hama", D(2024, 12, 3))
    corpus.build()
    days = corpus.daily("hama")
    assert days[D(2024, 12, 3)][1] == "reported"
    assert days[D(2024, 12, 4)][3] == D(2024, 12, 1)


def test_fact_figure_merges_across_articles(corpus):
    a, b = _two_articles(corpus)
    c = corpus.article("c", "AP", D(2024, 12, 2), duplicate_of="b", sentences=["copy"])
    f1 = corpus.figure(a, "killed", 20, 25, 30, side="government", place_id="hama", day=D(2024, 12, 1))
    f2 = corpus.figure(b, "killed", 22, 40, 60, side="government", place_id="hama", day=D(2024, 12, 1))
    f3 = corpus.figure(c, "killed", 10, 30, None, side="government", place_id="hama", day=D(2024, 12, 1))
    corpus.figure(a, "displaced", None, 1000, None)  # no place, no date: its own row
    corpus.figure(b, "displaced", None, 3000, None)
    corpus.figure(a, "killed", 500, 500, 500, side="government", place_id="hama",
                  day=D(2024, 12, 1), historical=True)
    corpus.figure(b, "displaced", None, 10**6, None, certainty="hypothetical")
    corpus.build()
    rows = corpus.con.execute(
        "SELECT metric, is_historical, value_low, value_best, value_high, n_articles, "
        "n_publishers, figure_ids FROM warehouse.fact_figure ORDER BY metric, is_historical"
    ).fetchall()
    assert rows[0] == ("displaced", False, None, 2000.0, None, 2, 2, rows[0][7])
    assert rows[1] == ("killed", False, 10.0, 30.0, 60.0, 2, 2, sorted([f1, f2, f3]))
    assert rows[2][1:5] == (True, 500.0, 500.0, 500.0)
    assert len(rows) == 3


def test_unresolved_places_and_dim_place(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels captured Tal Foo.", "Tal Foo fell."])
    b = corpus.article("b", "AP", D(2024, 12, 1), sentences=["Tell Foo was taken."])
    pid = "unresolved:tal foo"
    for art, sid, text in ((a, 0, "Tal Foo"), (a, 1, "Tal Foo"), (b, 0, "Tell Foo")):
        corpus.con.execute(
            "INSERT INTO nlp.entity_mentions VALUES (?, ?, 0, 7, ?, 'PLACE', ?, 'unresolved')",
            [art, sid, text, pid])
    corpus.claim(a, "captured", "opposition", pid, D(2024, 12, 1), place_text="Tal Foo")
    corpus.build()
    place = corpus.con.execute(
        "SELECT name, feature_type, is_resolved, aliases FROM warehouse.dim_place WHERE place_id = ?",
        [pid]).fetchone()
    assert place == ("Tal Foo", None, False, ["Tal Foo", "Tell Foo"])
    row = corpus.con.execute(
        "SELECT place_id, name, n_mentions, n_articles, example_sentence FROM warehouse.unresolved_places"
    ).fetchone()
    assert row == (pid, "Tal Foo", 3, 2, "Rebels captured Tal Foo.")
    assert corpus.daily(pid)[D(2024, 12, 1)][0] == "opposition"


def test_macros_return_rows(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1),
                       sentences=["Rebels captured Souran on Sunday.", "Rebels captured Hama."])
    cid = corpus.claim(a, "captured", "opposition", "suran_hama", D(2024, 12, 1))
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 2), sentence_id=1)
    corpus.build(D(2024, 12, 3))
    on = corpus.con.execute(
        "SELECT place_id, controller_side, status, evidence_text, evidence_publisher "
        "FROM warehouse.control_on('2024-12-02')").fetchall()
    assert on == [("hama", "opposition", "reported", "Rebels captured Hama.", "Reuters"),
                  ("suran_hama", "opposition", "carried", "Rebels captured Souran on Sunday.", "Reuters")]
    hist = corpus.con.execute(
        "SELECT place_id, place_name, status FROM warehouse.place_history('  SOURAN ')").fetchall()
    assert hist == [("suran_hama", "Suran", s) for s in ("reported", "carried", "carried")]
    assert corpus.con.execute("SELECT count(*) FROM warehouse.place_history('hama')").fetchone()[0] == 2
    assert corpus.con.execute("SELECT count(*) FROM warehouse.place_history('suran')").fetchone()[0] == 3
    assert corpus.con.execute("SELECT count(*) FROM warehouse.place_history('Nowhere')").fetchone()[0] == 0
    event_id = corpus.con.execute(
        "SELECT evidence_event_id FROM warehouse.control_daily WHERE place_id = 'suran_hama' LIMIT 1"
    ).fetchone()[0]
    ev = corpus.con.execute(
        "SELECT claim_id, publisher, certainty, evidence_text FROM warehouse.evidence(?)",
        [event_id]).fetchall()
    assert ev == [(cid, "Reuters", "asserted", "Rebels captured Souran on Sunday.")]


def test_event_id_is_deterministic_and_builds_are_identical(corpus):
    a, b = _two_articles(corpus)
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.claim(b, "recaptured", "government", "hama", D(2024, 12, 2))
    corpus.figure(a, "killed", 1, 2, 3)
    corpus.build()
    snap = {t: corpus.con.execute(f"SELECT * FROM warehouse.{t}").fetchall() for t in MART_TABLES}
    corpus.build()
    assert snap == {t: corpus.con.execute(f"SELECT * FROM warehouse.{t}").fetchall() for t in MART_TABLES}
    expected = corpus.con.execute("SELECT md5('hama|2024-12-01|captured|opposition')").fetchone()[0]
    assert expected in {r[0] for r in snap["fact_control_event"]}


def test_build_runs_inside_callers_transaction(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels captured Hama."])
    corpus.claim(a, "captured", "opposition", "hama", D(2024, 12, 1))
    corpus.con.execute("BEGIN")
    corpus.build()
    corpus.con.execute("ROLLBACK")
    assert corpus.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'warehouse'").fetchone()[0] == 0


@pytest.mark.parametrize("claims,expected", [
    # a capture by an unnamed force: someone took it, nobody says who
    ([("a", "captured", "unknown")], ("unknown", "reported")),
    # fighting inside the town
    ([("a", "contested", "opposition")], ("contested", "reported")),
    # a named capture outranks both weaker readings of the same day
    ([("a", "contested", "government"), ("b", "captured", "opposition")], ("opposition", "reported")),
    ([("a", "captured", "unknown"), ("b", "captured", "government")], ("government", "reported")),
    # an unnamed capture agrees with a withdrawal
    ([("a", "captured", "unknown"), ("b", "withdrew", "government")], ("unknown", "reported")),
    # "the army withdrew" against "the army captured": the sources contradict each other
    ([("a", "withdrew", "government"), ("b", "captured", "government")], ("contested", "disputed")),
])
def test_day_rules(corpus, claims, expected):
    _two_articles(corpus)
    for art, event, side in claims:
        corpus.claim(art, event, side, "hama", D(2024, 12, 1))
    corpus.build()
    assert corpus.daily("hama")[D(2024, 12, 1)][:2] == expected


def test_readme_worked_example(corpus):
    r = corpus.article("r", "Reuters", D(2024, 12, 2), sentences=["Rebels captured Suran on Sunday."])
    a = corpus.article("a", "AP", D(2024, 12, 3), sentences=["Government forces withdrew from Suran."])
    s = corpus.article("s", "SANA", D(2024, 12, 4), sentences=["The army recaptured Suran."])
    f = corpus.article("f", "AFP", D(2024, 12, 4),
                       sentences=["Opposition fighters hold Suran, a commander said."])
    corpus.claim(r, "captured", "opposition", "suran_hama", D(2024, 12, 1))
    corpus.claim(a, "withdrew", "government", "suran_hama", D(2024, 12, 1))
    c3 = corpus.claim(s, "recaptured", "government", "suran_hama", D(2024, 12, 4), certainty="claimed")
    c4 = corpus.claim(f, "captured", "opposition", "suran_hama", D(2024, 12, 4), certainty="attributed")
    corpus.baseline("suran_hama", "government", D(2024, 11, 27))
    corpus.build(D(2024, 12, 6))
    got = [(d, v[0], v[1], round(v[2], 3), v[3]) for d, v in corpus.daily("suran_hama").items()]
    nov27, dec1 = D(2024, 11, 27), D(2024, 12, 1)
    assert got == [
        (nov27, "government", "reported", 0.9, nov27),
        (D(2024, 11, 28), "government", "carried", 0.815, nov27),
        (D(2024, 11, 29), "government", "carried", 0.738, nov27),
        (D(2024, 11, 30), "government", "carried", 0.669, nov27),
        (dec1, "opposition", "reported", 0.8, dec1),
        (D(2024, 12, 2), "opposition", "carried", 0.725, dec1),
        (D(2024, 12, 3), "opposition", "carried", 0.656, dec1),
        (D(2024, 12, 4), "opposition", "disputed", 0.35, dec1),
        (D(2024, 12, 5), "opposition", "carried", 0.317, dec1),
        (D(2024, 12, 6), "opposition", "carried", 0.287, dec1),
    ]
    assert corpus.con.execute(
        "SELECT place_id, date, sides, claim_ids, publishers FROM warehouse.control_disputes"
    ).fetchall() == [("suran_hama", D(2024, 12, 4), ["government", "opposition"], [c3, c4], ["afp", "sana"])]


def test_claims_about_an_area_are_events_but_never_control_states(corpus):
    a = corpus.article("a", "Reuters", D(2024, 12, 1), sentences=["Rebels secured northern Hama countryside."])
    corpus.claim(a, "captured", "opposition", "hama_governorate", D(2024, 12, 1))
    corpus.claim(a, "captured", "opposition", "halfaya", D(2024, 12, 1))
    corpus.build()
    events = corpus.con.execute(
        "SELECT place_id, control_bearing FROM warehouse.fact_control_event ORDER BY place_id").fetchall()
    assert events == [("halfaya", True), ("hama_governorate", False)]
    placed = {r[0] for r in corpus.con.execute("SELECT DISTINCT place_id FROM warehouse.control_daily").fetchall()}
    assert placed == {"halfaya"}
