"""A 1,000,000-record sandbox: pages near the start, middle and end, at flat memory."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sage_async._converter import Converter
from sage_async.models.accounting import StockItem
from sage_async.models.sales import Account
from sage_async.testing import Sandbox

from .conftest import bearer, get_json, sales_login


MILLION = 1_000_000


@pytest.fixture
async def big() -> AsyncIterator[Sandbox]:
    """A sandbox with a million Sales accounts and a million Accounting stock items."""
    async with Sandbox(
        seed=1,
        sales_records={"accounts": MILLION},
        accounting_records={"stock_items": MILLION},
        page_cache_bytes=0,
    ) as sandbox:
        yield sandbox


async def test_million_sales_accounts_page_start_middle_end(
    big: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Pages 0, the middle one and the last one hold the right ids; past the end is empty."""
    headers = {**(await sales_login(http, big)), "count": "300"}
    url = f"{big.sales_url}/accounts"
    converter = Converter(strict=True)
    last = MILLION // 300  # page 3333 holds the final 100 rows
    for page, first_id, size in ((0, 1, 300), (1666, 499_801, 300), (last, 999_901, 100)):
        _, rows, _ = await get_json(http, url, headers=headers, params={"page": str(page)})
        assert len(rows) == size
        assert rows[0]["id"] == first_id
        converter.structure_list(rows, Account)
    _, rows, _ = await get_json(http, url, headers=headers, params={"page": str(last + 1)})
    assert rows == []
    assert converter.drift.total == 0


async def test_million_stock_items_envelope(big: Sandbox, http: aiohttp.ClientSession) -> None:
    """$total is exact; the middle and the last page come out right; past the end = last."""
    url = f"{big.accounting_url}/stock_items"
    params = {"items_per_page": "200", "attributes": "all"}
    _, middle, _ = await get_json(http, url, headers=bearer(big), params={**params, "page": "2500"})
    assert middle["$total"] == MILLION
    factory = big.collection("accounting", "stock_items").factory
    assert middle["$items"][0]["id"] == factory.record_id(499_800)
    _, last, _ = await get_json(http, url, headers=bearer(big), params={**params, "page": "5000"})
    _, past, _ = await get_json(http, url, headers=bearer(big), params={**params, "page": "7000"})
    assert last["$next"] is None
    assert past["$items"] == last["$items"]
    assert len(last["$items"]) == 200
    Converter(strict=True).structure_list(last["$items"], StockItem)


async def test_incremental_where_near_the_end_is_fast(
    big: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A dateUpdated watermark near the end scans only the tail, not a million records."""
    headers = {**(await sales_login(http, big)), "count": "300"}
    tail = big.record("sales", "accounts", 999_990)
    assert tail is not None
    started = time.monotonic()
    where = f"dateUpdated >= '{tail['dateUpdated']}' AND (id = 999990 OR id = 12)"
    _, rows, _ = await get_json(
        http, f"{big.sales_url}/accounts", headers=headers, params={"where": where}
    )
    assert time.monotonic() - started < 5
    assert [r["id"] for r in rows] == [999_990]


async def test_memory_stays_flat_while_paging(big: Sandbox, http: aiohttp.ClientSession) -> None:
    """Hundreds of page requests over a million records keep the traced peak small."""
    headers = await sales_login(http, big)
    url = f"{big.sales_url}/accounts"
    tracemalloc.start()
    try:
        for page in range(0, 20_000, 100):  # 200 pages of 50 spread over the collection
            async with http.get(url, headers=headers, params={"page": str(page)}) as resp:
                assert resp.status == 200
                await resp.read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    assert big.collection("sales", "accounts").overlay == {}
