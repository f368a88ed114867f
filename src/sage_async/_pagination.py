"""
Concurrent pagination: whole collections at the rate limit, in page order, in flat memory.

:class:`PageStream` fetches pages of one list query through a window of concurrent tasks and
delivers them in page order (or as they complete, ``ordered=False``). New pages are scheduled only
as the consumer takes pages, so a slow consumer pauses fetching and at most ``window`` pages are
held at once. Breaking out of ``async for`` (even while the stream is still referenced: each
``async for`` runs a generator of its own that closes the run when the loop stops),
:meth:`PageStream.aclose`, cancellation of the consuming task or an error cancels every page
still in flight; a closed stream yields nothing more.

How the end is found:

- **Accounting** (``$items`` envelope): page 1 tells ``$total`` and ``$itemsPerPage``, so the
  pages are known; a page whose ``$next`` is null is the last. A page past the end returns the last
  page again (accounting FACTS §4): it comes back with a smaller ``$page`` than asked and is
  dropped, never yielded twice.
- **Sales** (0-based, no total): a speculative window of pages is in flight; the first empty page,
  or a page shorter than the page size the server honours, ends the run and every page beyond it
  is cancelled. Which page-size header the server honours is unverified (sales FACTS), so when
  page 0 is already short the next page confirms whether the collection ended there or the server
  caps pages at that size (one extra request, on small collections only).

Concurrency: the window is sized from the tenant's rate and the observed latency (Little's law:
``rate x latency`` requests in flight keep the rate busy; the window is ``ceil(1.25 x rate x
latency) + 1``) and capped by the tenant's adaptive limit, which a 429 or a burst of 900s shrinks
for every run of that tenant.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from ._errors import ClientClosedError, PageError, SageError
from ._page import Page
from ._records import RecordStream, record_id


# RecordStream and record_id live in _records; importable from here as before.
__all__ = ["LatencyWindow", "PageStream", "RecordStream", "RunStats", "record_id"]

T = TypeVar("T")


@attrs.define
class RunStats:
    """
    What one pagination run did.

    Attributes:
        pages: pages delivered.
        records: records delivered.
        requests: page requests started (cancelled speculative ones included).
        cancelled: page requests cancelled (beyond the end, or on close).
        duplicates: records dropped because their id was already delivered in this run.
        repeats: pages dropped because the API answered a page past the end with the last one.
        total_first: ``$total`` on the first page (Accounting).
        total_last: ``$total`` on the latest page (Accounting).
        end_page: the page number of the last page.
        window: the largest concurrency window used.
        started: monotonic time the run started.
        finished: monotonic time the run ended (``None`` while running).
    """

    pages: int = 0
    records: int = 0
    requests: int = 0
    cancelled: int = 0
    duplicates: int = 0
    repeats: int = 0
    total_first: int | None = None
    total_last: int | None = None
    end_page: int | None = None
    window: int = 0
    started: float = attrs.field(factory=time.monotonic)
    finished: float | None = None

    @property
    def total_changed(self) -> bool:
        """Whether ``$total`` changed during the run (records added or removed meanwhile)."""
        return self.total_first is not None and self.total_first != self.total_last

    @property
    def elapsed(self) -> float:
        """Seconds from start to finish (or to now while running)."""
        return (self.finished or time.monotonic()) - self.started


Fetch = Callable[[int], Awaitable[Page[T]]]


class PageStream(Generic[T]):
    """
    An async iterator of pages fetched concurrently. Strictly private: built by a resource's
    ``pages()``.

    Args:
        fetch: coroutine function fetching one page by number.
        first: the first page number (0 for Sales, 1 for Accounting).
        page_size: the page size asked for.
        window: returns the current concurrency window (read before each scheduling).
        name: the resource name, for errors.
        ordered: deliver in page order (default) or as pages complete.
        max_pages: stop after this many pages.
        known_end: the API sends ``$next``/``$total`` (Accounting) rather than needing a probe.
        skip: page numbers not to fetch (completed by an earlier, interrupted run).
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        first: int,
        page_size: int,
        window: Callable[[], int],
        name: str,
        ordered: bool = True,
        max_pages: int | None = None,
        known_end: bool = False,
        skip: frozenset[int] = frozenset(),
    ) -> None:
        self._fetch = fetch
        self._skip = skip
        self._first = first
        self._size = page_size
        self._window = window
        self._name = name
        self._ordered = ordered
        self._max_pages = max_pages
        self._known_end = known_end
        self._tasks: dict[int, asyncio.Task[Page[T]]] = {}
        self._next_schedule = first
        self._last: int | None = None  # the last page number, once known
        self._honoured: int | None = None  # the page size the server is seen to honour
        self._previous_len: int | None = None
        self._probing = known_end  # waiting for page 1's $total
        self._dropped: list[asyncio.Task[Page[T]]] = []  # cancelled, to be awaited
        self._closed = False
        self.stats = RunStats()

    def __aiter__(self) -> AsyncIterator[Page[T]]:
        return self._iterate()

    async def _iterate(self) -> AsyncGenerator[Page[T], None]:
        """
        The pages for one ``async for``; when the loop stops, the stream is closed.

        A fresh generator rather than ``self``: after a ``break`` nothing else holds it, so the
        event loop's async-generator finalizer runs its ``finally`` at once and the pages in
        flight are cancelled even while the caller still holds the stream (to read ``stats``).
        """
        try:
            while True:
                try:
                    page = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield page
        finally:
            await self.aclose()

    # --- scheduling ------------------------------------------------------------------------

    def _limit(self) -> int | None:
        """The last page number worth scheduling, if any is known."""
        bounds = [b for b in (self._last, self._cap()) if b is not None]
        return min(bounds) if bounds else None

    def _cap(self) -> int | None:
        return None if self._max_pages is None else self._first + self._max_pages - 1

    def _fill(self) -> None:
        window = max(1, self._window())
        self.stats.window = max(self.stats.window, window)
        limit = self._limit()
        while len(self._tasks) < window and (limit is None or self._next_schedule <= limit):
            if self._probing and self._tasks:
                break  # Accounting: one page until it tells the total
            number = self._next_schedule
            self._next_schedule += 1
            if number in self._skip:
                continue
            self._tasks[number] = asyncio.ensure_future(self._fetch(number))
            self.stats.requests += 1

    def _cancel_beyond(self, number: int) -> None:
        for other in [n for n in self._tasks if n > number]:
            task = self._tasks.pop(other)
            _discard(task)
            self._dropped.append(task)
            self.stats.cancelled += 1
        self._next_schedule = min(self._next_schedule, number + 1)

    # --- delivery --------------------------------------------------------------------------

    async def __anext__(self) -> Page[T]:
        while True:
            if self._closed:
                raise StopAsyncIteration
            self._fill()
            if not self._tasks:
                await self._finish()
                raise StopAsyncIteration
            number, page = await self._take()
            if self._accept(number, page):
                self.stats.pages += 1
                self.stats.records += len(page.items)
                return page

    async def _take(self) -> tuple[int, Page[T]]:
        if self._ordered:
            number = min(self._tasks)  # pages are scheduled in order: the smallest is next
        else:
            done, _ = await asyncio.wait(self._tasks.values(), return_when=asyncio.FIRST_COMPLETED)
            number = min(n for n, t in self._tasks.items() if t in done)
        task = self._tasks.pop(number)
        try:
            return number, await task
        except ClientClosedError:
            await self.aclose()
            raise  # the client was closed under the run: say that, not "a page failed"
        except SageError as exc:
            await self.aclose()
            raise PageError(self._name, number, exc) from exc
        except BaseException:  # cancellation of the consumer, or a bug: stop every page
            await self.aclose()
            raise

    def _accept(self, number: int, page: Page[T]) -> bool:
        """Apply the end rules to a fetched page; return whether to deliver it."""
        if self._known_end:
            self._probing = False
            if page.total is not None:
                if self.stats.total_first is None:
                    self.stats.total_first = page.total
                self.stats.total_last = page.total
            if page.number < number:  # a page past the end comes back as the last page again
                self.stats.repeats += 1
                self._end_at(number - 1)
                return False
            if page.last:
                self._end_at(number)
            elif self._last is None and page.total is not None and page.size:
                self._last = max(number, math.ceil(page.total / page.size) + self._first - 1)
            elif self._last is not None and number >= self._last:
                self._last = None  # the collection grew: keep going until $next is null
            return True
        count = len(page.items)
        if count == 0:
            self._end_at(number - 1)
            return False
        honoured = self._honoured
        if count >= self._size:
            self._honoured = self._size
        elif honoured is not None:
            if count < honoured:
                self._end_at(number)  # shorter than the size the server honours: the last
        elif self._previous_len is not None and count < self._previous_len:
            self._end_at(number)
        elif number > self._first and count == self._previous_len:
            self._honoured = count  # page 0 was short but not the last: the server's cap
        self._previous_len = count
        return True

    def _end_at(self, number: int) -> None:
        self._last = number if self._last is None else min(self._last, number)
        self.stats.end_page = self._last
        self._cancel_beyond(self._last)

    # --- closing ---------------------------------------------------------------------------

    async def _finish(self) -> None:
        dropped, self._dropped = self._dropped, []
        if dropped:  # let cancelled pages release their connections before the run ends
            await asyncio.gather(*dropped, return_exceptions=True)
        if self.stats.finished is None:
            self.stats.finished = time.monotonic()

    async def aclose(self) -> None:
        """Cancel every page in flight and wait until they have released their connections."""
        self._closed = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            if not task.done():
                self.stats.cancelled += 1
            _discard(task)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._finish()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # A stream dropped without being closed (``__anext__`` called by hand, never exhausted):
        # cancel what is still in flight so that no task outlives it.
        for task in [*self._tasks.values(), *self._dropped]:
            _discard(task)


def _discard(task: asyncio.Task[Any]) -> None:
    """Cancel a page task, or mark its exception retrieved if it already failed."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()  # no "Task exception was never retrieved" for a dropped page


class LatencyWindow:
    """
    The concurrency window of one run: ``ceil(1.25 x rate x latency) + 1``, capped.

    ``rate x latency`` requests in flight keep the rate busy (Little's law); the 25% slack and
    the extra page absorb latency jitter.

    The latency is the tenant's (send to response, time queued for a rate slot excluded, so that
    waiting does not inflate the window). Until one is known the window is ``initial`` (a slow
    start: a small or filtered Sales list should not cost a full window of speculative requests
    against a rate limit of 4 per second).

    Args:
        rate: the tenant's requests per second.
        cap: the most pages in flight (the caller's ``concurrency``).
        adaptive: the tenant's adaptive limit (shrinks on 429/900 for every run of the tenant).
        latency: the tenant's current latency estimate in seconds, or ``None``.
        initial: the window before any latency is known.
    """

    def __init__(
        self,
        rate: float,
        cap: int,
        adaptive: Callable[[], int],
        latency: Callable[[], float | None],
        *,
        initial: int = 2,
    ) -> None:
        self._rate = rate
        self._cap = max(1, cap)
        self._adaptive = adaptive
        self._latency = latency
        self._initial = max(1, initial)

    def __call__(self) -> int:
        latency = self._latency()
        # Little's law: rate x latency requests in flight keep the rate busy; 25% slack.
        needed = self._initial if latency is None else math.ceil(self._rate * latency * 1.25) + 1
        return max(1, min(self._cap, needed, self._adaptive()))
