"""A resource's checked fields refuse values of another type than the model declares."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from sage_async import FilterValueError
from sage_async.filters import F, fields_for
from sage_async.models.sales import Account, Opportunity


FIELDS = fields_for(Account)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 5),
        ("name", True),
        ("id", "5"),
        ("id", 1.5),
        ("id", True),
        ("date_updated", "yesterday"),
        ("date_updated", "2025-01-01T10:00:00"),  # no offset: ambiguous
        ("date_updated", 20250101),
        ("deleted", 2),
        ("deleted", "yes"),
    ],
)
def test_a_value_of_another_type_is_refused_naming_the_field(field: str, value: Any) -> None:
    """`fields.name == 5`, `fields.date_updated >= "yesterday"`: refused before sending."""
    with pytest.raises(FilterValueError, match=field.split("_")[0]):
        FIELDS[field] >= value  # noqa: B015


@pytest.mark.parametrize(
    ("field", "value", "rendered"),
    [
        ("name", "Acme", "name = 'Acme'"),
        ("id", 7, "id = 7"),
        ("date_updated", datetime(2025, 1, 1, tzinfo=UTC), "dateUpdated = '2025-01-01T00:00:00Z'"),
        ("date_updated", "2025-01-01T00:00:00Z", "dateUpdated = '2025-01-01T00:00:00Z'"),
        ("date_updated", date(2025, 1, 1), "dateUpdated = '2025-01-01'"),
        ("deleted", False, "deleted = 0"),
        ("deleted", 1, "deleted = 1"),
    ],
)
def test_values_of_the_declared_type_render(field: str, value: Any, rendered: str) -> None:
    """Values the model's type allows render as before."""
    assert rendered == str(FIELDS[field] == value)


def test_numbers_accept_every_numeric_type() -> None:
    """A money field takes int, float and Decimal."""
    amount = fields_for(Opportunity).total
    for value in (5, 5.5, Decimal("5.50")):
        assert str(amount > value).startswith("total > 5")


def test_the_unchecked_factory_and_custom_fields_take_any_value() -> None:
    """F (no model) and Z_ custom fields (in no model) are not type-checked."""
    assert "name = 5" == str(F.name == 5)
    assert "Z_SKU = 5" == str(FIELDS.Z_SKU == 5)


def test_like_needs_text() -> None:
    """LIKE patterns stay strings; a text field's LIKE works as before."""
    assert "name LIKE 'A%'" == str(FIELDS.name.like("A%"))
