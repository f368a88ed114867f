"""
An adaptive (AIMD) concurrency limit, shared by every request and page of one tenant.

Re-exported by :mod:`sage_async._throttle`: each :class:`~sage_async._throttle.RateGovernor`
owns one as ``governor.concurrency``. Additive increase on success, multiplicative decrease on a
429 or a Sales 900 burst (TCP-style), so fan-out backs off when the tenant is saturated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Final

from ._errors import DatabaseConnectionError, InvalidParameterError, RateLimitError


__all__ = ["AdaptiveLimit"]

logger: Final = logging.getLogger("sage_async")


class AdaptiveLimit:
    """
    An AIMD concurrency limit: ``+increase`` per ``limit`` successes, ``* decrease`` on throttle.

    Slots are granted first come, first served. A waiter cancelled before its grant takes
    nothing; one cancelled just after its grant gives the slot back.
    """

    def __init__(
        self,
        initial: int = 4,
        *,
        min_limit: int = 1,
        max_limit: int = 16,
        increase: float = 1.0,
        decrease: float = 0.5,
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """
        Create a limit.

        Args:
            initial: starting limit (clamped to ``[min_limit, max_limit]``).
            min_limit: floor (at least 1).
            max_limit: ceiling.
            increase: additive growth per full window of successes.
            decrease: multiplicative factor on throttle (0.5 halves).
            cooldown: an :meth:`on_throttle` without ``epoch`` within this many seconds of the
                last decrease is ignored (one burst of 429s shrinks once).
            clock: monotonic clock.

        Raises:
            InvalidParameterError: inconsistent bounds or factors.
        """
        if not 1 <= min_limit <= max_limit or not 0 < decrease < 1 or increase <= 0:
            raise InvalidParameterError("need 1 <= min_limit <= max_limit, 0 < decrease < 1")
        self.min_limit, self.max_limit = min_limit, max_limit
        self._value = float(min(max(initial, min_limit), max_limit))
        self._increase, self._decrease, self._cooldown = increase, decrease, cooldown
        self._clock = clock
        self._last_decrease = -math.inf
        self._in_flight = 0
        self._successes = 0
        self._epoch = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """The current limit (whole slots)."""
        return int(self._value)

    @property
    def in_flight(self) -> int:
        """Slots held right now."""
        return self._in_flight

    @property
    def epoch(self) -> int:
        """Number of decreases so far; a slot remembers the epoch it was granted in."""
        return self._epoch

    def on_success(self) -> None:
        """Grow additively: ``+increase`` after ``limit`` successes (one window), up to the max."""
        self._successes += 1
        if self._successes < self.limit:
            return
        self._successes = 0
        before = self.limit
        self._value = min(float(self.max_limit), self._value + self._increase)
        if self.limit > before:
            self._grant()

    def on_throttle(self, *, epoch: int | None = None) -> bool:
        """
        Shrink multiplicatively after a 429 or a burst of Sales 900 errors.

        Args:
            epoch: the epoch of the slot that saw the throttle; a signal from a slot granted
                before the last decrease is ignored, so in-flight requests of one burst shrink
                the limit once. Without it, the ``cooldown`` applies.

        Returns:
            Whether the limit shrank.
        """
        now = self._clock()
        if epoch is not None and epoch != self._epoch:
            return False
        if epoch is None and now - self._last_decrease < self._cooldown:
            return False
        self._value = max(float(self.min_limit), self._value * self._decrease)
        self._epoch += 1
        self._successes = 0
        self._last_decrease = now
        logger.info("concurrency limit lowered to %d", self.limit)
        return True

    async def acquire(self) -> int:
        """
        Wait for a slot (FIFO) and return the current epoch.

        Returns:
            The epoch to pass to :meth:`on_throttle`.
        """
        if not self._waiters and self._in_flight < self.limit:
            self._in_flight += 1
            return self._epoch
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        try:
            await ticket
        except BaseException:
            if ticket.done() and not ticket.cancelled():
                self.release()  # granted, then cancelled: give the slot back
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(ticket)
            raise
        return self._epoch

    def release(self) -> None:
        """Return a slot and grant waiting ones while under the limit."""
        self._in_flight -= 1
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self._in_flight < self.limit:
            ticket = self._waiters.popleft()
            if not ticket.done():
                self._in_flight += 1
                ticket.set_result(None)

    def slot(self) -> _Slot:
        """
        Return an async context manager holding one slot.

        On a clean exit it counts a success; on :class:`~sage_async.RateLimitError` or
        :class:`~sage_async.DatabaseConnectionError` it counts a throttle for its epoch.
        """
        return _Slot(self)


class _Slot:
    """Strictly private: one held slot of an :class:`AdaptiveLimit`."""

    def __init__(self, limit: AdaptiveLimit) -> None:
        self._limit = limit
        self.epoch = 0

    async def __aenter__(self) -> _Slot:
        self.epoch = await self._limit.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self._limit.on_success()
            elif isinstance(exc, RateLimitError | DatabaseConnectionError):
                self._limit.on_throttle(epoch=self.epoch)
        finally:
            self._limit.release()
