"""Seeded data: determinism, strict decoding of every resource, mutations over time."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest

from sage_async._converter import Converter
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.models.sales import RESOURCES as SALES
from sage_async.testing import Sandbox

from .conftest import bearer, get_json, sales_login


def test_same_seed_same_records_other_seed_other_records() -> None:
    """Record i of a resource is a pure function of the seed: same seed, same data."""
    one, two, other = Sandbox(seed=5), Sandbox(seed=5), Sandbox(seed=6)
    for name in ("accounts", "contacts", "sales_orders"):
        assert one.record("sales", name, 17) == two.record("sales", name, 17)
        assert one.record("sales", name, 17) != other.record("sales", name, 17)
    key = one.ids("accounting", "stock_items")[3]
    assert one.record("accounting", "stock_items", key) == two.record(
        "accounting", "stock_items", key
    )
    assert one.business_ids == two.business_ids


def test_generation_is_independent_of_order() -> None:
    """Building record 40 first or last gives the same record (no hidden shared state)."""
    sb = Sandbox(seed=9)
    col = sb.collection("sales", "accounts")
    late = [col.get(i) for i in range(41)][40]
    assert Sandbox(seed=9).collection("sales", "accounts").get(40) == late


async def test_every_sales_resource_lists_and_decodes_strictly(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Each Sales resource lists and gets (405 where the API has no get); zero drift."""
    converter = Converter(strict=True)
    headers = {**(await sales_login(http, sb)), "count": "120"}
    for spec in SALES.values():
        status, rows, _ = await get_json(http, f"{sb.sales_url}{spec.path}", headers=headers)
        assert status == 200, spec.name
        assert len(rows) == 120
        converter.structure_list(rows, spec.model)
        status, one, _ = await get_json(http, f"{sb.sales_url}{spec.path}/7", headers=headers)
        if not spec.supports("get"):
            assert 405 == status, spec.name
            continue
        assert status == 200
        assert converter.structure(one, spec.model).id == 7
    assert converter.drift.total == 0


async def test_every_accounting_resource_lists_and_decodes_strictly(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Each Accounting resource lists (summaries and attributes=all) and gets, zero drift."""
    converter = Converter(strict=True)
    for spec in ACCOUNTING.values():
        url = f"{sb.accounting_url}{spec.path}"
        if spec.singleton:
            status, one, _ = await get_json(http, url, headers=bearer(sb))
            assert status == 200
            converter.structure(one, spec.model)
            continue
        for attributes in (None, "all"):
            params = {"items_per_page": "200", **({"attributes": attributes} if attributes else {})}
            status, page, _ = await get_json(http, url, headers=bearer(sb), params=params)
            assert status == 200, spec.name
            items = page if spec.list_shape == "array" else page["$items"]
            assert items, spec.name
            converter.structure_list(items, spec.model)
        if not spec.supports("get"):
            continue
        key = items[-1]["id"]
        status, one, _ = await get_json(http, f"{url}/{key}", headers=bearer(sb))
        assert status == 200, spec.name
        assert converter.structure(one, spec.model).id == key
    assert converter.drift.total == 0


async def test_sales_mutations_show_in_pages_and_where(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Updates, deletes and creates appear in later pages and in dateUpdated filters."""
    headers = {**(await sales_login(http, sb)), "count": "300"}
    url = f"{sb.sales_url}/contacts"
    _, before, _ = await get_json(http, url, headers=headers)
    watermark = max(r["dateUpdated"] for r in before)
    sb.clock.advance(5)
    sb.update("sales", "contacts", 10, {"city": "Oviedo"})
    sb.delete("sales", "contacts", 11)
    created = sb.create("sales", "contacts", {"firstName": "Nina"})
    _, after, _ = await get_json(http, url, headers=headers)
    assert len(after) == len(before) + 1
    assert after[9]["city"] == "Oviedo"
    assert after[10]["deleted"] is True
    assert after[-1]["id"] == created["id"] == 121
    params = {"where": f"dateUpdated > '{watermark}'"}
    _, changed, _ = await get_json(http, url, headers=headers, params=params)
    assert sorted(r["id"] for r in changed) == [10, 11, 121]
    Converter(strict=True).structure_list(changed, SALES["contacts"].model)


async def test_accounting_incremental_params_see_changes(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """updated_or_created_since returns exactly what changed after the watermark."""
    url = f"{sb.accounting_url}/products"
    sb.clock.advance(1)
    since = sb.clock.now().replace(microsecond=0).isoformat()  # the API stamps whole seconds
    keys = sb.ids("accounting", "products")
    sb.update("accounting", "products", keys[2], {"description": "changed"})
    new = sb.create("accounting", "products", {"item_code": "P-NEW", "description": "new"})
    params = {"updated_or_created_since": since, "attributes": "description"}
    _, body, _ = await get_json(http, url, headers=bearer(sb), params=params)
    assert [i["id"] for i in body["$items"]] == [keys[2], new["id"]]
    _, full, _ = await get_json(http, url, headers=bearer(sb))
    assert full["$total"] == 51


def test_unknown_resource_sizes_are_refused() -> None:
    """A records mapping naming no resource is a usage error."""
    with pytest.raises(ValueError, match="unknown resources"):
        Sandbox(sales_records={"nope": 3})


def test_accounting_money_is_mostly_json_strings_like_the_live_api() -> None:
    """Accounting money and quantities are JSON strings ("10.0") most of the time and numbers
    now and then, as the live API sends them; both decode strictly to Decimal."""
    sb = Sandbox(seed=3)
    money = ("cost_price", "quantity_in_stock", "average_cost_price", "last_cost_price")
    kinds = {"str": 0, "number": 0}
    converter = Converter(strict=True)
    for key in sb.ids("accounting", "stock_items")[:60]:
        record = sb.record("accounting", "stock_items", key)
        item = converter.structure(record, ACCOUNTING["stock_items"].model)
        for wire in money:
            value = record[wire]
            if value is None:
                continue
            kinds["str" if isinstance(value, str) else "number"] += 1
            assert Decimal(str(value)) == getattr(item, wire)
    assert kinds["str"] > 4 * kinds["number"] > 0, kinds
    assert converter.drift.total == 0
