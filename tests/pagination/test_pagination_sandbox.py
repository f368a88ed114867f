"""Pagination against the sandbox: exactly once, in order, fast under latency, cancellable."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from sage_async import AccountingClient, GovernorRegistry, RetryPolicy, SalesClient
from sage_async.testing import Sandbox


RECORDS = 20_000
# Speed runs: 200 pages of 100 at 300 ms, where latency dominates the per-page CPU (the in-process
# sandbox renders, the client decodes): a window of 16 gives 12-13x on a loaded 2-core machine
# (the benchmarks hold the 10x target), a window stuck at 8 or less cannot reach SPEEDUP.
LATENCY = 0.3
PAGE = 100
WINDOW = 16
SPEEDUP = 8
SETTLE = timedelta(seconds=0.05)  # a page whose rate slot came as the loop broke may still go
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.01, retry_after_spread=0.0)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=3, sales_records=RECORDS, accounting_records=RECORDS) as sb:
        yield sb


def sales(sb: Sandbox, **kw: Any) -> SalesClient:
    options: dict[str, Any] = {"rate": 1000.0, "retry": FAST, "registry": GovernorRegistry()}
    options.update(kw)
    creds = sb.sales_credentials
    return SalesClient(
        public_key=creds.public_key, private_key=creds.private_key, base_url=sb.sales_url,
        **options,
    )  # fmt: skip


def accounting(sb: Sandbox, **kw: Any) -> AccountingClient:
    tokens = sb.accounting_tokens()
    options: dict[str, Any] = {
        "rate": 1000.0, "per": 1.0, "retry": FAST, "registry": GovernorRegistry(),
    }  # fmt: skip
    options.update(kw)
    return AccountingClient(
        access_token=str(tokens["access_token"]), base_url=sb.accounting_url, **options
    )


def peak_in_flight(sandbox: Sandbox, path: str) -> int:
    """The most requests to ``path`` the sandbox was answering at the same time."""
    edges: list[tuple[float, int]] = []
    for entry in sandbox.log:
        if entry.path == path:
            start = entry.time.timestamp()
            edges += [(start, 1), (start + entry.duration, -1)]
    peak = current = 0
    for _, step in sorted(edges):  # at equal times an end (-1) sorts before a start
        current += step
        peak = max(peak, current)
    return peak


async def timed_sequential_pages(stream: Any, pages: int) -> float:
    """Seconds per page when fetching one page at a time (concurrency=1)."""
    started = time.monotonic()
    count = 0
    async for _ in stream:
        count += 1
        if count == pages:
            break
    await stream.aclose()
    return (time.monotonic() - started) / count


@pytest.mark.slow
async def test_sales_20000_records_once_in_order_16_in_flight_and_8x_faster(
    sandbox: Sandbox,
) -> None:
    """
    Sales: 20,000 records, each once, in id order, 16 pages in flight at the server, and at
    least 8x faster than one page at a time at 300 ms latency.
    """
    sandbox.faults.latency(LATENCY, api="sales", path="/accounts")
    expected = sorted(sandbox.ids("sales", "accounts"), reverse=True)  # order=id: descending
    async with sales(sandbox) as client:
        one_at_a_time = client.accounts.pages(concurrency=1, raw=True, page_size=PAGE)
        per_page = await timed_sequential_pages(one_at_a_time, 3)
        started = time.monotonic()
        records = client.accounts.iterate(concurrency=WINDOW, raw=True, page_size=PAGE)
        ids = [r["id"] async for r in records]
        elapsed = time.monotonic() - started
    assert expected == ids
    assert 0 == records.stats.duplicates
    assert WINDOW == records.stats.window
    assert WINDOW <= peak_in_flight(sandbox, "/accounts")
    speedup = per_page * records.stats.pages / elapsed
    assert speedup >= SPEEDUP, f"{speedup:.1f}x with a window of {records.stats.window}"


@pytest.mark.slow
async def test_accounting_20000_records_once_in_order_16_in_flight_and_8x_faster(
    sandbox: Sandbox,
) -> None:
    """
    Accounting: 20,000 records, each once, in listing order, 16 pages in flight at the server,
    and at least 8x faster than one page at a time at 300 ms latency.
    """
    sandbox.faults.latency(LATENCY, api="accounting", path="/stock_items")
    expected = sandbox.ids("accounting", "stock_items")
    async with accounting(sandbox) as client:
        one_at_a_time = client.stock_items.pages(concurrency=1, items_per_page=PAGE)
        per_page = await timed_sequential_pages(one_at_a_time, 3)
        started = time.monotonic()
        records = client.stock_items.iterate(concurrency=WINDOW, items_per_page=PAGE)
        ids = [r.id async for r in records]
        elapsed = time.monotonic() - started
    assert expected == ids
    assert RECORDS // PAGE == records.stats.pages
    assert not records.stats.total_changed
    assert WINDOW == records.stats.window
    assert WINDOW <= peak_in_flight(sandbox, "/stock_items")
    speedup = per_page * records.stats.pages / elapsed
    assert speedup >= SPEEDUP, f"{speedup:.1f}x with a window of {records.stats.window}"


def client_tasks(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks started since ``before``, leaving out the in-process sandbox's request handlers."""
    server = ("RequestHandler.", "Server.")
    return {
        t
        for t in asyncio.all_tasks() - before
        if not getattr(t.get_coro(), "__qualname__", "").startswith(server)
    }


def open_connections(client: Any) -> int:
    connector = client._transport._session.connector
    return len(connector._acquired)


async def test_break_after_3_records_with_16_pages_in_flight(sandbox: Sandbox) -> None:
    """Breaking out early cancels all 16 in-flight pages: no pending task, no open connection."""
    sandbox.faults.latency(0.2, api="sales", path="/accounts")
    before = asyncio.all_tasks()
    async with sales(sandbox) as client:
        taken = []
        async for record in client.accounts.iterate(concurrency=16, page_size=50):
            taken.append(record)
            if len(taken) == 3:
                break
        gc.collect()
        for _ in range(5):
            await asyncio.sleep(0)
        assert 3 == len(taken)
        assert 0 == open_connections(client)
        assert set() == client_tasks(before)
    accounts_requests = [e for e in sandbox.log if e.path == "/accounts"]
    assert len(accounts_requests) <= 16 + 1


async def test_break_while_holding_the_stream_stops_its_pages_at_once(sandbox: Sandbox) -> None:
    """
    A break while the caller still holds the stream (to read its stats) cancels the pages in
    flight at once and sends none of the pages still queued for a rate slot.
    """
    sandbox.faults.latency(0.5, api="sales", path="/accounts")
    async with sales(sandbox, rate=10.0) as client:
        records = client.accounts.iterate(concurrency=16, page_size=50, raw=True)
        async for _ in records:
            break  # page 0 answered; pages 1-9 sent or queued at 10/s, 0.5 s from their answers
        broke = sandbox.clock.now()
        await asyncio.sleep(0.1)  # far less than the latency: only a cancellation frees them
        assert 0 == open_connections(client)
        assert records.stats.cancelled > 0
        assert records.stats.finished is not None
        await asyncio.sleep(0.5)  # queued pages would have had their rate slots by now
    late = [e for e in sandbox.log if e.path == "/accounts" and e.time > broke + SETTLE]
    assert [] == [e.query.get("page") for e in late]


async def test_aclose_and_task_cancellation_release_everything(sandbox: Sandbox) -> None:
    """aclose() and cancelling the consuming task both stop every page in flight."""
    sandbox.faults.latency(0.2, api="accounting", path="/stock_items")
    before = asyncio.all_tasks()
    async with accounting(sandbox) as client:
        stream = client.stock_items.iterate(concurrency=16, items_per_page=20)
        await stream.__anext__()
        await stream.aclose()
        assert 0 == open_connections(client)

        async def consume() -> None:
            async for _ in client.stock_items.iterate(concurrency=16, items_per_page=20):
                await asyncio.sleep(0)

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert 0 == open_connections(client)
    assert set() == client_tasks(before)


async def test_filters_and_parameters_reach_every_page(sandbox: Sandbox) -> None:
    """Every page request carries the same where/order and since parameters."""
    async with sales(sandbox) as client:
        fields = client.accounts.fields
        records = [r async for r in client.accounts.iterate(where=fields.id > 10, page_size=20)]
        assert all(r.id > 10 for r in records)
    pages = [e for e in sandbox.log if e.path == "/accounts"]
    assert len(pages) > 2
    assert {("id > 10", "id")} == {(e.query.get("where"), e.query.get("order")) for e in pages}


async def test_raw_mode_yields_dicts(sandbox: Sandbox) -> None:
    """raw=True yields the decoded JSON objects, with wire names."""
    async with accounting(sandbox) as client:
        first = [r async for r in client.stock_items.iterate(raw=True, max_items=5)]
    assert 5 == len(first)
    assert all(isinstance(r, dict) and "$path" in r for r in first)


async def test_max_items_stops_fetching(sandbox: Sandbox) -> None:
    """max_items stops early and does not fetch the whole collection."""
    async with sales(sandbox) as client:
        got = [r async for r in client.accounts.iterate(max_items=450, page_size=100)]
    assert 450 == len(got)
    assert len([e for e in sandbox.log if e.path == "/accounts"]) <= 5


async def test_rate_limited_tenant_gets_no_429(sandbox: Sandbox) -> None:
    """With the sandbox limiting 13 requests/s, a client at 13/s never receives a 429."""
    sandbox.faults.rate_limit("sales", per_second=13)
    async with sales(sandbox, rate=13.0) as client:
        got = [r async for r in client.accounts.iterate(page_size=100, max_items=2000)]
    assert 2000 == len(got)
    assert [] == [e for e in sandbox.log if e.status == 429]


async def test_a_failing_page_names_itself_after_earlier_pages(sandbox: Sandbox) -> None:
    """A page failing after its retries raises PageError naming it; earlier pages came first."""
    from sage_async import PageError

    sandbox.faults.status(404, api="accounting", path="/stock_items", every=4)
    seen = []

    async def consume(client: AccountingClient) -> None:
        async for page in client.stock_items.pages(items_per_page=50, concurrency=4):
            seen.append(page.number)

    async with accounting(sandbox) as client:
        with pytest.raises(PageError) as info:
            await consume(client)
    assert info.value.page == len(seen) + 1
    assert list(range(1, len(seen) + 1)) == seen
