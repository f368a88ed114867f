"""
Records over pages: :class:`RecordStream` hands out the records of a
:class:`~sage_async._pagination.PageStream` one by one, each id once per run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar


if TYPE_CHECKING:
    from ._pagination import PageStream, RunStats


__all__ = ["RecordStream", "record_id"]

T = TypeVar("T")


class RecordStream(Generic[T]):
    """
    An async iterator of records over a :class:`PageStream`, deduplicated by id within the run.

    Deduplication remembers the ids of the last ``remember`` pages: when the collection changes
    during the run, records shift by a few positions, so a duplicate shows up within the next
    pages, and memory stays flat however long the run (a set of every id of a million-record run
    would not).
    """

    def __init__(
        self,
        pages: PageStream[T],
        *,
        key: Callable[[T], Hashable | None],
        max_items: int | None = None,
        remember: int = 32,
    ) -> None:
        self._pages = pages
        self._key = key
        self._max_items = max_items
        self._remember = max(2, remember)
        self._buffer: list[T] = []
        self._position = 0
        self._seen: set[Hashable] = set()
        self._window: deque[list[Hashable]] = deque()
        self._current: list[Hashable] = []
        self._delivered = 0
        self._done = False

    @property
    def stats(self) -> RunStats:
        """The run's statistics (pages, records, duplicates, total drift, ...)."""
        return self._pages.stats

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterate()

    async def _iterate(self) -> AsyncGenerator[T, None]:
        """
        The records for one ``async for``; when the loop stops, the run is closed.

        See :meth:`PageStream._iterate` for why a fresh generator. Its fast path hands out the
        current page's records without a coroutine per record; page boundaries, duplicates and
        ``max_items`` go through :meth:`__anext__`, which keeps the same state.
        """
        key, fast = self._key, self._max_items is None
        try:
            while True:
                buffer, position, seen, current = (
                    self._buffer,
                    self._position,
                    self._seen,
                    self._current,
                )
                while fast and position < len(buffer):
                    record = buffer[position]
                    ident = key(record)
                    if ident is None or ident in seen:
                        break  # the slow path counts it
                    position += 1
                    self._position = position
                    seen.add(ident)
                    current.append(ident)
                    self._delivered += 1
                    yield record
                    if self._position != position or self._buffer is not buffer:
                        break  # __anext__ or aclose() was called meanwhile: reload the state
                try:
                    record = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield record
        finally:
            await self.aclose()

    async def __anext__(self) -> T:
        # Fast path: the next record of the current page (most calls end here).
        position = self._position
        if position < len(self._buffer) and self._max_items is None:
            record = self._buffer[position]
            ident = self._key(record)
            if ident is not None and ident not in self._seen:
                self._position = position + 1
                self._seen.add(ident)
                self._current.append(ident)
                self._delivered += 1
                return record
        while not self._done:
            if self._max_items is not None and self._delivered >= self._max_items:
                await self.aclose()
                break
            while self._position < len(self._buffer):
                record = self._buffer[self._position]
                self._position += 1
                ident = self._key(record)
                if ident is not None:
                    if ident in self._seen:
                        self._pages.stats.duplicates += 1
                        continue
                    self._seen.add(ident)
                    self._current.append(ident)
                self._delivered += 1
                return record
            self._next_page()
            try:
                page = await self._pages.__anext__()
            except StopAsyncIteration:
                self._done = True
                break
            self._buffer, self._position = page.items, 0
        raise StopAsyncIteration

    def _next_page(self) -> None:
        self._window.append(self._current)
        self._current = []
        if len(self._window) > self._remember:
            self._seen.difference_update(self._window.popleft())

    async def aclose(self) -> None:
        """Stop the run: cancel every page in flight."""
        self._done = True
        self._buffer = []
        await self._pages.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def record_id(record: Any) -> Hashable | None:
    """The id of a model or a raw dict (``None`` when it has none)."""
    ident = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
    return ident if isinstance(ident, int | str) else None
