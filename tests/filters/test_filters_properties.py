"""Property-based tests: render -> parse round trips, and no value can change a filter's shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sage_async._errors import FilterValueError, InvalidFilterError
from sage_async.filters import (
    And,
    Comparison,
    F,
    Field,
    Literal,
    Not,
    NullCheck,
    Or,
    Where,
    compile_predicate,
    parse,
)
from sage_async.filters._ast import MAX_DEPTH


FAST = settings(max_examples=200, deadline=None)

KEYWORDS = {"AND", "OR", "NOT", "LIKE", "IS", "NULL"}

HOSTILE = [
    "' OR 1=1 --",
    "'; DROP TABLE accounts; --",
    "x' OR 'a'='a",
    "''",
    "'",
    '"',
    '" OR ""="',
    "\\",
    "\\\\",
    "a\\b",
    "\\x27",
    "%' AND name LIKE '%",
    ") OR (1=1",
    "\n",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\u2019 OR \u02bc1\u02bc=\u02bc1",
    "\uff07 OR 1=1",
    "日本語",
    "🙂",
    "é",
    "NULL",
    "/* */",
    "a\x00b",
    "end\\",
    "\\'",
    "\\\n",
]

field_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda name: name.upper() not in KEYWORDS
)
strings = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=30), st.text("'\"\\%_[] \n-;", max_size=12)
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1, 1, 2),
    max_value=dt.datetime(9999, 12, 30),
    timezones=st.sampled_from(
        [
            dt.UTC,
            dt.timezone(dt.timedelta(hours=-5)),
            dt.timezone(dt.timedelta(hours=5, minutes=30)),
        ]
    ),
)
values = st.one_of(
    strings,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=10**990, max_value=10**1010).map(lambda n: n * (-1) ** (n % 2)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.builds(  # long digit strings and huge exponents, up to 10**100000000
        lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
        st.from_regex(r"-?[1-9][0-9]{0,1100}", fullmatch=True),
        st.one_of(st.integers(-1200, 1200), st.integers(-(10**8), 10**8)),
    ),
    st.booleans(),
    st.dates(),
    aware_datetimes,
)


def _safe(build: Callable[..., Where], *args: object) -> Where | None:
    """Build a node, or None when the value is refused (refusals are tested separately)."""
    try:
        return build(*args)
    except FilterValueError:
        return None


@st.composite
def leaves(draw: st.DrawFn) -> Where:
    field = Field(draw(field_names))
    kind = draw(st.sampled_from(["cmp", "like", "not_like", "null", "not_null", "in"]))
    if kind == "null":
        return field.is_null()
    if kind == "not_null":
        return field.is_not_null()
    if kind in ("like", "not_like"):
        pattern = draw(strings)
        built = _safe(getattr(field, kind), pattern)
    elif kind == "in":
        built = _safe(field.in_, draw(st.lists(values, min_size=1, max_size=3)))
    else:
        op = draw(st.sampled_from(["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"]))
        built = _safe(getattr(field, op), draw(values))
    if built is None:
        return field == draw(st.integers(-(10**30), 10**30))
    return built


expressions = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=4).map(lambda ops: _fold(ops, "and")),
        st.lists(children, min_size=2, max_size=4).map(lambda ops: _fold(ops, "or")),
        children.map(lambda e: ~e),
    ),
    max_leaves=12,
)


def _fold(operands: list[Where], how: str) -> Where:
    result = operands[0]
    for operand in operands[1:]:
        result = (result & operand) if how == "and" else (result | operand)
    return result


@FAST
@given(expressions)
def test_render_then_parse_gives_an_equal_expression(expr: Where) -> None:
    """For any builder tree, parse(render(e)) == e, with equal hashes and identical text."""
    parsed = parse(expr.render())
    assert expr == parsed
    assert hash(expr) == hash(parsed)
    assert expr.render() == parsed.render()


@FAST
@given(field_names, strings)
def test_no_string_can_escape_its_literal(name: str, value: str) -> None:
    """F.name == s is refused or parses back to exactly one comparison whose value is s."""
    try:
        expr = Field(name) == value
    except FilterValueError:
        assert "\x00" in value or "\\" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        return
    parsed = parse(expr.render())
    assert Comparison(name, "=", Literal("string", value)) == parsed
    assert isinstance(parsed.value, Literal)
    assert value == parsed.value.text


@FAST
@given(strings, strings)
def test_hostile_values_keep_the_surrounding_structure(first: str, second: str) -> None:
    """Two hostile values inside AND/OR/LIKE keep the tree: same operands, same values."""
    try:
        expr = (F.name == first) & (F.notes.like(second) | (F.id == 7))
    except FilterValueError:
        return
    parsed = parse(expr.render())
    assert isinstance(parsed, And)
    assert 2 == len(parsed.operands)
    left, right = parsed.operands
    assert isinstance(left, Comparison)
    assert first == left.value.text
    assert isinstance(right, Or)
    like = right.operands[0]
    assert isinstance(like, Comparison)
    assert ("notes", "LIKE", second) == (like.field, like.op, like.value.text)


@FAST
@given(st.text(alphabet="ab'\"()=<>!-. 019\\\nANDORTLIKESU_", max_size=40))
def test_parser_only_raises_invalid_filter_error(text: str) -> None:
    """Arbitrary text either parses (and then round-trips) or raises InvalidFilterError."""
    error: InvalidFilterError | None = None
    try:
        expr = parse(text)
    except InvalidFilterError as exc:
        error = exc
    if error is not None:
        assert error.position is None or 0 <= error.position <= len(text)
    else:
        assert expr == parse(expr.render())


@FAST
@given(values)
def test_values_round_trip_through_literals(value: object) -> None:
    """Every renderable value reads back as the same literal, its kind matching its type."""
    try:
        expr = F.x == value
    except FilterValueError:
        return
    parsed = parse(expr.render())
    assert isinstance(parsed, Comparison)
    assert expr.value == parsed.value
    numeric = isinstance(value, int | float | Decimal)
    assert ("number" if numeric else "string") == parsed.value.kind


records = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["x", "y", "X"])),
)
small = st.recursive(
    st.builds(
        lambda name, op, value: Comparison(name, op, value),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["=", "<>", "<", ">="]),
        st.sampled_from([Literal("number", "0"), Literal("number", "2"), Literal("string", "x")]),
    )
    | st.builds(
        lambda name, pattern: Comparison(name, "LIKE", Literal("string", pattern)),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["x", "%", "_", "[x-y]"]),
    )
    | st.builds(NullCheck, st.sampled_from(["a", "b"]), st.booleans()),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda ops: _fold(ops, "and")),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: _fold(ops, "or")),
        children.map(Not),
    ),
    max_leaves=6,
)


@FAST
@given(small, small, records)
def test_evaluation_follows_three_valued_logic(
    left: Where, right: Where, record: dict[str, object]
) -> None:
    """De Morgan holds and NOT never turns UNKNOWN into a match, as in SQL."""

    def evaluate(expr: Where) -> bool:
        return compile_predicate(expr)(record)

    assert evaluate(Not(left & right)) == evaluate(~left | ~right)
    assert evaluate(Not(left | right)) == evaluate(~left & ~right)
    assert not (evaluate(left) and evaluate(Not(left)))
    assert evaluate(left) == evaluate(parse(left.render()))


def _depth(expr: Where) -> int:
    """The depth of a tree, counted independently of ``Where.depth``."""
    if isinstance(expr, And | Or):
        return 1 + max(_depth(o) for o in expr.operands)
    if isinstance(expr, Not):
        return 1 + _depth(expr.operand)
    return 1


def _wrapped_depth(expr: Where, how: str) -> int:
    """The depth ``expr`` would have after one more step ``how`` (flattening adds no level)."""
    if how in ("and", "or"):
        return expr.depth if isinstance(expr, And if how == "and" else Or) else expr.depth + 1
    if how == "invert":  # ~: NOT NOT cancels, a comparison flips its operator
        if isinstance(expr, Not):
            return expr.operand.depth
        return expr.depth + 1 if isinstance(expr, And | Or) else 1
    return expr.depth + 1  # Not(...) by hand


def _wrap(expr: Where, how: str, step: int) -> Where:
    leaf = Field(f"f{step % 5}") == step
    if how == "and":
        return leaf & expr
    if how == "or":
        return leaf | expr
    if how == "invert":
        return ~expr
    return Not(expr)


@FAST
@given(st.lists(st.sampled_from(["and", "or", "invert", "not"]), min_size=1, max_size=400))
def test_builder_and_parser_share_one_depth_limit(steps: list[str]) -> None:
    """
    Nesting with & | ~ Not: the builder refuses exactly the trees deeper than MAX_DEPTH (a
    FilterValueError), every tree it accepts parses back, and text one level deeper than an
    accepted tree is refused by the parser (an InvalidFilterError); never a RecursionError.
    """
    expr: Where = F.a == 0
    for step, how in enumerate(steps):
        expected = _wrapped_depth(expr, how)
        if expected > MAX_DEPTH:
            with pytest.raises(FilterValueError, match="nested deeper than 100 levels"):
                _wrap(expr, how, step)
            with pytest.raises(InvalidFilterError, match="nested deeper than 100 levels"):
                parse(f"z = 1 AND ({expr.render()} OR z = 2)")  # MAX_DEPTH + 1 or more
            return
        expr = _wrap(expr, how, step)
        assert expected == expr.depth == _depth(expr)
    parsed = parse(expr.render())
    assert parsed.depth <= expr.depth
    assert parsed == parse(parsed.render())


_GROUPS = [
    ("(", ")"),
    ("NOT ", ""),
    ("NOT (", ")"),
    ("a = 1 AND (", ")"),
    ("a = 1 OR (", ")"),
    ("(a = 1 OR ", ")"),
    ("(a = 1 AND ", " AND b = 2)"),
]


@FAST
@given(st.lists(st.sampled_from(range(len(_GROUPS))), max_size=500))
def test_parser_nesting_is_bounded_without_recursion_errors(groups: list[int]) -> None:
    """
    Text nested any number of levels parses to a tree within MAX_DEPTH that round-trips, or is
    refused with InvalidFilterError: never RecursionError or any other exception.
    """
    opening = "".join(_GROUPS[g][0] for g in groups)
    closing = "".join(_GROUPS[g][1] for g in reversed(groups))
    error: InvalidFilterError | None = None
    try:
        expr = parse(f"{opening}c = 3{closing}")
    except InvalidFilterError as exc:
        error = exc
    if error is not None:
        assert "nested deeper than" in str(error)
        return
    assert expr.depth <= MAX_DEPTH
    assert expr == parse(expr.render())


@FAST
@given(field_names, strings, st.sampled_from(["'", '"']))
def test_only_single_quoted_text_is_a_string(name: str, value: str, quote: str) -> None:
    """
    A value in single quotes parses as that string; in double quotes (a column name to SQL) it
    is refused where it starts, with the single-quoted literal to write instead.
    """
    text = f"{name} = {quote}{value.replace(quote, quote * 2)}{quote}"
    try:
        expected = Field(name) == value
    except FilterValueError:
        return  # a refused value (NUL, lone surrogate, backslash before a quote)
    if quote == "'":
        assert expected == parse(text)
        return
    with pytest.raises(InvalidFilterError, match="write the value in single quotes") as info:
        parse(text)
    assert len(name) + 3 == info.value.position
    literal = expected.value.render()
    if len(literal) <= 60:
        assert f"as {literal} at position" in str(info.value)
