"""The library-owned converter: wire names, lenient decoding, drift counts, strict mode, writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sage_async import UNSET, DriftError, Model, Unset
from sage_async._converter import Converter
from sage_async._json import dumps, loads


def wire(name: str, *, required: bool = False, nullable: bool = False) -> dict[str, Any]:
    return {"wire": name, "required": required, "nullable": nullable}


@attrs.define(kw_only=True, repr=False)
class Link(Model):
    id: str | Unset = attrs.field(default=UNSET, metadata=wire("id"))
    displayed_as: str | Unset = attrs.field(default=UNSET, metadata=wire("displayed_as"))
    path: str | Unset = attrs.field(default=UNSET, metadata=wire("$path"))
    extras: dict[str, Any] = attrs.field(factory=dict, metadata={"extras": True})


@attrs.define(kw_only=True, repr=False)
class Item(Model):
    id: str | Unset = attrs.field(default=UNSET, metadata=wire("id", required=True))
    path: str | Unset = attrs.field(default=UNSET, metadata=wire("$path"))
    item_code: str | Unset = attrs.field(default=UNSET, metadata=wire("itemCode"))
    active: bool | Unset = attrs.field(default=UNSET, metadata=wire("active"))
    quantity: int | Unset = attrs.field(default=UNSET, metadata=wire("quantity"))
    weight: float | Unset = attrs.field(default=UNSET, metadata=wire("weight"))
    cost_price: Decimal | Unset = attrs.field(default=UNSET, metadata=wire("cost_price"))
    updated_at: datetime | Unset = attrs.field(default=UNSET, metadata=wire("updated_at"))
    deleted_at: datetime | None | Unset = attrs.field(
        default=UNSET, metadata=wire("deleted_at", nullable=True)
    )
    since: date | Unset = attrs.field(default=UNSET, metadata=wire("since"))
    ledger: Link | None | Unset = attrs.field(default=UNSET, metadata=wire("ledger", nullable=True))
    prices: list[Link] | Unset = attrs.field(default=UNSET, metadata=wire("prices"))
    tags: list[str] | Unset = attrs.field(default=UNSET, metadata=wire("tags"))
    extras: dict[str, Any] = attrs.field(factory=dict, metadata={"extras": True})


PAYLOAD = {
    "id": "abc",
    "$path": "/stock_items/abc",
    "itemCode": "SKU-1",
    "active": True,
    "quantity": 3,
    "weight": 1.5,
    "cost_price": 12.34,
    "updated_at": "2016-02-29T16:22:34.4Z",
    "deleted_at": None,
    "since": "2020-01-02",
    "ledger": {"id": "L1", "displayed_as": "Sales (4000)", "$path": "/ledger_accounts/L1"},
    "prices": [{"id": "P1", "displayed_as": "Retail"}],
    "tags": ["a", "b"],
}


def test_decodes_wire_names_and_types() -> None:
    """Wire names map to attributes; dates, money and nested models get their Python types."""
    conv = Converter()
    item = conv.structure(PAYLOAD, Item)
    assert "/stock_items/abc" == item.path
    assert "SKU-1" == item.item_code
    assert Decimal("12.34") == item.cost_price
    assert datetime(2016, 2, 29, 16, 22, 34, 400000, tzinfo=UTC) == item.updated_at
    assert date(2020, 1, 2) == item.since
    assert Link(id="L1", displayed_as="Sales (4000)", path="/ledger_accounts/L1") == item.ledger
    assert [Link(id="P1", displayed_as="Retail")] == item.prices
    assert item.deleted_at is None
    assert not conv.drift, str(conv.drift)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-02-29T16:22:34Z", datetime(2016, 2, 29, 16, 22, 34, tzinfo=UTC)),
        ("2016-02-29T16:22:34.4Z", datetime(2016, 2, 29, 16, 22, 34, 400000, tzinfo=UTC)),
        ("2016-02-29T16:22:34.96Z", datetime(2016, 2, 29, 16, 22, 34, 960000, tzinfo=UTC)),
        ("2016-02-29T16:22:34.027Z", datetime(2016, 2, 29, 16, 22, 34, 27000, tzinfo=UTC)),
        (
            "2025-01-01T10:00:00+01:00",
            datetime(2025, 1, 1, 10, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_datetimes_with_zero_to_three_fraction_digits(text: str, expected: datetime) -> None:
    """ISO date-times with Z or an offset and 0-3 fractional digits decode without drift."""
    conv = Converter()
    assert expected == conv.structure({"id": "x", "updated_at": text}, Item).updated_at
    assert 0 == conv.drift.total


def test_absent_keys_stay_unset_and_null_stays_none() -> None:
    """An absent key is UNSET (not None); a declared-nullable null is None without drift."""
    conv = Converter()
    item = conv.structure({"id": "x", "deleted_at": None}, Item)
    assert item.item_code is UNSET
    assert item.deleted_at is None
    assert 0 == conv.drift.total


def test_unknown_keys_are_kept_in_extras_and_counted() -> None:
    """Z_ custom fields and other undeclared keys survive decode and re-encode."""
    conv = Converter()
    item = conv.structure({"id": "x", "Z_SKU": "abc", "Z_nif": None}, Item)
    assert {"Z_SKU": "abc", "Z_nif": None} == item.extras
    assert 2 == conv.drift.count(model="Item", kind="unknown_key")
    assert {"id": "x", "Z_SKU": "abc", "Z_nif": None} == conv.unstructure(item)


@pytest.mark.parametrize(
    ("field", "value", "attr", "expected", "kind"),
    [
        ("active", 0, "active", False, "int_as_bool"),
        ("active", 1, "active", True, "int_as_bool"),
        ("quantity", "7", "quantity", 7, "str_as_number"),
        ("weight", "2.5", "weight", 2.5, "str_as_number"),
        ("itemCode", 123, "item_code", "123", "number_as_str"),
        (
            "updated_at",
            "2020-01-01T00",
            "updated_at",
            datetime(2020, 1, 1, tzinfo=UTC),
            "naive_datetime",
        ),
        ("since", "2020-01-02T10:00:00Z", "since", date(2020, 1, 2), "datetime_as_date"),
        ("itemCode", None, "item_code", None, "unexpected_null"),
    ],
)
def test_deviations_are_repaired_and_counted(
    field: str, value: Any, attr: str, expected: Any, kind: str
) -> None:
    """Lenient mode repairs what it can and counts each deviation by model, field and kind."""
    conv = Converter()
    item = conv.structure({"id": "x", field: value}, Item)
    assert expected == getattr(item, attr)
    assert 1 == conv.drift.count(model="Item", field=attr, kind=kind)  # type: ignore[arg-type]


def test_unrepairable_values_are_kept_raw_and_counted() -> None:
    """A value that cannot be converted is kept as it came (nothing lost) and counted."""
    conv = Converter()
    item = conv.structure({"id": "x", "updated_at": "yesterday", "ledger": "L1"}, Item)
    assert "yesterday" == item.updated_at
    assert "L1" == item.ledger
    assert 2 == conv.drift.count(kind="wrong_type")


def test_missing_required_key_is_counted() -> None:
    """A required key that is absent is counted as missing_required."""
    conv = Converter()
    conv.structure({"itemCode": "x"}, Item)
    assert 1 == conv.drift.count(model="Item", field="id", kind="missing_required")


def test_strict_mode_raises_on_first_deviation() -> None:
    """strict=True turns any deviation into a DriftError naming model, field and kind."""
    conv = Converter(strict=True)
    with pytest.raises(DriftError, match=r"Item\.active: int as bool") as info:
        conv.structure({"id": "x", "active": 0}, Item)
    assert ("Item", "active", "int_as_bool") == (
        info.value.model,
        info.value.field,
        info.value.kind,
    )
    with pytest.raises(DriftError, match="unknown key"):
        conv.structure({"id": "x", "surprise": 1}, Item)
    assert conv.structure(PAYLOAD, Item).item_code == "SKU-1"


def test_unstructure_emits_exact_wire_names_and_omits_unset() -> None:
    """Writes carry only the fields that were set, under their wire names, in wire formats."""
    conv = Converter()
    item = Item(
        item_code="SKU",
        cost_price=Decimal("12.34"),
        updated_at=datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))),
        ledger=None,
        prices=[Link(id="P1")],
    )
    assert {
        "itemCode": "SKU",
        "cost_price": Decimal("12.34"),
        "updated_at": "2025-01-01T10:00:00Z",
        "ledger": None,
        "prices": [{"id": "P1"}],
    } == conv.unstructure(item)


def test_round_trip_of_a_realistic_payload() -> None:
    """structure then unstructure gives back the payload (up to date-time formatting)."""
    conv = Converter()
    out = conv.unstructure(conv.structure(PAYLOAD, Item))
    expected = {**PAYLOAD, "updated_at": "2016-02-29T16:22:34.400Z", "cost_price": Decimal("12.34")}
    assert expected == out


def test_drift_report_shapes() -> None:
    """The report reads as rows, a nested dict and a text summary; reset empties it."""
    conv = Converter()
    conv.structure({"id": "x", "active": 1, "Z_a": 1}, Item)
    assert {"Item": {"Z_a": {"unknown_key": 1}, "active": {"int_as_bool": 1}}} == (
        conv.drift.as_dict()
    )
    assert "Item.active: int_as_bool x1" in str(conv.drift)
    conv.drift.reset()
    assert "no drift" == str(conv.drift)


def test_model_repr_hides_unset_fields() -> None:
    """A model's repr shows only the fields that are set."""
    assert "Link(id='L1')" == repr(Link(id="L1"))


# --- properties -------------------------------------------------------------------------------

text = st.text(max_size=20)
aware = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
money = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False)
# Money as the API may send it (unit prices, exchange rates): up to 40 digits, large and tiny
# exponents. As JSON strings (Accounting's usual encoding) every digit must come back; as JSON
# numbers, the 15 significant digits a double holds exactly (a float-based JSON parser keeps no
# more: docs/contracts.md section 3).
long_decimals = st.builds(
    lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
    st.from_regex(r"-?[0-9]{1,40}", fullmatch=True),
    st.integers(-30, 30),
) | st.decimals(allow_nan=False, allow_infinity=False)
number_decimals = st.builds(
    lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
    st.from_regex(r"-?[1-9][0-9]{0,14}", fullmatch=True),
    st.integers(-20, 20),
)
# Every finite double: subnormals, -0.0, the extremes, and shortest-repr edge cases.
floats = st.floats(allow_nan=False, allow_infinity=False)
links = st.builds(Link, id=text, displayed_as=text | st.just(UNSET), path=text | st.just(UNSET))
items = st.builds(
    Item,
    id=text,
    item_code=text | st.just(UNSET),
    active=st.booleans() | st.just(UNSET),
    quantity=st.integers(-(10**12), 10**12) | st.just(UNSET),
    weight=floats | st.just(UNSET),
    cost_price=money | st.just(UNSET),
    updated_at=aware | st.just(UNSET),
    deleted_at=aware | st.none() | st.just(UNSET),
    since=st.dates() | st.just(UNSET),
    ledger=links | st.none() | st.just(UNSET),
    prices=st.lists(links, max_size=3) | st.just(UNSET),
    tags=st.lists(text, max_size=3) | st.just(UNSET),
)


@settings(max_examples=200, deadline=None)
@given(items)
def test_property_round_trip(item: Item) -> None:
    """
    Any model survives unstructure -> JSON -> structure unchanged, with no drift counted; floats
    keep every bit (-0.0 and subnormals included).
    """
    conv = Converter()
    again = conv.structure(loads(dumps(conv.unstructure(item))), Item)
    assert item == again
    assert repr(item.weight) == repr(again.weight)  # == alone cannot tell -0.0 from 0.0
    assert 0 == conv.drift.total, str(conv.drift)


@settings(max_examples=200, deadline=None)
@given(long_decimals)
def test_property_money_strings_keep_every_digit(value: Decimal) -> None:
    """A Decimal sent as a JSON string (Accounting's encoding) decodes exactly, every digit."""
    conv = Converter(strict=True)
    wire = loads(dumps({"id": "x", "cost_price": str(value)}))
    assert value == conv.structure(wire, Item).cost_price


@settings(max_examples=200, deadline=None)
@given(number_decimals)
def test_property_money_numbers_keep_fifteen_digits(value: Decimal) -> None:
    """A Decimal written as a JSON number and read back keeps its (up to 15) digits exactly."""
    conv = Converter(strict=True)
    again = conv.structure(loads(dumps(conv.unstructure(Item(id="x", cost_price=value)))), Item)
    assert value == again.cost_price


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*PAYLOAD, "Z_x", "other"]), json_values))
def test_property_lenient_decode_never_crashes_or_loses_keys(data: dict[str, Any]) -> None:
    """Whatever JSON arrives, lenient decode yields a model and re-encodes every key it got."""
    conv = Converter()
    item = conv.structure(data, Item)
    assert set(data) == set(conv.unstructure(item))


def test_large_bodies_parse_with_gc_paused_and_restored() -> None:
    """A large body parses the same with the collector paused, and the GC state is restored."""
    import gc

    from sage_async._json import PAUSE_GC_ABOVE

    big = dumps([{"id": i, "name": "x" * 50} for i in range(PAUSE_GC_ABOVE // 40)])
    assert len(big) > PAUSE_GC_ABOVE
    assert PAUSE_GC_ABOVE // 40 == len(loads(big))
    assert gc.isenabled()
    gc.disable()
    try:
        loads(big)
        assert not gc.isenabled()
    finally:
        gc.enable()
