"""The where parser: documented examples, the accepted grammar, and errors with positions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sage_async._errors import InvalidFilterError, SageError
from sage_async.filters import F, Not, Where, parse


UTC = dt.UTC
JAN1 = dt.datetime(2025, 1, 1, tzinfo=UTC)

# Every `where` example of ../shared/reference/sales-management/FACTS.md, verbatim, with the
# expression it means and its canonical rendering; the one with a double-quoted value (W1
# products) is refused (see test_double_quoted_strings_are_refused), so its single-quoted form
# stands in for it.
DOCUMENTED = [
    (
        "(dateUpdated > '2025-01-01T00:00:00Z' OR dateCreated > '2025-01-01T00:00:00Z')",
        (F.date_updated > JAN1) | (F.date_created > JAN1),
        "(dateUpdated > '2025-01-01T00:00:00Z' OR dateCreated > '2025-01-01T00:00:00Z')",
    ),
    (
        "extension NOT LIKE 'jpg' AND extension NOT LIKE 'png'",
        F.extension.not_like("jpg") & F.extension.not_like("png"),
        "extension NOT LIKE 'jpg' AND extension NOT LIKE 'png'",
    ),
    (
        "email='x' AND firstName='y'",
        (F.email == "x") & (F.first_name == "y"),
        "email = 'x' AND firstName = 'y'",
    ),
    (
        "familyId=10 AND model='Aviator sunglasses'",
        (F.family_id == 10) & (F.model == "Aviator sunglasses"),
        "familyId = 10 AND model = 'Aviator sunglasses'",
    ),
    ("extId='ERP-0042'", F.ext_id == "ERP-0042", "extId = 'ERP-0042'"),
]


@pytest.mark.parametrize(("text", "expected", "rendered"), DOCUMENTED)
def test_documented_examples_parse_and_render(text: str, expected: Where, rendered: str) -> None:
    """Each documented example parses to the builder's expression and renders canonically."""
    parsed = parse(text)
    assert expected == parsed
    assert rendered == parsed.render()
    assert rendered == expected.render()
    assert parsed == parse(rendered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a = 1", F.a == 1),
        ("a <> 1", F.a != 1),
        ("a != 1", F.a != 1),
        ("a < -1", F.a < -1),
        ("a <= 1.25", F["a"] <= Decimal("1.25")),
        ("a > 0", F.a > 0),
        ("a >= 'x'", F.a >= "x"),
        ("a like 'x%'", F.a.like("x%")),
        ("a Not Like 'x%'", F.a.not_like("x%")),
        ("a is null", F.a.is_null()),
        ("a IS NOT NULL", F.a.is_not_null()),
        ("not a = 1", F.a != 1),
        ("NOT NOT a = 1", F.a == 1),
        ("NOT (a = 1 AND b = 2)", ~((F.a == 1) & (F.b == 2))),
        ("a = 1 or b = 2 and c = 3", (F.a == 1) | ((F.b == 2) & (F.c == 3))),
        ("(a = 1 or b = 2) and c = 3", ((F.a == 1) | (F.b == 2)) & (F.c == 3)),
        ("((a = 1))", F.a == 1),
        ("a = 1 AND (b = 2 AND c = 3)", (F.a == 1) & (F.b == 2) & (F.c == 3)),
        ("\ta\n=\r\n'x'  ", F.a == "x"),
        ("a='it''s'", F.a == "it's"),
        ("a='say \"hi\"'", F.a == 'say "hi"'),
        ("a = 'x' OR a = 'y'", F.a.in_(["x", "y"])),
        ("a='C:\\dir\\f'", F.a == "C:\\dir\\f"),
        ("a=-0.50", F.a == Decimal("-0.50")),
        ("Z_SKU = 'A1'", F.Z_SKU == "A1"),
        ("orAnd = 1", F["orAnd"] == 1),
        ("notes LIKE 'x'", F.notes.like("x")),
    ],
)
def test_grammar_is_accepted(text: str, expected: Where) -> None:
    """Operators, keywords in any case, precedence NOT > AND > OR, quotes and numbers parse."""
    assert expected == parse(text)


@pytest.mark.parametrize(
    ("text", "position", "needle"),
    [
        ("", None, "empty filter"),
        ("   ", 3, "empty filter"),
        ("a", 1, "expected an operator"),
        ("a = ", 4, "expected a quoted string or a number after a ="),
        ("a == 1", 3, "found '='"),
        ("a = 'x", 4, "unterminated string"),
        ('a = "x', 4, "unterminated string"),
        ("a = 'x''", 4, "unterminated string"),
        ("(a = 1", 6, "expected ')'"),
        ("a = 1)", 5, "unexpected ')'"),
        ("a = 1 OR", 8, "expected a field name"),
        ("a = 1 AND AND b = 2", 10, "expected a field name, found 'AND'"),
        ("AND = 1", 0, "expected a field name"),
        ("a = 1; DROP TABLE accounts", 5, "unexpected character ';'"),
        ("a = 1 -- comment", 6, "unexpected character '-'"),
        ("a = 1 b = 2", 6, "expected AND, OR"),
        ("a = b", 4, "found 'b'"),
        ("a = NULL", 4, "IS [NOT] NULL"),
        ("a LIKE 5", 7, "needs a quoted pattern"),
        ("a NOT = 1", 6, "expected LIKE"),
        ("a IS 1", 5, "expected NULL"),
        ("a = 1.", 4, "malformed number"),
        ("a = 1abc", 4, "malformed number"),
        ("a = .5", 4, "unexpected character '.'"),
        ("a = 'x\\'", 4, "backslash"),
        ("a = 'x\x00'", 4, "NUL"),
        ("'x' = a", 0, "expected a field name, found string 'x'"),
        ("a IN (1, 2)", 2, "expected an operator"),
        ("a = 1 /* x */", 6, "unexpected character '/'"),
        ("a = @p", 4, "unexpected character '@'"),
        ("[a] = 1", 0, "unexpected character '['"),
    ],
)
def test_malformed_text_names_problem_and_position(
    text: str, position: int | None, needle: str
) -> None:
    """Malformed filters raise InvalidFilterError naming the problem, with a 0-based position."""
    with pytest.raises(InvalidFilterError) as info:
        parse(text)
    error = info.value
    assert needle in str(error)
    assert position == (error.position if error.position is not None and error.text else None)
    assert isinstance(error, SageError)
    if position is not None:
        assert f"at position {position}" in str(error)
        assert " " * position + "^" in str(error)


def test_empty_filter_with_spaces_points_at_the_end() -> None:
    """A blank filter reports 'empty filter' (the caret points past the blanks)."""
    with pytest.raises(InvalidFilterError, match="empty filter") as info:
        parse("   ")
    assert 3 == info.value.position


def test_deep_nesting_is_refused() -> None:
    """Nesting deeper than 100 levels raises InvalidFilterError instead of RecursionError."""
    assert (F.a == 1) == parse("(" * 50 + "a = 1" + ")" * 50)
    with pytest.raises(InvalidFilterError, match="nested deeper"):
        parse("(" * 500 + "a = 1" + ")" * 500)
    with pytest.raises(InvalidFilterError, match="nested deeper"):
        parse("NOT " * 500 + "a = 1")


def alternating(levels: int) -> str:
    """Text whose tree nests ``levels`` levels: AND and OR groups inside one another."""
    text = "a = 0"
    for i in range(1, levels):
        text = f"b = {i} AND ({text})" if i % 2 else f"b = {i} OR {text}"
    return text


@pytest.mark.parametrize(
    ("levels", "needle"),
    [
        (101, "100 levels"),
        (150, "100 levels"),
        (349, "100 levels"),
        (350, "100 levels"),
        (1000, "201 parentheses and NOTs"),
    ],
)
def test_text_nesting_past_the_builder_limit_is_refused(levels: int, needle: str) -> None:
    """
    Text building a tree deeper than 100 levels is refused (by the tree's depth, or first by
    its 201-level bound on parentheses and NOTs), never with a RecursionError.
    """
    assert 100 == parse(alternating(100)).depth
    with pytest.raises(InvalidFilterError, match=f"nested deeper than {needle}"):
        parse(alternating(levels))


def test_every_tree_the_builder_accepts_parses() -> None:
    """A tree at the depth limit renders to text the parser reads back, even NOT (NOT (...))."""
    expr: Where = (F.a == 1) | (F.b == 2)
    for _ in range(98):
        expr = Not(expr)  # by hand: ~ would cancel NOT NOT out
    assert 100 == expr.depth
    assert expr.render().startswith("NOT (" * 98 + "a = 1 OR")  # 197 levels for the parser
    assert (F.a == 1) | (F.b == 2) == parse(expr.render())  # NOT NOT cancels out when parsed


@pytest.mark.parametrize(
    ("text", "position", "suggestion"),
    [
        ('familyId=10 AND model="Aviator sunglasses"', 22, "'Aviator sunglasses'"),
        ('a = "x"', 4, "'x'"),
        ('a="say ""hi"""', 2, "'say \"hi\"'"),
        ('a = "it\'s"', 4, "'it''s'"),
        ('a LIKE "A%" OR b = 1', 7, "'A%'"),
    ],
)
def test_double_quoted_strings_are_refused(text: str, position: int, suggestion: str) -> None:
    """
    A double-quoted value (a column name to SQL) is refused, suggesting the single-quoted one.
    """
    with pytest.raises(InvalidFilterError, match="double-quoted") as info:
        parse(text)
    assert position == info.value.position
    assert f"write the value in single quotes, as {suggestion}" in str(info.value)


def test_parse_needs_a_str() -> None:
    """A non-str filter raises InvalidFilterError naming the type."""
    with pytest.raises(InvalidFilterError, match="bytes"):
        parse(b"a = 1")  # type: ignore[arg-type]
