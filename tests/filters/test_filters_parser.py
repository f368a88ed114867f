"""The where parser: documented examples, the accepted grammar, and errors with positions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sage_async._errors import InvalidFilterError, SageError
from sage_async.filters import F, Where, parse


UTC = dt.UTC
JAN1 = dt.datetime(2025, 1, 1, tzinfo=UTC)

# Every `where` example of ../shared/reference/sales-management/FACTS.md, verbatim, with the
# expression it means and its canonical rendering.
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
        'familyId=10 AND model="Aviator sunglasses"',
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
        ('a="say ""hi"""', F.a == 'say "hi"'),
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


def test_parse_needs_a_str() -> None:
    """A non-str filter raises InvalidFilterError naming the type."""
    with pytest.raises(InvalidFilterError, match="bytes"):
        parse(b"a = 1")  # type: ignore[arg-type]
