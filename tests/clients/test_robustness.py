"""Server faults that are not the caller's (empty 200 bodies) and misuse across tasks and loops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from sage_async import (
    AccountingClient,
    ClientClosedError,
    PageError,
    SalesClient,
    UsageError,
)
from sage_async.testing import Sandbox


Sales = Callable[..., SalesClient]
Accounting = Callable[..., AccountingClient]


def empty_answers(sb: Sandbox) -> list[Any]:
    return [e for e in sb.log if e.fault == "empty_body"]


async def test_sales_empty_200_page_is_retried(sandbox: Sandbox, sales_client: Sales) -> None:
    """A list page answered 200 with an empty body once is fetched again: no record is lost."""
    sandbox.faults.empty_body(api="sales", path="/accounts", every=3, times=1)
    async with sales_client() as client:
        ids = [r["id"] async for r in client.accounts.iterate(page_size=50, raw=True)]
    assert sorted(sandbox.ids("sales", "accounts")) == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert [200] == [e.status for e in empty_answers(sandbox)]


async def test_accounting_empty_200_page_is_retried(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """An Accounting page answered 200 with an empty body once is fetched again."""
    sandbox.faults.empty_body(api="accounting", path="/stock_items", every=2, times=1)
    async with accounting_client() as client:
        ids = [r["id"] async for r in client.stock_items.iterate(items_per_page=50, raw=True)]
    assert sandbox.ids("accounting", "stock_items") == ids
    assert [200] == [e.status for e in empty_answers(sandbox)]


async def test_empty_200_on_get_is_retried(sandbox: Sandbox, sales_client: Sales) -> None:
    """A single record answered 200 with an empty body is fetched again, not returned as None."""
    record_id = sandbox.ids("sales", "accounts")[0]
    sandbox.faults.empty_body(api="sales", path="/accounts/*", times=1)
    async with sales_client() as client:
        account = await client.accounts.get(record_id)
    assert record_id == account.id
    assert 1 == len(empty_answers(sandbox))


async def test_aclose_while_another_task_iterates(sandbox: Sandbox, sales_client: Sales) -> None:
    """
    Closing the client while another task is iterating (its next pages waiting for rate
    slots) makes that task fail with ClientClosedError (as the cause of its PageError), never
    a bare RuntimeError from the transport.
    """
    client = sales_client(rate=5.0)
    await client.open()
    first_page = asyncio.Event()

    async def consume() -> int:
        seen = 0
        async for _ in client.accounts.iterate(page_size=10, raw=True, concurrency=4):
            seen += 1
            first_page.set()
        return seen

    task = asyncio.create_task(consume())
    await first_page.wait()
    await client.aclose()
    with pytest.raises((ClientClosedError, PageError)) as info:
        await task
    cause = info.value if isinstance(info.value, ClientClosedError) else info.value.__cause__
    assert isinstance(cause, ClientClosedError)
    assert "closed" in str(cause)


async def test_client_used_from_another_event_loop(sandbox: Sandbox, sales_client: Sales) -> None:
    """
    A client opened in one event loop and called from another raises UsageError naming the
    problem (its session belongs to the first loop), before anything is sent.
    """
    errors: list[BaseException] = []

    def other_loop(client: SalesClient) -> None:
        async def use() -> None:
            await client.accounts.get(1)

        try:
            asyncio.run(use())
        except BaseException as exc:  # reported to the test's thread
            errors.append(exc)

    async with sales_client() as client:
        thread = threading.Thread(target=other_loop, args=(client,))
        thread.start()
        await asyncio.to_thread(thread.join, 10)
        assert not thread.is_alive()
    assert [UsageError] == [type(e) for e in errors]
    assert "belongs to another event loop; create one client per loop" in str(errors[0])
    assert [] == [e for e in sandbox.log if e.api == "sales"]
