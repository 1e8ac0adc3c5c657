import pytest

from pipeline.text.numbers import VAGUE_QUANTITIES, parse_number, parse_quantity, parse_range, parse_vague, to_km


@pytest.mark.parametrize("text, value", [
    ("7", 7), ("1,200", 1200), ("2.5 million", 2_500_000), ("seventeen", 17), ("forty-two", 42),
    ("a hundred", 100), ("three hundred and fifty", 350), ("12 thousand", 12_000), ("1.2m", 1_200_000),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["a", "third", "several", "HTS"])
def test_not_numbers(text):
    assert parse_number(text) is None


def test_vague_table_is_the_documented_convention():
    assert VAGUE_QUANTITIES["dozens"] == (24, 36, 99)
    q = parse_vague("tens of thousands")
    assert (q.low, q.best, q.high, q.vague) == (20_000, 30_000, 99_999, True)
    assert parse_vague("Scores of") is not None
    assert parse_quantity("hundreds").best == 300
    assert parse_quantity("40").vague is False


def test_ranges_and_units():
    assert parse_range("3-4") == (3, 4)
    assert parse_range("between 20 and 30") == (20, 30)
    assert parse_range("two to three thousand") == (2000, 3000)
    assert parse_range("30 to 20") is None
    assert to_km(6, "miles") == 9.7
    assert to_km(10, "kilometres") == 10
    assert to_km(3, "tanks") is None
