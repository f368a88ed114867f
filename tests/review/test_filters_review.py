"""Filters at their limits: depth, huge numbers, quotes, long value lists, raw ``where`` text."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from sage_async import FilterValueError, InvalidFilterError, SageError
from sage_async.filters import And, F, Where, parse
from sage_async.filters._ast import MAX_DEPTH
from sage_async.testing import Sandbox

from .conftest import sales


def alternating(levels: int) -> Where:
    """A tree of ``levels`` levels: AND and OR alternate, so nothing flattens."""
    expr: Where = F.a == 0
    for n in range(1, levels):
        expr = (expr & (F.b == n)) if n % 2 else (expr | (F.c == n))
    return expr


def test_the_deepest_tree_the_builder_allows_parses_back() -> None:
    """A tree of MAX_DEPTH levels renders, and its text parses back to the same tree."""
    expr = alternating(MAX_DEPTH)
    assert expr == parse(str(expr))


def test_one_level_more_is_refused_by_the_builder_and_the_parser() -> None:
    """A tree one level deeper is refused when built, and its text is refused when parsed."""
    with pytest.raises(FilterValueError):
        alternating(MAX_DEPTH + 1)
    deepest = alternating(MAX_DEPTH)
    other = "OR" if isinstance(deepest, And) else "AND"  # another operator: no flattening
    deeper = f"({deepest}) {other} c = 0"
    with pytest.raises(InvalidFilterError):
        parse(deeper)


@pytest.mark.parametrize("count", [1_000, 20_000])
def test_deep_parentheses_and_nots_are_refused_without_recursion_error(count: int) -> None:
    """Thousands of nested parentheses or NOTs give InvalidFilterError, never RecursionError."""
    for text in ("(" * count + "a = 1" + ")" * count, "NOT " * count + "a = 1"):
        with pytest.raises(InvalidFilterError):
            parse(text)


@pytest.mark.parametrize(
    "value",
    [10**5000, -(10**5000), Decimal("1e999999"), Decimal("NaN"), float("inf"), float("nan")],
    ids=["huge-int", "huge-negative", "huge-exponent", "decimal-nan", "inf", "nan"],
)
def test_unrenderable_numbers_are_filter_value_errors(value: object) -> None:
    """Numbers with no finite SQL literal of bounded length raise FilterValueError."""
    with pytest.raises(FilterValueError):
        F.id == value  # noqa: B015  (building the comparison is what raises)


def test_huge_number_text_is_refused_by_the_parser() -> None:
    """A 5000-digit literal in raw text is an InvalidFilterError, not a ValueError."""
    with pytest.raises(InvalidFilterError):
        parse("id = " + "9" * 5000)


@pytest.mark.parametrize(
    "text", ['name = "x"', "name = 'x'; DROP TABLE x", "name = 'x' -- c", "`name` = 'x'"]
)
def test_raw_text_that_sql_would_read_otherwise_is_refused(text: str) -> None:
    """Double-quoted strings, statement separators, comments and backticks are refused."""
    with pytest.raises(InvalidFilterError):
        parse(text)


@pytest.mark.parametrize("value", ["O'Brien", 'say "hi"', "''", "50% off", "é\u2028x"])
def test_quotes_in_values_round_trip(value: str) -> None:
    """Values holding quotes or odd characters render escaped and parse back equal."""
    expr = F.name == value
    assert expr == parse(str(expr))


async def test_raw_where_with_a_double_quoted_string_sends_nothing() -> None:
    """A Sales list given ``where='name = "x"'`` raises before any request is sent."""
    async with Sandbox(seed=1, sales_records=5) as sb:
        async with sales(sb) as client:
            with pytest.raises(SageError):
                await client.accounts.list(where='name = "x"')
        assert [] == [e for e in sb.log if e.api == "sales" and e.path != "/login"]


def test_in_of_thousands_of_ids_is_built_in_linear_time() -> None:
    """
    ``F.id.in_()`` of 4,000 ids (a batch of changed records) takes at most about 4 times as
    long as of 1,000 ids (a quadratic builder takes 16 times as long).
    """

    def timed(count: int) -> float:
        begun = time.monotonic()
        text = str(F.id.in_(range(count)))
        assert count - 1 == text.count(" OR ")
        return time.monotonic() - begun

    small, large = timed(1_000), timed(4_000)
    assert large < 8 * small + 0.05
