"""Stopping iteration, closing a client under a running iteration, other loops and threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from sage_async import ClientClosedError, SalesClient, UsageError
from sage_async.testing import Sandbox

from .conftest import FAST, accounting, sales


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=7, sales_records=6_000, accounting_records=2_000, businesses=1) as sb:
        sb.faults.latency(0.05, api="sales", path="/accounts")
        sb.faults.latency(0.05, api="accounting", path="/stock_items")
        yield sb


def arrived_after(sb: Sandbox, instant: Any, path: str) -> int:
    """Requests for ``path`` that reached the server more than 0.1 s after ``instant``."""
    late = instant + timedelta(seconds=0.1)
    return len([e for e in sb.log if e.path == path and e.time > late])


async def test_break_from_a_held_record_stream_sends_no_more_pages(sandbox: Sandbox) -> None:
    """
    After ``break`` out of ``async for`` over a stream the caller still holds (to read its
    stats), no further page request reaches the server.
    """
    async with sales(sandbox) as client:
        records = client.accounts.iterate(page_size=50, concurrency=16)
        async for _ in records:
            break
        stopped = sandbox.clock.now()
        await asyncio.sleep(0.4)
        assert 0 == arrived_after(sandbox, stopped, "/accounts")
        assert records.stats.records <= 50 * 16


async def test_cancelling_the_consumer_task_stops_the_pages(sandbox: Sandbox) -> None:
    """Cancelling the task that iterates cancels its pages: none arrive afterwards."""
    async with accounting(sandbox) as client:

        async def consume() -> None:
            async for _ in client.stock_items.iterate(items_per_page=20, concurrency=8):
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.25)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        stopped = sandbox.clock.now()
        await asyncio.sleep(0.4)
        assert 0 == arrived_after(sandbox, stopped, "/stock_items")


async def test_aclose_under_a_running_iteration_raises_client_closed(sandbox: Sandbox) -> None:
    """Closing the client while another task iterates ends that task with ClientClosedError."""
    client = sales(sandbox)
    await client.__aenter__()

    async def consume() -> int:
        return len([r async for r in client.accounts.iterate(page_size=50, concurrency=8)])

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.25)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await task


async def test_a_client_used_from_another_loop_is_a_usage_error(sandbox: Sandbox) -> None:
    """A client awaited from a second event loop (another thread) raises UsageError."""
    outcome: list[BaseException | None] = []
    async with accounting(sandbox) as client:

        def other_thread() -> None:
            async def call() -> None:
                try:
                    await client.stock_items.list()
                    outcome.append(None)
                except BaseException as exc:
                    outcome.append(exc)

            asyncio.run(call())

        thread = threading.Thread(target=other_thread)
        thread.start()
        await asyncio.to_thread(thread.join, 20)
    assert 1 == len(outcome)
    assert isinstance(outcome[0], UsageError)


def test_two_threads_two_loops_one_credential_share_the_rate(tmp_path: Any) -> None:
    """
    Two threads, each with its own loop and client of one Sales credential (the process-wide
    registry, rate 40/s): both finish, and together they keep to the one rate.
    """
    ready = threading.Event()
    holder: dict[str, Any] = {}
    stop = threading.Event()

    def serve() -> None:
        async def main() -> None:
            async with Sandbox(seed=2, sales_records=100) as sb:
                holder["sb"] = sb
                ready.set()
                await asyncio.to_thread(stop.wait, 60)

        asyncio.run(main())

    server = threading.Thread(target=serve)
    server.start()
    try:
        assert ready.wait(20)
        sb: Sandbox = holder["sb"]
        creds = sb.sales_credentials
        results: list[Any] = []

        def worker() -> None:
            async def run() -> None:
                keys = {"public_key": creds.public_key, "private_key": creds.private_key}
                async with SalesClient(
                    **keys, base_url=sb.sales_url, rate=40.0, retry=FAST
                ) as client:
                    for n in range(30):
                        await client.accounts.get(1 + n % 50)
                results.append("done")

            asyncio.run(run())

        begun = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - begun
    finally:
        stop.set()
        server.join(20)
    assert ["done", "done"] == results
    assert elapsed >= 60 / 40 * 0.8  # one shared rate: 60 requests at 40/s take about 1.5 s
    assert elapsed < 20
