"""Field checking against models, and the `order` parameter."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import attrs
import pytest

from sage_async._errors import InvalidFilterError, InvalidParameterError, UnknownFieldError
from sage_async.filters import F, Field, Fields, Order, fields_for, order_by, parse, parse_order


@attrs.define(kw_only=True)
class Account:
    """A stand-in for a generated model (docs/contracts.md section 2)."""

    id: int | None = attrs.field(default=None, metadata={"wire": "id"})
    name: str | None = attrs.field(default=None, metadata={"wire": "name"})
    date_updated: dt.datetime | None = attrs.field(default=None, metadata={"wire": "dateUpdated"})
    sales_rep_id1: int | None = attrs.field(default=None, metadata={"wire": "salesRepId1"})
    type_id: int | None = attrs.field(default=None, metadata={"wire": "typeId"})
    plain: int | None = None
    extras: dict[str, object] = attrs.field(factory=dict, metadata={"extras": True})


ACCOUNTS = fields_for(Account)


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("date_updated", "dateUpdated"),
        ("dateUpdated", "dateUpdated"),
        ("sales_rep_id1", "salesRepId1"),
        ("type_id", "typeId"),
        ("plain", "plain"),
        ("Z_SKU", "Z_SKU"),
    ],
)
def test_known_fields_resolve_by_python_or_wire_name(name: str, wire: str) -> None:
    """Python names and wire names both give the Field with the wire name; Z_ passes."""
    assert Field(wire) == getattr(ACCOUNTS, name)
    assert Field(wire) == ACCOUNTS[name]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("date_updatd", "'date_updated'"),
        ("dateupdated", "'dateUpdated'"),
        ("nmae", "'name'"),
        ("extras", None),
        ("zzz", None),
    ],
)
def test_unknown_fields_raise_with_a_hint(name: str, hint: str | None) -> None:
    """An unknown name raises UnknownFieldError (an AttributeError) naming model and field."""
    with pytest.raises(UnknownFieldError) as info:
        getattr(ACCOUNTS, name)
    message = str(info.value)
    assert f"Account has no field {name!r}" in message
    assert isinstance(info.value, AttributeError)
    if hint is None:
        assert "did you mean" not in message
    else:
        assert "did you mean" in message
        assert hint in message


def test_fields_accessor_behaves_like_a_collection() -> None:
    """len, iteration, membership, dir() and repr describe the model's fields."""
    assert 6 == len(ACCOUNTS)
    assert ["id", "name", "dateUpdated", "salesRepId1", "typeId", "plain"] == [
        f.name for f in ACCOUNTS
    ]
    assert "date_updated" in ACCOUNTS
    assert "dateUpdated" in ACCOUNTS
    assert "extras" not in ACCOUNTS
    assert "date_updated" in dir(ACCOUNTS)
    assert "Fields<Account: 6 fields>" == repr(ACCOUNTS)
    assert Account is ACCOUNTS.model
    assert copy.copy(ACCOUNTS).model is Account
    assert Account is pickle.loads(pickle.dumps(ACCOUNTS)).model


def test_checked_fields_build_the_same_filters_as_f() -> None:
    """A checked field builds exactly what F builds."""
    since = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert (F.date_updated > since) == (ACCOUNTS.date_updated > since)


def test_check_validates_whole_filters_and_orders() -> None:
    """check() walks a filter or order and raises for the first unknown field."""
    ACCOUNTS.check(parse("dateUpdated > '2025-01-01' AND (name LIKE 'a%' OR Z_x = 1)"))
    ACCOUNTS.check(order_by("dateUpdated"))
    ACCOUNTS.check(F.name)
    with pytest.raises(UnknownFieldError, match="'dateCreated'"):
        ACCOUNTS.check(parse("dateUpdated > '2025-01-01' OR dateCreated > '2025-01-01'"))
    with pytest.raises(UnknownFieldError, match="'firstName'"):
        ACCOUNTS.check(Order("firstName"))


def test_fields_needs_an_attrs_class() -> None:
    """Fields() on something that is not an attrs class raises InvalidParameterError."""
    with pytest.raises(InvalidParameterError, match="attrs model"):
        Fields(dict)


@pytest.mark.parametrize(
    ("order", "text"),
    [
        (order_by(F.date_created), "dateCreated"),
        (order_by("dateCreated", descending=True), "dateCreated DESC"),
        (order_by(ACCOUNTS.name, descending=False), "name ASC"),
        (F.date_created.desc(), "dateCreated DESC"),
        (F.date_created.asc(), "dateCreated ASC"),
        (Order("id"), "id"),
    ],
)
def test_order_renders_direction_only_when_asked(order: Order, text: str) -> None:
    """The bare field is the documented form; ASC/DESC are added only on request."""
    assert text == order.render()
    assert text == str(order)
    assert f"Order<{text}>" == repr(order)
    assert order == parse_order(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dateCreated", Order("dateCreated")),
        ("  dateCreated  ", Order("dateCreated")),
        ("dateCreated desc", Order("dateCreated", "desc")),
        ("dateCreated\tAsc", Order("dateCreated", "asc")),
    ],
)
def test_parse_order_accepts(text: str, expected: Order) -> None:
    """parse_order reads a field with an optional case-insensitive direction."""
    assert expected == parse_order(text)


@pytest.mark.parametrize(
    ("text", "position", "needle"),
    [
        ("", 0, "empty order"),
        ("  ", 2, "empty order"),
        ("1abc", 0, "expected a field name"),
        ("dateCreated up", 12, "expected ASC or DESC after field 'dateCreated', found 'up'"),
        ("dateCreated DESC, id", 16, "unexpected ', id'"),
        ("dateCreated;", 11, "found ';'"),
        ("NULL", 0, "keyword"),
    ],
)
def test_parse_order_rejects(text: str, position: int, needle: str) -> None:
    """Malformed order text raises InvalidFilterError with the position of the problem."""
    with pytest.raises(InvalidFilterError) as info:
        parse_order(text)
    assert needle in str(info.value)
    assert position == info.value.position


def test_order_validates_its_parts() -> None:
    """Order refuses a non-identifier field and an unknown direction."""
    with pytest.raises(InvalidFilterError):
        Order("date created")
    with pytest.raises(InvalidFilterError, match="must be a str"):
        parse_order(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="direction"):
        Order("id", "up")  # type: ignore[arg-type]
