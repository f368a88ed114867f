"""Accounting v3.1 behaviour of the sandbox, driven with plain aiohttp requests."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sage_async._converter import Converter
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.testing import Sandbox

from .conftest import bearer, get_json


async def test_bearer_token_is_required(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Without a live bearer token the API answers 401 with an error array."""
    status, body, headers = await get_json(http, f"{sb.accounting_url}/stock_items")
    assert status == 401
    assert body[0]["$dataCode"] == "AuthorizationFailure"
    assert "Bearer" in headers["WWW-Authenticate"]


async def test_envelope_and_links(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Lists use the $items envelope; $next/$back carry the query and are null at the ends."""
    url = f"{sb.accounting_url}/stock_items"
    params = {"items_per_page": "20", "attributes": "item_code"}
    _, first, _ = await get_json(http, url, headers=bearer(sb), params=params)
    assert first["$total"] == 50
    assert first["$page"] == 1
    assert first["$itemsPerPage"] == 20
    assert first["$back"] is None
    assert first["$next"] == "/stock_items?page=2&items_per_page=20&attributes=item_code"
    assert set(first["$items"][0]) == {"id", "displayed_as", "$path", "item_code"}
    _, third, _ = await get_json(
        http, sb.accounting_url + first["$next"].replace("2", "3", 1), headers=bearer(sb)
    )
    assert third["$next"] is None
    assert len(third["$items"]) == 10
    assert third["$back"] == "/stock_items?page=2&items_per_page=20&attributes=item_code"


async def test_default_page_size_and_summaries(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """items_per_page defaults to 20 and items are summaries unless attributes asks for more."""
    _, body, _ = await get_json(http, f"{sb.accounting_url}/contacts", headers=bearer(sb))
    assert body["$itemsPerPage"] == 20
    assert len(body["$items"]) == 20
    assert all(set(item) == {"id", "displayed_as", "$path"} for item in body["$items"])
    _, full, _ = await get_json(
        http, f"{sb.accounting_url}/contacts", headers=bearer(sb), params={"attributes": "all"}
    )
    assert {"created_at", "updated_at"} <= set(full["$items"][0])


async def test_items_per_page_above_200_is_422(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """items_per_page over 200 (or not a number) is refused with a RecordInvalid array."""
    for value in ("201", "abc", "0"):
        status, body, _ = await get_json(
            http,
            f"{sb.accounting_url}/stock_items",
            headers=bearer(sb),
            params={"items_per_page": value},
        )
        assert status == 422
        assert body[0]["$dataCode"] == "RecordInvalid"
        assert body[0]["$source"] == "items_per_page"


async def test_page_past_the_end_returns_the_last_page(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A page number past the end returns the last page again (not an empty page)."""
    url = f"{sb.accounting_url}/stock_items"
    _, last, _ = await get_json(http, url, headers=bearer(sb), params={"page": "3"})
    _, past, _ = await get_json(http, url, headers=bearer(sb), params={"page": "99"})
    assert past["$items"] == last["$items"]
    assert past["$items"]
    assert past["$next"] is None


async def test_x_business_selects_and_is_echoed(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """X-Business picks one of several businesses (lead when absent) and is echoed back."""
    url = f"{sb.accounting_url}/stock_items"
    assert len(sb.business_ids) == 3
    _, lead, headers = await get_json(http, url, headers=bearer(sb))
    assert headers["X-Business"] == sb.lead_business
    other = sb.business_ids[1]
    _, second, headers = await get_json(http, url, headers=bearer(sb, **{"X-Business": other}))
    assert headers["X-Business"] == other
    assert lead["$items"][0]["id"] != second["$items"][0]["id"]
    status, body, _ = await get_json(http, url, headers=bearer(sb, **{"X-Business": "nope"}))
    assert status == 403
    assert body[0]["$dataCode"] == "AuthorizationFailure"


async def test_businesses_and_user(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """/businesses lists every business with the $items_per_page quirk; /user answers."""
    _, body, _ = await get_json(http, f"{sb.accounting_url}/businesses", headers=bearer(sb))
    assert [b["id"] for b in body["$items"]] == sb.business_ids
    assert body["$items_per_page"] == 2147483647
    assert "$itemsPerPage" not in body
    _, lead, _ = await get_json(http, f"{sb.accounting_url}/businesses/lead", headers=bearer(sb))
    assert lead["id"] == sb.lead_business
    status, user, _ = await get_json(http, f"{sb.accounting_url}/user", headers=bearer(sb))
    assert status == 200
    assert user["email"]


async def test_search_active_stock_filters(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """search, active, out_of_stock and below_reorder_level filter stock items."""
    url = f"{sb.accounting_url}/stock_items"
    data = sb.accounting_data()["stock_items"]
    records = [data.get(i) for i in range(50)]
    params = {"items_per_page": "200", "attributes": "all"}

    async def ids(**extra: str) -> set[str]:
        _, body, _ = await get_json(http, url, headers=bearer(sb), params={**params, **extra})
        return {item["id"] for item in body["$items"]}

    code = records[7]["item_code"]  # type: ignore[index]
    assert await ids(search=code.lower()) == {records[7]["id"]}  # type: ignore[index]
    assert await ids(active="true") == {r["id"] for r in records if r["active"]}  # type: ignore[index]
    # money and quantities are JSON strings ("10.0") or numbers, as the live API sends them
    stock = {r["id"]: Decimal(str(r["quantity_in_stock"])) for r in records}  # type: ignore[index]
    out = {key for key, quantity in stock.items() if quantity <= 0}
    assert await ids(out_of_stock="true") == out
    below = {
        r["id"]  # type: ignore[index]
        for r in records
        if stock[r["id"]] < Decimal(str(r["reorder_level"]))  # type: ignore[index]
    }
    assert await ids(below_reorder_level="true") == below
    status, _, _ = await get_json(http, url, headers=bearer(sb), params={"active": "maybe"})
    assert status == 422


async def test_sort_and_contact_id(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """sort=field:desc orders artefacts; contact_id selects one contact's invoices."""
    url = f"{sb.accounting_url}/sales_invoices"
    params = {"items_per_page": "200", "attributes": "all", "sort": "date:desc"}
    _, body, _ = await get_json(http, url, headers=bearer(sb), params=params)
    dates = [item["date"] for item in body["$items"]]
    assert dates == sorted(dates, reverse=True)
    contact = body["$items"][0]["contact"]["id"]
    params = {"items_per_page": "200", "attributes": "contact", "contact_id": contact}
    _, mine, _ = await get_json(http, url, headers=bearer(sb), params=params)
    assert mine["$items"]
    assert all(item["contact"]["id"] == contact for item in mine["$items"])
    status, body, _ = await get_json(http, url, headers=bearer(sb), params={"sort": "nope"})
    assert status == 422
    assert body[0]["$source"] == "sort"


async def test_sort_by_money_orders_by_amount(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """sort=total_amount orders by the amount, although amounts are JSON strings ("999.5")."""
    url = f"{sb.accounting_url}/sales_invoices"
    params = {"items_per_page": "200", "attributes": "total_amount", "sort": "total_amount:desc"}
    status, body, _ = await get_json(http, url, headers=bearer(sb), params=params)
    assert status == 200
    values = [item["total_amount"] for item in body["$items"]]
    amounts = [Decimal(str(value)) for value in values if value is not None]
    assert any(isinstance(value, str) for value in values)
    assert amounts == sorted(amounts, reverse=True)


async def test_get_missing_is_record_not_found(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """An unknown key answers 404 with a RecordNotFound error array."""
    status, body, _ = await get_json(
        http, f"{sb.accounting_url}/stock_items/0123456789abcdef", headers=bearer(sb)
    )
    assert status == 404
    assert body == [
        {
            "$severity": "error",
            "$dataCode": "RecordNotFound",
            "$message": "Record not found",
            "$source": "",
        }
    ]


async def test_writes_are_wrapped_and_validated(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """POST {stock_item: {...}} → 201 full record; missing required fields → 422 by $source."""
    url = f"{sb.accounting_url}/stock_items"
    ledger = sb.ids("accounting", "ledger_accounts", limit=1)[0]
    body = {
        "stock_item": {
            "item_code": "NEW-1",
            "description": "A new thing",
            "sales_ledger_account_id": ledger,
            "purchase_ledger_account_id": ledger,
            "cost_price": 12.5,
        }
    }
    async with http.post(url, headers=bearer(sb), json=body) as resp:
        assert resp.status == 201
        created = await resp.json()
    assert created["item_code"] == "NEW-1"
    assert created["sales_ledger_account"]["id"] == ledger
    assert created["$path"] == f"/stock_items/{created['id']}"
    async with http.put(
        f"{url}/{created['id']}", headers=bearer(sb), json={"stock_item": {"notes": "hi"}}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["notes"] == "hi"
    async with http.post(url, headers=bearer(sb), json={"stock_item": {"notes": "x"}}) as resp:
        assert resp.status == 422
        errors = await resp.json()
    assert {e["$source"] for e in errors} >= {"item_code", "description"}
    assert all(e["$dataCode"] == "RecordInvalid" for e in errors)
    async with http.post(url, headers=bearer(sb), json={"notes": "unwrapped"}) as resp:
        assert resp.status == 422
    bad = {"stock_item": {**body["stock_item"], "sales_ledger_account_id": "f" * 32}}
    async with http.post(url, headers=bearer(sb), json=bad) as resp:
        assert resp.status == 422
        assert (await resp.json())[0]["$source"] == "sales_ledger_account_id"


async def test_delete_then_deleted_since(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """DELETE → 204; the record leaves lists and GET, and shows up for deleted_since."""
    url = f"{sb.accounting_url}/stock_items"
    key = sb.ids("accounting", "stock_items")[4]
    before = sb.clock.now().isoformat()
    sb.clock.advance(1)
    async with http.delete(f"{url}/{key}", headers=bearer(sb)) as resp:
        assert resp.status == 204
    assert (await get_json(http, f"{url}/{key}", headers=bearer(sb)))[0] == 404
    _, listed, _ = await get_json(http, url, headers=bearer(sb), params={"items_per_page": "200"})
    assert listed["$total"] == 49
    assert key not in {item["id"] for item in listed["$items"]}
    params = {"deleted_since": before, "attributes": "deleted_at"}
    _, deleted, _ = await get_json(http, url, headers=bearer(sb), params=params)
    assert [item["id"] for item in deleted["$items"]] == [key]
    assert deleted["$items"][0]["deleted_at"]
    later = sb.clock.now().isoformat()
    _, none, _ = await get_json(http, url, headers=bearer(sb), params={"deleted_since": later})
    assert none["$items"] == []


async def test_updated_or_created_since_is_inclusive(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A record updated exactly at the bound is included (inclusive)."""
    key = sb.ids("accounting", "contacts")[10]
    record = sb.update("accounting", "contacts", key, {"notes": "changed"})
    params = {"updated_or_created_since": record["updated_at"]}
    _, body, _ = await get_json(
        http, f"{sb.accounting_url}/contacts", headers=bearer(sb), params=params
    )
    assert [item["id"] for item in body["$items"]] == [key]


@pytest.mark.parametrize("region", ["uki", "us"])
async def test_legacy_gateway_needs_subscription_key(
    sb: Sandbox, http: aiohttp.ClientSession, region: str
) -> None:
    """The legacy gateway answers 401 without the subscription key, else like v3.1."""
    url = f"{sb.legacy_url(region)}/stock_items"
    status, body, _ = await get_json(http, url, headers=bearer(sb))
    assert status == 401
    assert "subscription key" in body["message"]
    headers = bearer(sb, **{"Ocp-Apim-Subscription-Key": sb.subscription_key})
    status, body, _ = await get_json(http, url, headers=headers, params={"show_legacy_id": "true"})
    assert status == 200
    assert body["$items"][0]["legacy_id"] == 1
    status, _, _ = await get_json(
        http, url, headers=bearer(sb), params={"subscription-key": sb.subscription_key}
    )
    assert status == 200
    entry = sb.log.entries[-1]
    assert entry.query["subscription-key"] == "***"


async def test_next_link_carries_the_query(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """$next is a relative path whose query parses back to the original parameters."""
    params = {"items_per_page": "5", "search": "e"}
    _, body, _ = await get_json(
        http, f"{sb.accounting_url}/products", headers=bearer(sb), params=params
    )
    assert body["$total"] > 5
    query = parse_qs(urlsplit(body["$next"]).query)
    assert query == {"page": ["2"], "items_per_page": ["5"], "search": ["e"]}
    _, second, _ = await get_json(http, sb.accounting_url + body["$next"], headers=bearer(sb))
    assert second["$page"] == 2


async def test_nested_write_references_become_links(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Nested `<name>_id` fields (journal lines) read back as links; the result decodes strictly."""
    ledger = sb.ids("accounting", "ledger_accounts", limit=1)[0]
    line = {"ledger_account_id": ledger, "debit": 10.5, "credit": 0, "details": "x"}
    body = {
        "journal": {
            "date": "2025-01-02",
            "reference": "J-1",
            "journal_lines": [line, {**line, "debit": 0, "credit": 10.5}],
        }
    }
    async with http.post(f"{sb.accounting_url}/journals", headers=bearer(sb), json=body) as resp:
        assert resp.status == 201
        created = await resp.json()
    first = created["journal_lines"][0]
    assert first["ledger_account"]["id"] == ledger
    assert "ledger_account_id" not in first
    Converter(strict=True).structure(created, ACCOUNTING["journals"].model)
    bad = {"journal": {**body["journal"], "journal_lines": [{**line, "ledger_account_id": "0"}]}}
    async with http.post(f"{sb.accounting_url}/journals", headers=bearer(sb), json=bad) as resp:
        assert resp.status == 422
        assert (await resp.json())[0]["$source"] == "journal_lines.ledger_account_id"


async def test_from_and_to_date_bound_the_date_inclusively(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """from_date/to_date keep artefacts whose `date` lies within the bounds, both included."""
    data = sb.accounting_data()["sales_invoices"]
    dates = sorted(data.get(i)["date"] for i in range(50))  # type: ignore[index]
    low, high = dates[10], dates[30]
    expected = sum(low <= d <= high for d in dates)
    params = {"from_date": low, "to_date": high, "items_per_page": "200", "attributes": "date"}
    _, body, _ = await get_json(
        http, f"{sb.accounting_url}/sales_invoices", headers=bearer(sb), params=params
    )
    assert body["$total"] == expected
    assert all(low <= item["date"] <= high for item in body["$items"])
    status, _, _ = await get_json(
        http,
        f"{sb.accounting_url}/sales_invoices",
        headers=bearer(sb),
        params={"from_date": "yesterday"},
    )
    assert status == 422
