"""The filter builder: field names, operators, value rendering, precedence and misuse errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import IntEnum, StrEnum

import pytest

from sage_async._errors import FilterValueError, InvalidFilterError, SageError, UsageError
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
    and_,
    escape_like,
    or_,
    parse,
)


UTC = dt.UTC


class Kind(StrEnum):
    """A str enum renders its value."""

    A = "alpha"


class Level(IntEnum):
    """An int enum renders its number."""

    HIGH = 5


CET = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("field", "wire"),
    [
        (F.date_updated, "dateUpdated"),
        (F.id, "id"),
        (F.sales_rep_id_1, "salesRepId1"),
        (F.account_id1, "accountId1"),
        (F.Z_SKU, "Z_SKU"),
        (F.Z_nif_code, "Z_nif_code"),
        (F.dateCreated, "dateCreated"),
        (F.descriptionES, "descriptionES"),
        (F.type_, "type"),
        (F["type_id"], "type_id"),
        (F["lasttName"], "lasttName"),
    ],
)
def test_field_names_map_to_wire_names(field: Field, wire: str) -> None:
    """Attribute access camelCases snake_case; Z_ and mixed-case names and F[...] pass through."""
    assert wire == field.name
    assert wire == str(field)
    assert f"Field<{wire}>" == repr(field)


@pytest.mark.parametrize(
    "name", ["", "first name", "x = 1 OR 1", "a'b", "1abc", "and", "NULL", 5, None]
)
def test_bad_field_names_are_refused(name: str) -> None:
    """A raw name that is not an identifier (or is a keyword) cannot reach the wire text."""
    with pytest.raises(InvalidFilterError):
        F[name]


def test_private_attributes_of_f_are_not_fields() -> None:
    """Dunder and private lookups on F raise AttributeError (copy/pickle probes stay sane)."""
    with pytest.raises(AttributeError):
        F.__wrapped__  # noqa: B018
    assert "F" == repr(F)


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (F.id == 10, "id = 10"),
        (F.id != 10, "id <> 10"),
        (F.id < 10, "id < 10"),
        (F.id <= 10, "id <= 10"),
        (F.id > 10, "id > 10"),
        (F.id >= 10, "id >= 10"),
        (F.name.like("Acme%"), "name LIKE 'Acme%'"),
        (F.extension.not_like("jpg"), "extension NOT LIKE 'jpg'"),
        (F.email.is_null(), "email IS NULL"),
        (F.email.is_not_null(), "email IS NOT NULL"),
        (F.id.in_([1]), "id = 1"),
        (F.id.in_([1, 2, 3]), "(id = 1 OR id = 2 OR id = 3)"),
        (F.id.in_(iter(["a", "b"])), "(id = 'a' OR id = 'b')"),
    ],
)
def test_operators_render(expr: Where, text: str) -> None:
    """Each operator renders its canonical wire text; str() and render() agree."""
    assert text == expr.render()
    assert text == str(expr)
    assert f"Where<{text}>" == repr(expr)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("Acme", "'Acme'"),
        ("O'Brien", "'O''Brien'"),
        ("''", "''''''"),
        ("", "''"),
        ('say "hi"', "'say \"hi\"'"),
        ("C:\\dir\\file", "'C:\\dir\\file'"),
        ("line1\nline2\ttab", "'line1\nline2\ttab'"),
        ("Müller 日本 🙂", "'Müller 日本 🙂'"),
        ("' OR 1=1 --", "''' OR 1=1 --'"),
        (Kind.A, "'alpha'"),
        (10, "10"),
        (-3, "-3"),
        (Level.HIGH, "5"),
        (True, "1"),
        (False, "0"),
        (1.5, "1.5"),
        (1e20, "100000000000000000000"),
        (1e-7, "0.0000001"),
        (Decimal("1.50"), "1.50"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0.25"), "-0.25"),
        (dt.datetime(2025, 1, 1, tzinfo=UTC), "'2025-01-01T00:00:00Z'"),
        (dt.datetime(2025, 1, 1, 1, 0, tzinfo=CET), "'2025-01-01T00:00:00Z'"),
        (dt.datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC), "'2025-01-01T00:00:00.123Z'"),
        (dt.datetime(2025, 1, 1, 0, 0, 0, 999, tzinfo=UTC), "'2025-01-01T00:00:00.000Z'"),
        (dt.datetime(999, 1, 2, tzinfo=UTC), "'0999-01-02T00:00:00Z'"),
        (dt.date(2025, 3, 4), "'2025-03-04'"),
    ],
)
def test_values_render_by_type(value: object, literal: str) -> None:
    """Values render by type: quotes doubled, bool as 1/0, fixed-point numbers, UTC Z datetimes."""
    assert f"x = {literal}" == (F.x == value).render()


def test_bool_equals_its_numeric_form() -> None:
    """F.x == True is the same expression as F.x == 1 (normalised when built)."""
    assert (F.deleted == 1) == (F.deleted == True)  # noqa: E712
    assert Comparison("deleted", "=", Literal("number", "0")) == (F.deleted == False)  # noqa: E712


def test_datetime_is_normalised_to_its_literal() -> None:
    """A datetime and its rendered string build equal expressions (so round trips are exact)."""
    moment = dt.datetime(2025, 1, 1, 1, 0, tzinfo=CET)
    assert (F.dateUpdated > "2025-01-01T00:00:00Z") == (F.date_updated > moment)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (None, "is_null()"),
        (dt.datetime(2025, 1, 1), "naive datetime"),
        (float("nan"), "non-finite"),
        (float("inf"), "non-finite"),
        (Decimal("NaN"), "non-finite"),
        (Decimal("-Infinity"), "non-finite"),
        (b"bytes", "type bytes"),
        ([1, 2], "type list"),
        (dt.time(12, 0), "type time"),
        (object(), "type object"),
        ("a\x00b", "NUL"),
        ("\ud800", "surrogate"),
        ("ends with \\", "backslash"),
        ("\\' OR 1=1 --", "backslash"),
        ("line\\\nbreak", "backslash"),
        pytest.param(10**5000, "at most 1000 characters", id="10**5000"),
        (-(10**999), "at most 1000 characters"),
        (Decimal("1E+100000000"), "longer than 1000 characters"),
        (Decimal("1E-1000"), "longer than 1000 characters"),
        (Decimal("1" * 1001), "longer than 1000 characters"),
    ],
)
def test_unrenderable_values_raise_naming_the_field(value: object, needle: str) -> None:
    """Refused values raise FilterValueError (a TypeError and a SageError) naming the field."""
    with pytest.raises(FilterValueError) as info:
        F.date_updated == value  # noqa: B015
    assert needle in str(info.value)
    assert "'dateUpdated'" in str(info.value)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, UsageError)
    assert isinstance(info.value, SageError)


def test_like_needs_a_str_pattern() -> None:
    """LIKE with a non-string pattern raises, naming the field."""
    with pytest.raises(FilterValueError, match="'name'"):
        F.name.like(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("values", [[], (), "abc"])
def test_in_needs_a_non_empty_list(values: object) -> None:
    """in_() with no value (or a bare str) raises a clear error naming the field."""
    with pytest.raises(FilterValueError, match="'status'"):
        F.status.in_(values)  # type: ignore[arg-type]


def test_field_to_field_comparison_is_refused() -> None:
    """Ordering comparisons between two fields raise; == between fields is plain equality."""
    with pytest.raises(FilterValueError, match="field-to-field"):
        F.a < F.b  # noqa: B015
    assert (F.a == F["a"]) is True
    assert (F.a != F.b) is True
    assert {F.a, F["a"], F.b} == {F.a, F.b}


def test_field_compared_with_expression_is_false() -> None:
    """Comparing a Field with a Where is False in both directions instead of building a filter."""
    expr = F.a == 1
    assert (expr == F.a) is False
    assert (F.a == expr) is False
    assert (F.a != expr) is True


def test_expressions_have_no_truth_value() -> None:
    """bool(expr) raises, catching `if F.x == 1:` and `a and b` mistakes; Field too."""
    with pytest.raises(FilterValueError, match="no truth value"):
        bool(F.x == 1)
    with pytest.raises(FilterValueError, match="no truth value"):
        _ = (F.x == 1) and (F.y == 2)
    with pytest.raises(FilterValueError, match="no truth value"):
        bool(F.x)


def test_expressions_are_hashable_values() -> None:
    """Equal trees are equal and hash alike; they are frozen."""
    first = (F.a == 1) & F.b.like("x%")
    second = (F.a == 1) & F.b.like("x%")
    assert first == second
    assert hash(first) == hash(second)
    assert 1 == len({first, second})
    assert first != (F.a == 2) & F.b.like("x%")
    with pytest.raises(AttributeError):
        first.operands = ()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        ((F.a == 1) & (F.b == 2) & (F.c == 3), "a = 1 AND b = 2 AND c = 3"),
        ((F.a == 1) & ((F.b == 2) & (F.c == 3)), "a = 1 AND b = 2 AND c = 3"),
        ((F.a == 1) | (F.b == 2) | (F.c == 3), "(a = 1 OR b = 2 OR c = 3)"),
        ((F.a == 1) & (F.b == 2) | (F.c == 3), "(a = 1 AND b = 2 OR c = 3)"),
        ((F.a == 1) & ((F.b == 2) | (F.c == 3)), "a = 1 AND (b = 2 OR c = 3)"),
        (
            ((F.a == 1) | (F.b == 2)) & ((F.c == 3) | (F.d == 4)),
            "(a = 1 OR b = 2) AND (c = 3 OR d = 4)",
        ),
        (~((F.a == 1) & (F.b == 2)), "NOT (a = 1 AND b = 2)"),
        (~((F.a == 1) | (F.b == 2)), "NOT (a = 1 OR b = 2)"),
        ((F.c == 3) & ~((F.a == 1) | (F.b == 2)), "c = 3 AND NOT (a = 1 OR b = 2)"),
        (~(F.a == 1), "a <> 1"),
        (~(F.a < 1), "a >= 1"),
        (~(F.a > 1), "a <= 1"),
        (~F.a.like("x"), "a NOT LIKE 'x'"),
        (~F.a.not_like("x"), "a LIKE 'x'"),
        (~F.a.is_null(), "a IS NOT NULL"),
        (~~((F.a == 1) & (F.b == 2)), "a = 1 AND b = 2"),
    ],
)
def test_precedence_and_parentheses(expr: Where, text: str) -> None:
    """AND binds tighter than OR; only needed parentheses (and a top-level OR) are written."""
    assert text == expr.render()


def test_and_or_helpers() -> None:
    """and_/or_ fold any number of filters; one filter is returned as is; none is an error."""
    a, b, c = F.a == 1, F.b == 2, F.c == 3
    assert a & b & c == and_(a, b, c)
    assert a | b | c == or_(a, b, c)
    assert a is and_(a)
    with pytest.raises(FilterValueError, match="at least one"):
        or_()
    with pytest.raises(FilterValueError, match="takes Where"):
        and_(a, True)  # type: ignore[arg-type]


def test_combining_with_non_filters_is_a_type_error() -> None:
    """& and | with something that is not a Where raise TypeError."""
    with pytest.raises(TypeError):
        (F.a == 1) & True  # type: ignore[operator]
    with pytest.raises(TypeError):
        (F.a == 1) | "b = 2"  # type: ignore[operator]


def test_nodes_validate_their_shape() -> None:
    """Nodes built by hand are checked: operand counts, nesting, operators and literals."""
    a = F.a == 1
    with pytest.raises(FilterValueError, match="at least two"):
        And((a,))
    with pytest.raises(FilterValueError, match="directly"):
        Or((a, Or((a, a))))
    with pytest.raises(ValueError, match="op"):
        Comparison("a", "==", Literal("number", "1"))
    with pytest.raises(FilterValueError, match="not a number"):
        Literal("number", "1 OR 1=1")
    with pytest.raises(FilterValueError, match="NUL"):
        Literal("string", "\x00")
    with pytest.raises(FilterValueError, match="string pattern"):
        Comparison("a", "LIKE", Literal("number", "1"))
    with pytest.raises(FilterValueError, match="kind"):
        Literal("date", "2025-01-01")  # type: ignore[arg-type]
    with pytest.raises(FilterValueError, match="must be Where"):
        And((a, "b = 2"))  # type: ignore[arg-type]
    assert "'it''s'" == str(Literal("string", "it's"))
    assert "NOT (a = 1)" == Not(a).render()
    assert "a IS NULL" == NullCheck("a").render()


def nested(levels: int, *, negate: bool = False) -> Where:
    """A builder tree ``levels`` deep: AND and OR groups (or NOT and AND) inside one another."""
    expr: Where = F.a == 0
    for i in range(1, levels):
        if negate:
            expr = ~expr if isinstance(expr, And) else (F.b == i) & expr
        else:
            expr = (F.b == i) & expr if i % 2 else (F.b == i) | expr
    return expr


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("levels", [101, 150, 349, 350, 1000])
def test_builder_refuses_trees_deeper_than_100_levels(levels: int, negate: bool) -> None:
    """Nesting past 100 levels raises FilterValueError when built, never a RecursionError."""
    at_limit = nested(100, negate=negate)
    assert 100 == at_limit.depth
    assert at_limit == parse(at_limit.render())
    with pytest.raises(FilterValueError, match="nested deeper than 100 levels"):
        nested(levels, negate=negate)


def test_depth_counts_and_or_not_levels() -> None:
    """A comparison is one level; each And/Or/Not around it adds one; flattening adds none."""
    a, b, c = F.a == 1, F.b == 2, F.c.is_null()
    assert (1, 1) == (a.depth, c.depth)
    assert 2 == (a & b & c).depth
    assert 3 == (a & (b | c)).depth
    assert 5 == (a | ~(b & (a | c))).depth
    assert 1 == (~a).depth  # a negated comparison flips its operator
    assert 2 == Not(a).depth
    assert (a & b) == And((a, b))  # depth stays out of equality and hashing
    assert hash(a & b) == hash(And((a, b)))


def test_field_names_lists_every_field() -> None:
    """field_names() collects the wire names mentioned anywhere in the tree."""
    expr = (F.a == 1) & ~((F.b.is_null()) | F.c.like("x")) | (F.a > 2)
    assert frozenset({"a", "b", "c"}) == expr.field_names()


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("100%", "100[%]"), ("a_b", "a[_]b"), ("[x]", "[[]x]"), ("plain", "plain")],
)
def test_escape_like(text: str, escaped: str) -> None:
    """escape_like brackets the LIKE wildcards so the text matches itself."""
    assert escaped == escape_like(text)
    assert (F.name.like(escape_like(text))).evaluate({"name": text}) is True
