"""Repeated 401 bursts while iterating and exporting: both APIs, concurrency 1 and 16."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sage_async.export import export
from sage_async.testing import Sandbox

from .conftest import accounting, sales


RECORDS = 6_000


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(
        seed=9, sales_records=RECORDS, accounting_records=RECORDS, businesses=1
    ) as sb:
        yield sb


async def collect(sb: Sandbox, api: str, concurrency: int) -> list[Any]:
    if api == "sales":
        async with sales(sb) as client:
            stream = client.accounts.iterate(page_size=50, concurrency=concurrency)
            return [r.id async for r in stream]
    async with accounting(sb) as client:
        stream = client.stock_items.iterate(items_per_page=50, concurrency=concurrency)
        return [r.id async for r in stream]


@pytest.mark.parametrize("api", ["sales", "accounting"])
@pytest.mark.parametrize("concurrency", [1, 16])
async def test_bursts_of_three_every_25_requests(sandbox: Sandbox, api: str,
                                                 concurrency: int) -> None:  # fmt: skip
    """Tokens invalidated on 3 requests in a row out of every 25: every record arrives once."""
    sandbox.faults.expire_tokens(every=25, burst=3, times=None)
    ids = await collect(sandbox, api, concurrency)
    name = "accounts" if api == "sales" else "stock_items"
    assert sorted(sandbox.ids(api, name)) == sorted(ids)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_one_invalidation_in_ten_at_concurrency_1(sandbox: Sandbox, api: str) -> None:
    """Tokens invalidated on one request in ten: a sequential run still completes."""
    sandbox.faults.expire_tokens(every=10, burst=1, times=None)
    ids = await collect(sandbox, api, 1)
    assert RECORDS == len(set(ids))


async def test_sales_one_invalidation_in_five_at_concurrency_16(sandbox: Sandbox) -> None:
    """
    Tokens invalidated on one request in five (logins succeed): a 16-page window completes like
    a sequential run does; only a token refused on its own first use is suspicious.
    """
    sandbox.faults.expire_tokens(every=5, burst=1, times=None)
    ids = await collect(sandbox, "sales", 16)
    assert RECORDS == len(set(ids))


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_one_invalidation_in_five_at_concurrency_1(sandbox: Sandbox, api: str) -> None:
    """Tokens invalidated on one request in five: a sequential run still completes."""
    sandbox.faults.expire_tokens(every=5, burst=1, times=None)
    ids = await collect(sandbox, api, 1)
    assert RECORDS == len(set(ids))


async def test_accounting_bursts_every_ten_at_concurrency_16(sandbox: Sandbox) -> None:
    """Tokens invalidated on 3 requests in a row out of every 10: a 16-page window completes."""
    sandbox.faults.expire_tokens(every=10, burst=3, times=None)
    ids = await collect(sandbox, "accounting", 16)
    assert RECORDS == len(set(ids))


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_export_through_401_bursts(sandbox: Sandbox, api: str, tmp_path: Path) -> None:
    """An export under 3-in-25 token invalidation completes with every record exactly once."""
    sandbox.faults.expire_tokens(every=25, burst=3, times=None)
    name = "accounts" if api == "sales" else "stock_items"
    client = sales(sandbox) if api == "sales" else accounting(sandbox)
    async with client:
        manifest = await export(client, [name], out_dir=tmp_path, concurrency=16)
    manifest.raise_for_status()
    lines = (tmp_path / f"{name}.jsonl").read_text().splitlines()
    assert RECORDS == len(lines) == len(set(lines))
