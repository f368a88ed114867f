"""Evaluating filters against records, as the sandbox answers `where`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sage_async.filters import F, Where, compile_predicate, parse


ACCOUNT: dict[str, Any] = {
    "id": 42,
    "name": "Acme Sunglasses S.L.",
    "email": None,
    "dateCreated": "2024-12-31T23:59:59.5Z",
    "dateUpdated": "2025-01-01T00:00:00.027Z",
    "deleted": False,
    "typeId": {"id": 3, "value": "Customer"},
    "price": 12.5,
    "extension": "JPG",
    "Z_SKU": "A-100",
    "code": "007",
}


@pytest.mark.parametrize(
    ("where", "matches"),
    [
        ("id = 42", True),
        ("id = '42'", True),
        ("id <> 42", False),
        ("id > 41.5", True),
        ("price = 12.50", True),
        ("price < 12", False),
        ("name = 'ACME SUNGLASSES S.L.'", True),
        ("name LIKE 'acme%'", True),
        ("name LIKE '%sun%'", True),
        ("name LIKE 'Acme'", False),
        ("name LIKE 'Acm_ Sunglasses S.L.'", True),
        ("name LIKE '[a-c]cme%'", True),
        ("name LIKE '[^a]cme%'", False),
        ("extension NOT LIKE 'jpg' AND extension NOT LIKE 'png'", False),
        ("extension NOT LIKE 'gif'", True),
        ("email IS NULL", True),
        ("email IS NOT NULL", False),
        ("missing IS NULL", True),
        ("email = 'x'", False),
        ("email <> 'x'", False),
        ("NOT (email = 'x' AND id = 42)", False),
        ("NOT (email = 'x' AND id = 1)", True),
        ("email = 'x' OR id = 42", True),
        ("dateUpdated > '2025-01-01T00:00:00Z'", True),
        ("dateUpdated > '2025-01-01T00:00:00.027Z'", False),
        ("dateUpdated >= '2025-01-01T01:00:00.027+01:00'", True),
        ("dateCreated > '2025-01-01T00:00:00Z'", False),
        ("dateCreated < '2025-01-01'", True),
        ("(dateUpdated > '2025-01-01T00:00:00Z' OR dateCreated > '2025-01-01T00:00:00Z')", True),
        ("deleted = 0", True),
        ("deleted = 1", False),
        ("typeId = 3", True),
        ("typeId = 'Customer'", False),
        ("Z_SKU LIKE 'a-1%'", True),
        ("code = 7", True),
        ("code = '7'", False),
        ("name > 5", False),
        ("name <= 5", False),
        ("id LIKE '4%'", True),
    ],
)
def test_sql_semantics(where: str, matches: bool) -> None:
    """Case-insensitive strings, LIKE wildcards, instants, lookups on id, NULL never matches."""
    assert matches == parse(where).evaluate(ACCOUNT)
    assert matches == compile_predicate(parse(where))(ACCOUNT)


@pytest.mark.parametrize(
    ("value", "expr", "matches"),
    [
        (dt.datetime(2025, 1, 2, tzinfo=dt.UTC), F.d > dt.date(2025, 1, 1), True),
        (dt.datetime(2025, 1, 2), F.d > "2025-01-01T00:00:00Z", True),
        (dt.date(2025, 1, 1), F.d == "2025-01-01", True),
        (dt.date(2025, 1, 1), F.d == "not a date", False),
        (Decimal("1.0"), F.d == 1, True),
        (True, F.d == True, True),  # noqa: E712
        ([1, 2], F.d == 1, False),
        ({"value": "x"}, F.d == "x", False),
        ("ß", F.d == "SS", True),
        ("a\nb", F.d.like("a_b"), True),
        (float("nan"), F.d == 1, False),
        (True, F.d.like("1"), True),
        (2.5, F.d.like("2.5"), True),
        (dt.date(2025, 1, 1), F.d.like("2025%"), False),
        ("2025-13-45", F.d == "2025-13-45", True),
        ("2025-02-30T10:00:00Z", F.d > "2025-01-01T00:00:00Z", True),
        ("[]", F.d.like("[]"), True),
        ("x", F.d.like("[^]"), False),
        ("b", F.d.like("[c-a]"), False),
        ("-", F.d.like("[c-a]"), True),
    ],
)
def test_python_values(value: object, expr: Where, matches: bool) -> None:
    """datetime/date/Decimal/bool record values compare sensibly; odd shapes are UNKNOWN."""
    assert matches == expr.evaluate({"d": value})


def test_unknown_propagates_through_not() -> None:
    """NOT of a comparison with NULL is still not a match (SQL three-valued logic)."""
    record = {"a": None, "b": 1}
    assert False is parse("NOT (a = 1 OR b = 2)").evaluate(record)
    assert True is parse("NOT (a = 1 AND b = 2)").evaluate(record)
    assert False is parse("a = 1 OR b = 2").evaluate(record)
    assert True is parse("a = 1 OR b = 1").evaluate(record)
