"""List query parameters of both APIs, checked before any request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from sage_async._errors import InvalidFilterError, InvalidParameterError, UnknownFieldError
from sage_async.filters import F, accounting_params, fields_for, order_by, sales_params


CET = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {}),
        ({"search": "WIDGET 1"}, {"search": "WIDGET 1"}),
        (
            {"updated_or_created_since": dt.datetime(2025, 1, 1, 1, 2, 3, 999999, tzinfo=CET)},
            {"updated_or_created_since": "2025-01-01T00:02:03+00:00"},
        ),
        (
            {"deleted_since": dt.date(2025, 1, 1)},
            {"deleted_since": "2025-01-01T00:00:00+00:00"},
        ),
        (
            {"from_date": dt.date(2025, 1, 1), "to_date": dt.date(2025, 1, 31)},
            {"from_date": "2025-01-01", "to_date": "2025-01-31"},
        ),
        (
            {"active": True, "out_of_stock": False, "below_reorder_level": True},
            {"active": "true", "out_of_stock": "false", "below_reorder_level": "true"},
        ),
        ({"show_legacy_id": False}, {"show_legacy_id": "false"}),
        ({"attributes": "all"}, {"attributes": "all"}),
        ({"attributes": ["name", "item_code"]}, {"attributes": "name,item_code"}),
        ({"attributes": ("notes",)}, {"attributes": "notes"}),
        ({"sort": ("created_at", "desc")}, {"sort": "created_at:desc"}),
        ({"sort": ("date", "asc")}, {"sort": "date"}),
        ({"sort": "updated_at:asc"}, {"sort": "updated_at:asc"}),
        ({"contact_id": "abc123"}, {"contact_id": "abc123"}),
        ({"items_per_page": 200, "page": 1}, {"items_per_page": "200", "page": "1"}),
    ],
)
def test_accounting_params_render_documented_formats(
    kwargs: dict[str, Any], expected: dict[str, str]
) -> None:
    """Datetimes in UTC +00:00 without fractions, dates, lowercase bools, comma lists, sort."""
    assert expected == accounting_params(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"search": 5}, "search must be a str"),
        ({"search": "a\x00"}, "NUL"),
        ({"updated_or_created_since": dt.datetime(2025, 1, 1)}, "naive"),
        ({"deleted_since": "2025-01-01"}, "deleted_since must be a datetime or a date"),
        ({"from_date": dt.datetime(2025, 1, 1, tzinfo=CET)}, "from_date must be a date"),
        ({"to_date": "2025-01-01"}, "to_date must be a date"),
        ({"from_date": dt.date(2025, 2, 1), "to_date": dt.date(2025, 1, 1)}, "before from_date"),
        ({"active": "true"}, "active must be a bool"),
        ({"out_of_stock": 1}, "out_of_stock must be a bool"),
        ({"attributes": "name"}, "list of names or 'all'"),
        ({"attributes": []}, "empty list"),
        ({"attributes": ["a,b"]}, "without commas"),
        ({"attributes": ["a", ""]}, "without commas"),
        ({"attributes": 5}, "list of names"),
        ({"sort": ("created_at", "down")}, "'asc' or 'desc'"),
        ({"sort": ("created at", "asc")}, "not an attribute name"),
        ({"sort": "created_at:up"}, "must look like"),
        ({"sort": ["created_at"]}, "sort must be"),
        ({"contact_id": ""}, "contact_id cannot be empty"),
        ({"items_per_page": 0}, "from 1 to 200"),
        ({"items_per_page": 201}, "from 1 to 200"),
        ({"items_per_page": True}, "must be an int"),
        ({"items_per_page": "20"}, "must be an int"),
        ({"page": 0}, "page must be 1 or more"),
    ],
)
def test_accounting_params_refuse_bad_values(kwargs: dict[str, Any], needle: str) -> None:
    """Wrong types and values raise InvalidParameterError naming the parameter."""
    with pytest.raises(InvalidParameterError) as info:
        accounting_params(**kwargs)
    assert needle in str(info.value)


def test_accounting_docstring_states_inclusiveness() -> None:
    """The docstring says updated_or_created_since is inclusive and deleted_since is not."""
    doc = accounting_params.__doc__ or ""
    assert "**inclusive**" in doc
    assert "**not inclusive**" in doc


@attrs.define
class Contact:
    """A stand-in model."""

    first_name: str | None = attrs.field(default=None, metadata={"wire": "firstName"})
    date_created: str | None = attrs.field(default=None, metadata={"wire": "dateCreated"})


CONTACTS = fields_for(Contact)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {}),
        ({"page": 0}, {"page": "0"}),
        ({"where": F.first_name == "Ann"}, {"where": "firstName = 'Ann'"}),
        ({"where": "email='x' AND firstName='y'"}, {"where": "email='x' AND firstName='y'"}),
        ({"order": F.date_created}, {"order": "dateCreated"}),
        ({"order": order_by(F.date_created, descending=False)}, {"order": "dateCreated ASC"}),
        ({"order": "dateCreated"}, {"order": "dateCreated"}),
        ({"lang": "es"}, {"lang": "es"}),
        (
            {"where": CONTACTS.first_name.like("A%"), "order": "dateCreated", "fields": CONTACTS},
            {"where": "firstName LIKE 'A%'", "order": "dateCreated"},
        ),
    ],
)
def test_sales_params(kwargs: dict[str, Any], expected: dict[str, str]) -> None:
    """Builder filters are rendered, raw text is validated and sent as given."""
    assert expected == sales_params(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"page": -1}, InvalidParameterError, "0 or more"),
        ({"page": "1"}, InvalidParameterError, "page must be an int"),
        ({"page": False}, InvalidParameterError, "page must be an int"),
        ({"where": 5}, InvalidParameterError, "where must be a Where or a str"),
        ({"where": "a = "}, InvalidFilterError, "position 4"),
        ({"where": 'model = "Aviator"'}, InvalidFilterError, "single quotes, as 'Aviator'"),
        ({"order": 5}, InvalidParameterError, "order must be"),
        ({"order": "a b"}, InvalidFilterError, "ASC or DESC"),
        ({"lang": "nl"}, InvalidParameterError, "lang must be one of"),
        ({"lang": ["en"]}, InvalidParameterError, "lang must be one of"),
        ({"where": "lastName = 'x'", "fields": CONTACTS}, UnknownFieldError, "'lastName'"),
        ({"order": F.date_updated, "fields": CONTACTS}, UnknownFieldError, "'dateUpdated'"),
    ],
)
def test_sales_params_refuse_bad_values(
    kwargs: dict[str, Any], error: type[Exception], needle: str
) -> None:
    """Bad pages, filters, orders and languages raise before any request."""
    with pytest.raises(error) as info:
        sales_params(**kwargs)
    assert needle in str(info.value)
