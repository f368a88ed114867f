"""
The converter's real-payload conventions: money as strings, open keys, aliases, empty dates,
references that come as links or as whole objects, and drift reported at its place.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from sage_async import UNSET, DriftError, Model, Unset
from sage_async._converter import Converter


def wire(name: str, *, nullable: bool = False, aliases: tuple[str, ...] = ()) -> dict[str, Any]:
    meta: dict[str, Any] = {"wire": name, "required": False, "nullable": nullable}
    if aliases:
        meta["aliases"] = aliases
    return meta


@attrs.define(kw_only=True, repr=False)
class Ledger(Model):
    """A resource with many fields: a link to it takes the sparse path."""

    id: str | Unset = attrs.field(default=UNSET, metadata=wire("id"))
    displayed_as: str | Unset = attrs.field(default=UNSET, metadata=wire("displayed_as"))
    path: str | Unset = attrs.field(default=UNSET, metadata=wire("$path"))
    nominal_code: int | None | Unset = attrs.field(
        default=UNSET, metadata=wire("nominal_code", nullable=True)
    )
    name: str | Unset = attrs.field(default=UNSET, metadata=wire("name"))
    balance: Decimal | Unset = attrs.field(default=UNSET, metadata=wire("balance"))
    debit: Decimal | Unset = attrs.field(default=UNSET, metadata=wire("debit"))
    credit: Decimal | Unset = attrs.field(default=UNSET, metadata=wire("credit"))
    active: bool | Unset = attrs.field(default=UNSET, metadata=wire("active"))
    visible: bool | Unset = attrs.field(default=UNSET, metadata=wire("visible"))
    tax: Ledger | None | Unset = attrs.field(default=UNSET, metadata=wire("tax", nullable=True))
    extras: dict[str, Any] = attrs.field(factory=dict, metadata={"extras": True})


@attrs.define(kw_only=True, repr=False)
class Line(Model):
    id: str | Unset = attrs.field(default=UNSET, metadata=wire("id"))
    ledger_account: Ledger | Unset = attrs.field(default=UNSET, metadata=wire("ledger_account"))
    lines: list[Ledger] | Unset = attrs.field(default=UNSET, metadata=wire("lines"))
    total: Decimal | None | Unset = attrs.field(
        default=UNSET, metadata=wire("total", nullable=True)
    )
    from_date: date | None | Unset = attrs.field(
        default=UNSET, metadata=wire("from_date", nullable=True)
    )
    to_date: date | Unset = attrs.field(default=UNSET, metadata=wire("to_date"))
    extras: dict[str, Any] = attrs.field(factory=dict, metadata={"extras": True})


@attrs.define(kw_only=True, repr=False)
class Account(Model):
    """A Sales-style record: custom Z_ fields are open keys, one field has two spellings."""

    __sage_open__ = ("^Z_",)
    id: int | Unset = attrs.field(default=UNSET, metadata=wire("id"))
    use_company_address: bool | None | Unset = attrs.field(
        default=UNSET,
        metadata=wire("UseCompanyAddress", nullable=True, aliases=("useCompanyAddress",)),
    )
    extras: dict[str, Any] = attrs.field(factory=dict, metadata={"extras": True})


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0", Decimal("10.0")),
        ("-430035.84", Decimal("-430035.84")),
        ("0.333333333333333333333", Decimal("0.333333333333333333333")),
        (120.5, Decimal("120.5")),
        (7, Decimal(7)),
    ],
)
def test_money_as_string_or_number_is_no_drift(value: Any, expected: Decimal, strict: bool) -> None:
    """Accounting money arrives as a JSON string or number: both decode to Decimal cleanly."""
    conv = Converter(strict=strict)
    assert expected == conv.structure({"total": value}, Line).total
    assert 0 == conv.drift.total
    assert {"total": expected} == conv.unstructure(conv.structure({"total": value}, Line))


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_non_numeric_money_string_is_still_drift(value: str) -> None:
    """A string that is no finite number is drift (kept raw leniently, an error when strict)."""
    conv = Converter()
    assert value == conv.structure({"total": value}, Line).total
    assert 1 == conv.drift.count(model="Line", field="total", kind="wrong_type")
    with pytest.raises(DriftError):
        Converter(strict=True).structure({"total": value}, Line)


def test_empty_string_date_reads_as_none() -> None:
    """Settings resources send "" for an unset date: None, no drift where the field is nullable."""
    conv = Converter(strict=True)
    assert conv.structure({"from_date": ""}, Line).from_date is None
    lenient = Converter()
    assert lenient.structure({"to_date": ""}, Line).to_date is None
    assert 1 == lenient.drift.count(field="to_date", kind="unexpected_null")


@pytest.mark.parametrize("strict", [False, True])
def test_open_keys_stay_in_extras_without_drift(strict: bool) -> None:
    """Z_ custom fields are kept and written back, and never counted, strict included."""
    conv = Converter(strict=strict)
    account = conv.structure({"id": 1, "Z_SKU": "A-1", "Z_nif": None}, Account)
    assert {"Z_SKU": "A-1", "Z_nif": None} == account.extras
    assert 0 == conv.drift.total
    assert {"id": 1, "Z_SKU": "A-1", "Z_nif": None} == conv.unstructure(account)


def test_other_unknown_keys_are_still_drift_on_an_open_model() -> None:
    """Only keys matching the open patterns are exempt."""
    conv = Converter()
    account = conv.structure({"id": 1, "surprise": 2}, Account)
    assert {"surprise": 2} == account.extras
    assert 1 == conv.drift.count(model="Account", field="surprise", kind="unknown_key")
    with pytest.raises(DriftError):
        Converter(strict=True).structure({"id": 1, "surprise": 2}, Account)


@pytest.mark.parametrize("key", ["UseCompanyAddress", "useCompanyAddress"])
def test_both_spellings_read_into_one_attribute(key: str) -> None:
    """Either spelling seen in the wild decodes into the one attribute; writes use the spec's."""
    conv = Converter(strict=True)
    account = conv.structure({"id": 1, key: True}, Account)
    assert account.use_company_address is True
    assert {"id": 1, "UseCompanyAddress": True} == conv.unstructure(account)


@pytest.mark.parametrize(
    "ledger",
    [
        {"id": "L1", "displayed_as": "Sales (4000)", "$path": "/ledger_accounts/L1"},
        {
            "id": "L1",
            "displayed_as": "Sales (4000)",
            "$path": "/ledger_accounts/L1",
            "nominal_code": None,
            "name": "Sales",
            "balance": "-430035.84",
            "debit": "0.0",
            "credit": 12,
            "active": True,
            "visible": True,
            "tax": {"id": "T1", "displayed_as": "Standard", "$path": "/tax_rates/T1"},
        },
    ],
)
def test_a_reference_decodes_as_a_link_or_as_the_whole_object(ledger: dict[str, Any]) -> None:
    """A reference is typed as the full model: a link and a whole object both decode into it."""
    conv = Converter(strict=True)
    line = conv.structure({"id": "J1", "ledger_account": ledger, "lines": [ledger]}, Line)
    assert isinstance(line.ledger_account, Ledger)
    assert "L1" == line.ledger_account.id
    assert "/ledger_accounts/L1" == line.ledger_account.path
    assert line.lines[0] == line.ledger_account  # type: ignore[index]
    assert ledger.keys() == conv.unstructure(line.ledger_account).keys()
    if len(ledger) == 3:
        assert UNSET is line.ledger_account.balance
    else:
        assert Decimal("-430035.84") == line.ledger_account.balance
        assert isinstance(line.ledger_account.tax, Ledger)


def test_sparse_path_still_converts_and_counts() -> None:
    """A small dict for a big model still converts its values and reports drift at its place."""
    conv = Converter()
    line = conv.structure({"ledger_account": {"id": "L1", "balance": "1.5", "extra": 1}}, Line)
    assert Decimal("1.5") == line.ledger_account.balance  # type: ignore[union-attr]
    assert {"extra": 1} == line.ledger_account.extras  # type: ignore[union-attr]
    assert 1 == conv.drift.count(model="Line", field="ledger_account.extra", kind="unknown_key")


def test_drift_reports_name_the_place_in_the_payload() -> None:
    """A row names the top model and the path to the field, not only the nested class."""
    conv = Converter()
    payload = {
        "ledger_account": {"id": "L1", "balance": "lots", "name": "x", "debit": 1, "credit": 1},
        "lines": [{"id": "L2", "active": 1, "name": "y", "debit": 1, "credit": 1, "balance": 1}],
    }
    conv.structure(payload, Line)
    rows = {(r.model, r.field, r.kind) for r in conv.drift}
    assert ("Line", "ledger_account.balance", "wrong_type") in rows
    assert ("Line", "lines.active", "int_as_bool") in rows
    with pytest.raises(DriftError, match=r"Line\.ledger_account\.balance: wrong type"):
        Converter(strict=True).structure(payload, Line)


def test_nested_path_through_two_levels() -> None:
    """Deeper objects extend the path (``ledger_account.tax.active``)."""
    conv = Converter()
    payload = {"ledger_account": {"id": "L1", "name": "n", "tax": {"id": "T", "active": 0}}}
    conv.structure(payload, Line)
    assert 1 == conv.drift.count(model="Line", field="ledger_account.tax.active")
