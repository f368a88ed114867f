"""The pagination engine on fake fetchers: order, window, end rules, drift, errors, cancellation."""

from __future__ import annotations

import asyncio
import gc
import math
import random
from typing import Any

import pytest

from sage_async import DatabaseConnectionError, PageError
from sage_async._page import Page
from sage_async._pagination import LatencyWindow, PageStream, RecordStream, record_id


class FakeSales:
    """A 0-based collection of ``total`` records; pages past the end are empty."""

    def __init__(self, total: int, *, cap: int | None = None, delay: float = 0.0) -> None:
        self.total = total
        self.cap = cap  # the server ignores the page size and serves this many
        self.delay = delay
        self.requested: list[int] = []
        self.in_flight = 0
        self.peak = 0
        self.cancelled = 0
        self.fail: dict[int, Exception] = {}

    async def fetch(self, number: int, size: int) -> Page[dict[str, Any]]:
        self.requested.append(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay * random.random())
            if number in self.fail:
                raise self.fail[number]
            served = self.cap or size
            start = number * served
            items = [{"id": i} for i in range(start, min(start + served, self.total))]
            return Page(items=items, number=number, size=size, last=len(items) < size)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1


def sales_stream(fake: FakeSales, *, size: int = 10, window: int = 4, **kw: Any) -> PageStream[Any]:
    return PageStream(
        lambda n: fake.fetch(n, size), first=0, page_size=size, window=lambda: window,
        name="accounts", **kw,
    )  # fmt: skip


async def collect(stream: Any) -> list[Any]:
    return [item async for item in stream]


async def test_sales_pages_come_in_order_and_stop_at_the_short_page() -> None:
    """Every record once, in order; the run ends on the short page and cancels the rest."""
    fake = FakeSales(95, delay=0.005)
    stream = sales_stream(fake)
    pages = await collect(stream)
    assert list(range(10)) == [p.number for p in pages]
    assert list(range(95)) == [r["id"] for p in pages for r in p.items]
    assert 9 == stream.stats.end_page
    assert fake.in_flight == 0


async def test_sales_exact_multiple_ends_on_the_empty_page() -> None:
    """A collection of exactly N full pages ends on the first empty page (never yielded)."""
    fake = FakeSales(40)
    pages = await collect(sales_stream(fake))
    assert [10, 10, 10, 10] == [len(p.items) for p in pages]


async def test_sales_empty_collection_yields_nothing() -> None:
    """An empty first page ends the run at once."""
    assert [] == await collect(sales_stream(FakeSales(0)))


async def test_sales_server_cap_is_learned_not_mistaken_for_the_end() -> None:
    """A server serving fewer than asked on every page: page 1 proves it a cap, not the end."""
    fake = FakeSales(95, cap=7)
    records = [r["id"] for p in await collect(sales_stream(fake, size=50)) for r in p.items]
    assert list(range(95)) == records


async def test_sales_window_bounds_the_pages_in_flight() -> None:
    """No more than ``window`` pages are ever in flight."""
    fake = FakeSales(1000, delay=0.002)
    await collect(sales_stream(fake, window=3))
    assert fake.peak <= 3
    assert fake.peak >= 2


async def test_slow_consumer_pauses_fetching() -> None:
    """Pages are scheduled only as the consumer takes them: backpressure bounds memory."""
    fake = FakeSales(10_000)
    stream = sales_stream(fake, window=4)
    first = await stream.__anext__()
    await asyncio.sleep(0.01)  # the consumer dawdles; nothing more may be fetched
    assert 0 == first.number
    assert len(fake.requested) <= 5
    await stream.aclose()


async def test_unordered_delivery_yields_every_page_once() -> None:
    """ordered=False yields pages as they complete, each exactly once."""
    fake = FakeSales(200, delay=0.003)
    pages = await collect(sales_stream(fake, ordered=False))
    assert list(range(200)) == sorted(r["id"] for p in pages for r in p.items)


async def test_error_names_the_page_after_earlier_pages_were_delivered() -> None:
    """A failing page raises PageError naming it; the pages before it were all delivered."""
    fake = FakeSales(1000)
    fake.fail[5] = DatabaseConnectionError("down", status=500)
    seen: list[int] = []

    async def consume() -> None:
        async for page in sales_stream(fake):
            seen.append(page.number)

    with pytest.raises(PageError, match="page 5 of accounts") as info:
        await consume()
    assert [0, 1, 2, 3, 4] == seen
    assert isinstance(info.value.__cause__, DatabaseConnectionError)
    await asyncio.sleep(0)
    assert fake.in_flight == 0


async def test_break_cancels_every_page_in_flight() -> None:
    """Breaking out of async for with 16 pages in flight leaves no pending task behind."""
    fake = FakeSales(100_000)
    release = asyncio.Event()
    started: list[int] = []
    cancelled: list[int] = []

    async def fetch(number: int) -> Page[dict[str, Any]]:
        started.append(number)
        if number > 0:
            try:
                await release.wait()  # pages after the first never finish on their own
            except asyncio.CancelledError:
                cancelled.append(number)
                raise
        return await fake.fetch(number, 10)

    before = asyncio.all_tasks()
    stream = PageStream(fetch, first=0, page_size=10, window=lambda: 16, name="accounts")
    records = RecordStream(stream, key=record_id)
    taken = []
    async for record in records:
        taken.append(record)
        if len(taken) == 3:
            break
    assert 16 == len(started)
    del records, stream
    gc.collect()
    # The loop closes the dropped ``async for`` generator in a task of its own: a few turns.
    for _ in range(8):
        await asyncio.sleep(0)
    assert set() == asyncio.all_tasks() - before
    assert sorted(cancelled) == list(range(1, 16))


async def test_aclose_cancels_and_waits() -> None:
    """aclose() cancels in-flight pages and returns only when they are gone."""
    fake = FakeSales(100_000, delay=0.05)
    stream = sales_stream(fake, window=8)
    await stream.__anext__()
    await stream.aclose()
    assert fake.in_flight == 0
    assert [] == await collect(stream)


async def test_cancelling_the_consumer_cancels_the_pages() -> None:
    """Cancelling the task that iterates cancels every page it had in flight."""
    fake = FakeSales(100_000, delay=0.05)

    async def consume() -> None:
        async for _ in sales_stream(fake, window=8):
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake.in_flight == 0


async def test_max_items_stops_early() -> None:
    """max_items yields exactly that many records and stops fetching."""
    fake = FakeSales(10_000)
    stream = RecordStream(sales_stream(fake, max_pages=3), key=record_id, max_items=25)
    assert list(range(25)) == [r["id"] for r in await collect(stream)]
    assert max(fake.requested) <= 2


async def test_duplicates_across_pages_are_dropped_and_counted() -> None:
    """A record that shifts onto the next page (insert during the run) is yielded once."""

    async def fetch(number: int) -> Page[dict[str, Any]]:
        start = number * 9  # every page repeats the previous page's last record
        items = [{"id": i} for i in range(start, min(start + 10, 50))]
        return Page(items=items, number=number, size=10, last=len(items) < 10)

    stream = RecordStream(
        PageStream(fetch, first=0, page_size=10, window=lambda: 4, name="accounts"), key=record_id
    )
    assert list(range(50)) == [r["id"] for r in await collect(stream)]
    assert 5 == stream.stats.duplicates


class FakeAccounting:
    """A 1-based $items collection; past the end, the last page comes back again."""

    def __init__(self, total: int, size: int = 20) -> None:
        self.total = total
        self.size = size
        self.requested: list[int] = []

    async def fetch(self, number: int) -> Page[dict[str, Any]]:
        self.requested.append(number)
        await asyncio.sleep(0)
        last = max(1, math.ceil(self.total / self.size))
        served = min(number, last)
        start = (served - 1) * self.size
        items = [{"id": f"r{i}"} for i in range(start, min(start + self.size, self.total))]
        nxt = None if served >= last else f"/stock_items?page={served + 1}"
        return Page(items, number=served, size=self.size, total=self.total, next=nxt,
                    last=nxt is None)  # fmt: skip


def accounting_stream(fake: FakeAccounting, **kw: Any) -> PageStream[Any]:
    return PageStream(fake.fetch, first=1, page_size=fake.size, window=lambda: 8,
                      name="stock_items", known_end=True, **kw)  # fmt: skip


async def test_accounting_fetches_page_one_then_exactly_the_rest() -> None:
    """Page 1 alone first, then pages 2..last concurrently, none past the end."""
    fake = FakeAccounting(1000)
    stream = accounting_stream(fake)
    records = [r["id"] for p in await collect(stream) for r in p.items]
    assert [f"r{i}" for i in range(1000)] == records
    assert 1 == fake.requested[0]
    assert list(range(1, 51)) == sorted(fake.requested)
    assert not stream.stats.total_changed


async def test_accounting_page_past_the_end_is_never_yielded_twice() -> None:
    """When the collection shrank, the repeated last page is dropped and counted."""
    fake = FakeAccounting(100)
    stream = accounting_stream(fake)
    first = await stream.__anext__()
    fake.total = 50  # shrank after page 1: pages 4 and 5 now answer with page 3
    rest = await collect(stream)
    pages = [first, *rest]
    ids = [r["id"] for p in pages for r in p.items]
    assert len(ids) == len(set(ids))
    assert stream.stats.total_changed
    assert (100, 50) == (stream.stats.total_first, stream.stats.total_last)


async def test_accounting_single_page_collection() -> None:
    """A collection that fits on page 1 takes one request."""
    fake = FakeAccounting(5)
    assert 5 == sum(len(p.items) for p in await collect(accounting_stream(fake)))
    assert [1] == fake.requested


def test_latency_window_follows_littles_law() -> None:
    """The window is rate x latency (+1), capped by the caller and the adaptive limit."""
    latency: list[float | None] = [None]
    window = LatencyWindow(13.0, 16, lambda: 16, lambda: latency[0])
    assert 2 == window()  # nothing observed yet: slow start
    assert 16 == LatencyWindow(13.0, 16, lambda: 16, lambda: None, initial=16)()
    latency[0] = 0.3
    assert math.ceil(13 * 0.3 * 1.25) + 1 == window()
    assert 2 == LatencyWindow(13.0, 16, lambda: 2, lambda: 0.3)()
