"""The generated models on payloads shaped like the facts' examples, and writes to wire names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sage_async import UNSET, Converter
from sage_async._json import dumps, loads
from sage_async.models import accounting, sales


# accounting FACTS §4 (envelope), §6 (error array), §9 (StockItem); last page: $next is null.
STOCK_ITEMS_PAGE = b"""{
  "$total": 21, "$page": 2, "$next": null,
  "$back": "/stock_items?page=1&items_per_page=20&attributes=all", "$itemsPerPage": 20,
  "$items": [{
    "id": "3f2a9c0e11d24a5b8c7d6e5f4a3b2c1d", "displayed_as": "Widget (SKU-1)",
    "$path": "/stock_items/3f2a9c0e11d24a5b8c7d6e5f4a3b2c1d",
    "created_at": "2024-11-02T09:15:22Z", "updated_at": "2025-01-06T16:22:34.4Z",
    "deleted_at": null, "active": true, "deletable": true, "deactivatable": true,
    "used_on_recurring_invoice": false, "item_code": "SKU-1", "description": "Blue widget",
    "notes": null, "barcode": "5012345678900",
    "sales_ledger_account": {"id": "9a1", "displayed_as": "Sales Type A (4000)",
                             "$path": "/ledger_accounts/9a1"},
    "sales_tax_rate": {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%",
                       "$path": "/tax_rates/GB_STANDARD"},
    "cost_price": 12.34, "reorder_level": 5, "quantity_in_stock": 140.0,
    "average_cost_price": 11.875, "cost_price_last_updated": "2025-01-06",
    "sales_prices": [{"id": "sp1", "displayed_as": "Selling Price", "price_name": "Selling Price",
                      "price": 19.99, "price_includes_tax": false,
                      "product_sales_price_type": {"id": "1", "displayed_as": "Sell",
                                                   "$path": "/product_sales_price_types/1"}}]
  }]
}"""

ERRORS = b"""[{"$severity": "error", "$dataCode": "RecordInvalid",
  "$message": "This field is required.", "$source": "line_items.tax_rate_id"}]"""

# sales FACTS: {id, value} lookups on read, deleted as 0, Z_ custom fields, 1-3 fraction digits.
SALES_ACCOUNT = b"""{
  "id": 1042, "name": "Acme Industrial", "extId": null,
  "typeId": {"id": 3, "value": "Customer"}, "statusId": {"id": 1, "value": "Active"},
  "branchId": {"id": 2, "value": "Madrid"},
  "dateCreated": "2016-02-29T16:22:34.4Z", "dateUpdated": "2016-03-01T10:00:40.96Z",
  "dateDeleted": null, "deleted": 0, "Z_SKU": "ACM-01", "Z_nif": "B12345678"
}"""


def test_accounting_envelope_with_next_null_decodes_without_drift() -> None:
    """The last page of a $items envelope decodes strictly: $next null, money as Decimal."""
    conv = Converter(strict=True)
    page = conv.structure(loads(STOCK_ITEMS_PAGE), accounting.StockItemPage)
    assert page.next is None
    assert (21, 2, 20) == (page.total, page.page, page.items_per_page)
    assert page.items is not UNSET
    item = page.items[0]
    assert "/stock_items/3f2a9c0e11d24a5b8c7d6e5f4a3b2c1d" == item.path
    assert Decimal("12.34") == item.cost_price
    assert Decimal("11.875") == item.average_cost_price
    assert datetime(2025, 1, 6, 16, 22, 34, 400000, tzinfo=UTC) == item.updated_at
    assert date(2025, 1, 6) == item.cost_price_last_updated
    assert "Sales Type A (4000)" == item.sales_ledger_account.displayed_as  # type: ignore[union-attr]
    assert item.sales_prices is not UNSET
    assert Decimal("19.99") == item.sales_prices[0].price


def test_accounting_error_array_decodes() -> None:
    """The $dataCode error array decodes into ErrorItem models."""
    conv = Converter(strict=True)
    errors = [conv.structure(e, accounting.ErrorItem) for e in loads(ERRORS)]
    assert [("RecordInvalid", "line_items.tax_rate_id")] == [
        (e.data_code, e.source) for e in errors
    ]


def test_sales_lookups_int_deleted_and_custom_fields() -> None:
    """
    Lookups become Lookup models, deleted: 0 becomes False (counted), Z_ fields are kept in
    extras and are not drift (the spec declares them open).
    """
    conv = Converter()
    account = conv.structure(loads(SALES_ACCOUNT), sales.Account)
    assert sales.Lookup(id=3, value="Customer") == account.type_id
    assert account.deleted is False
    assert {"Z_SKU": "ACM-01", "Z_nif": "B12345678"} == account.extras
    assert datetime(2016, 3, 1, 10, 0, 40, 960000, tzinfo=UTC) == account.date_updated
    assert 1 == conv.drift.count(model="Account", field="deleted", kind="int_as_bool")
    assert 0 == conv.drift.count(model="Account", kind="unknown_key")


def test_contact_gender_is_a_value_list_and_product_family_has_description() -> None:
    """Release notes: contact gender is a value list; product families have a description."""
    conv = Converter(strict=True)
    contact = conv.structure({"id": 1, "gender": {"id": 2, "value": "Female"}}, sales.Contact)
    assert sales.Lookup(id=2, value="Female") == contact.gender
    family = conv.structure({"id": 7, "description": "Sunglasses"}, sales.ProductFamily)
    assert "Sunglasses" == family.description
    assert not hasattr(family, "name")


def test_writes_round_trip_to_wire_names() -> None:
    """Write models encode to exactly the wire names, plain ids for lookups, unset left out."""
    conv = Converter()
    account = sales.AccountWrite(name="Acme", branch_id=2, sales_rep_id1=7, type_id=3)
    assert {"name": "Acme", "branchId": 2, "salesRepId1": 7, "typeId": 3} == conv.unstructure(
        account
    )
    item = accounting.StockItemWrite(
        item_code="SKU-1",
        description="Blue widget",
        sales_ledger_account_id="9a1",
        purchase_ledger_account_id="9b2",
        cost_price=Decimal("12.340"),
    )
    body = conv.unstructure(item)
    assert {
        "item_code": "SKU-1",
        "description": "Blue widget",
        "sales_ledger_account_id": "9a1",
        "purchase_ledger_account_id": "9b2",
        "cost_price": Decimal("12.340"),
    } == body
    assert b'"cost_price":12.340' in dumps(body)  # every digit, as a JSON number
    again = conv.structure(loads(dumps(body)), accounting.StockItemWrite)
    assert item == again


def _codegen() -> Any:
    """Load codegen/generate.py (a script, not a package) as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "codegen" / "generate.py"
    spec = importlib.util.spec_from_file_location("sage_codegen", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_resource_table_emits_related_only_when_declared() -> None:
    """`x-sage-resource.related` becomes `related=(Related(...),)`; without it nothing changes."""
    generate = _codegen()
    info = {"name": "users", "model": "User", "id_type": "integer", "operations": ["list"]}
    bare = generate.resource_table({"paths": {"/users": {"x-sage-resource": info}}}, "x.yaml")
    assert "related=" not in bare
    related = [{"name": "scores", "path": "scores", "model": "UserScore"}]
    paths = {"/users": {"x-sage-resource": {**info, "related": related}}}
    table = generate.resource_table({"paths": paths}, "x.yaml")
    assert "related=(\n            Related('scores', 'scores', _m('UserScore')),\n" in table
