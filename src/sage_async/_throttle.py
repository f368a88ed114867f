"""
Shared throttling per tenant: a rate governor and an adaptive concurrency limit.

Every request of a tenant (Sales: a credential; Accounting: a business) passes
:meth:`RateGovernor.acquire`, so concurrent calls and pages stay under the documented limit
instead of collecting 429s, and one 429 pauses the whole tenant (PEERS §2.4: per-request
Retry-After does not work under concurrency, aiohttp_retry#59). The rate itself is AIMD: a 429
halves the pace and runs of successes bring it back to the plan rate, so a client that shares its
credential with another process slows down until the 429s stop. :class:`AdaptiveLimit` caps the
page window of pagination runs. :class:`~sage_async._registry.GovernorRegistry` hands
the same governor to every client of a tenant.

Governors are thread-safe: the rate state (virtual time, pause, AIMD share, statistics) is shared
under a :class:`threading.Lock` by every thread and event loop, while the queue of waiters and the
sleeps belong to each event loop. Clock and sleep are injectable, so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import math
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final, Literal

import attrs

from ._errors import InvalidParameterError
from ._limit import AdaptiveLimit


__all__ = [
    "DEFAULT_RATES",
    "AdaptiveLimit",
    "GovernorStats",
    "RateGovernor",
    "ThrottleEvent",
    "tenant_label",
]

logger: Final = logging.getLogger("sage_async")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]
#: Receives a governor's events; may return an awaitable, awaited where the caller can.
Listener = Callable[["ThrottleEvent"], object]

#: ``(requests, per seconds)`` by API.
DEFAULT_RATES: Final[dict[str, tuple[float, float]]] = {
    # "maximum number of 4 or 13 requests per second depending on the API credentials plan"
    # (sales FACTS "Errors"/rate limit, vendor connector Readme); 4 is the safe default.
    "sales": (4.0, 1.0),
    # "200 calls in any 60 second period (per Accounting business)" (accounting FACTS §7).
    "accounting": (200.0, 60.0),
}


@attrs.define
class GovernorStats:
    """Counters of one governor: requests let through, waits, time waited, 429 pauses."""

    requests: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    pauses: int = 0
    slowdowns: int = 0


@attrs.frozen
class ThrottleEvent:
    """
    A throttle event for logs and the ``on_event`` hook; ``tenant`` is a hashed label.

    Kinds: ``wait`` (a request waited ``seconds`` for its rate slot), ``pause`` (a 429 paused
    the tenant for ``seconds``), ``shrink`` (the page-window ceiling fell to ``limit``),
    ``slow`` and ``recover`` (the paced rate fell to, or grew back to, ``rate`` per second).
    """

    kind: Literal["wait", "pause", "shrink", "slow", "recover"]
    tenant: str
    seconds: float = 0.0
    limit: int | None = None
    rate: float | None = None


def tenant_label(api: str, tenant: str) -> str:
    """Return ``api:<12 hex>``: a stable tenant name that does not reveal a key."""
    return f"{api}:{hashlib.sha256(tenant.encode()).hexdigest()[:12]}"


async def _deliver(listener: Listener | None, event: ThrottleEvent) -> None:
    if listener is not None:
        result = listener(event)
        if inspect.isawaitable(result):
            await result


class RateGovernor:
    """
    A per-tenant rate limit: GCRA (a virtual-time token bucket) with a FIFO queue of waiters.

    Each request is given the slot ``max(TAT - tau, paused_until)``; ``TAT`` then moves on by
    :attr:`interval`. Per event loop, only the head of the queue sleeps and the others wait their
    turn, so the order is fair and a cancelled waiter leaves the queue without taking a slot;
    the heads of several loops race for each slot under the lock. A 429 calls :meth:`penalize`,
    which pauses every request of the tenant until ``Retry-After`` and, unless a pause is
    running or the last cut is less than ``per`` seconds old, multiplies the paced rate by
    ``decrease``; every run of ``ceil(rate)``
    successes (one period's worth, at least 4) adds back ``recovery`` of the plan rate (AIMD).
    """

    def __init__(
        self,
        rate: float,
        per: float = 1.0,
        *,
        burst: int = 1,
        name: str = "",
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        on_event: Listener | None = None,
        max_concurrency: int = 16,
        default_penalty: float = 1.0,
        margin: float = 0.0,
        guard: float = 0.0,
        decrease: float = 0.5,
        recovery: float = 0.1,
        min_share: float = 1 / 16,
        quiet: float = 0.0,
    ) -> None:
        """
        Create a governor.

        Args:
            rate: requests allowed per ``per`` seconds (the plan rate).
            per: the period in seconds.
            burst: requests that may go back to back after idle time (1: evenly spaced).
            name: a label for logs (use :func:`tenant_label`, never a key).
            clock: monotonic clock.
            sleep: sleep function (of the event loop that waits).
            on_event: called with every :class:`ThrottleEvent` of the tenant, from whichever
                thread produced it (synchronously; an awaitable result is not awaited).
            max_concurrency: ceiling of :attr:`concurrency`; it starts at ``rate/per`` (>= 1).
            default_penalty: pause after a 429 without ``Retry-After``, in seconds.
            margin: pace this fraction under ``rate`` (a server counting requests in a sliding
                window sees them with network jitter: pacing at exactly the plan rate lets an
                extra request land in a window now and then, and that costs a 429).
            guard: seconds of arrival jitter each window tolerates: ``rate`` requests in a row
                span at least ``per + guard`` seconds, so a request that reaches the server up
                to ``guard`` seconds late (a busy event loop, a thread waiting for the GIL, the
                network) cannot land in the same sliding window as the ``rate``-th one after
                it. The larger of this and ``margin`` sets the pace.
            decrease: the factor applied to the paced rate by a 429 outside a pause (at most
                once per ``per`` seconds).
            recovery: the share of the plan rate added back per ``ceil(rate)`` successes.
            min_share: the paced rate never falls below this share of the plan rate.
            quiet: a burst of 429s that comes more than this many seconds after the previous
                burst only pauses (it is taken for jitter, not for another client sharing the
                tenant: that one causes bursts in a row); 0 lets every burst cut the rate.

        Raises:
            InvalidParameterError: non-positive rate, period or burst; factors out of range.
        """
        if not 0 < decrease < 1 or not 0 < recovery <= 1 or not 0 < min_share <= 1:
            raise InvalidParameterError("need 0 < decrease < 1, 0 < recovery <= 1, 0 < min_share")
        if not 0 <= margin < 1 or guard < 0:
            raise InvalidParameterError("need 0 <= margin < 1 and guard >= 0")
        self.name = name
        self._clock, self._sleep, self._on_event = clock, sleep, on_event
        self._default_penalty = default_penalty
        self._decrease, self._recovery, self._min_share = decrease, recovery, min_share
        self._lock = threading.Lock()
        self.margin, self.guard = margin, guard
        #: Moving average of request latency (send to response, queueing excluded), seconds.
        self.latency: float | None = None
        self.burst = burst
        self.configure(rate, per, burst=burst)
        self._share = 1.0  # the AIMD share of the plan rate that is paced
        self._successes = 0
        self._last_cut = -math.inf
        self._last_burst = -math.inf  # when the latest burst of 429s began
        self.quiet = quiet
        self._tat = -math.inf
        self._paused_until = -math.inf
        self._queues: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, deque[asyncio.Future[None]]
        ] = weakref.WeakKeyDictionary()
        self.stats = GovernorStats()
        initial = max(1, min(max_concurrency, math.ceil(rate / per)))
        self.concurrency = AdaptiveLimit(initial, max_limit=max_concurrency, clock=clock)

    def __repr__(self) -> str:
        return f"<RateGovernor {self.name} {self.rate:g}/{self.per:g}s>"

    def configure(self, rate: float, per: float = 1.0, *, burst: int | None = None) -> None:
        """Change the plan rate; takes effect from the next slot."""
        if rate <= 0 or per <= 0 or (burst is not None and burst < 1):
            raise InvalidParameterError("rate, per and burst must be positive")
        with self._lock:
            self.rate, self.per = float(rate), float(per)
            if burst is not None:
                self.burst = burst

    def observe_latency(self, seconds: float) -> None:
        """Fold one request's latency (send to response) into :attr:`latency`."""
        with self._lock:
            old = self.latency
            self.latency = seconds if old is None else 0.8 * old + 0.2 * seconds

    @property
    def share(self) -> float:
        """The share of the plan rate paced now (1.0 until a 429 slows the tenant down)."""
        return self._share

    @property
    def current_rate(self) -> float:
        """Requests per second paced now: the plan rate, less margin or guard, times share."""
        return 1.0 / self.interval

    @property
    def interval(self) -> float:
        """Seconds between two requests at the paced rate (margin or guard, the larger)."""
        plan = max(self.per / (1.0 - self.margin), self.per + self.guard) / self.rate
        return plan / self._share

    @property
    def paused_until(self) -> float:
        """Monotonic time before which no request is let through."""
        return self._paused_until

    def _try_take(self, now: float) -> float:
        """Take a slot if one is due (returns 0) or return the seconds until one is."""
        with self._lock:
            tolerance = (self.burst - 1) * self.interval
            delay = max(self._paused_until, self._tat - tolerance) - now
            if delay > 0:
                return delay
            self._tat = max(self._tat, now) + self.interval
            self.stats.requests += 1
            return 0.0

    def _queue(self, loop: asyncio.AbstractEventLoop) -> deque[asyncio.Future[None]]:
        with self._lock:
            queue = self._queues.get(loop)
            if queue is None:
                queue = self._queues[loop] = deque()
            return queue

    async def acquire(self, listener: Listener | None = None) -> None:
        """
        Wait until this tenant may send one request, in arrival order within the event loop.

        Cancellation-safe: a cancelled waiter takes no slot and the next in line moves up.

        Args:
            listener: also receives this request's ``wait`` event (the client's ``on_event``).
        """
        started = self._clock()
        loop = asyncio.get_running_loop()
        queue = self._queue(loop)  # touched by this loop's thread only
        if not queue and self._try_take(started) <= 0:
            return
        ticket: asyncio.Future[None] = loop.create_future()
        queue.append(ticket)
        try:
            if queue[0] is not ticket:
                await ticket  # resolved when this waiter reaches the head
            while (delay := self._try_take(self._clock())) > 0:
                await self._sleep(delay)  # re-checked: a penalty or another loop moved on
        finally:
            queue.remove(ticket)  # still there: only this waiter removes its ticket
            if queue and not queue[0].done():
                queue[0].set_result(None)
        waited = self._clock() - started
        with self._lock:
            self.stats.waits += 1
            self.stats.waited_seconds += waited
        await _deliver(listener, self._emit(ThrottleEvent("wait", self.name, waited), 0))

    def pause_until(self, deadline: float) -> list[ThrottleEvent]:
        """
        Let no request of this tenant through before ``deadline`` (monotonic seconds).

        A deadline earlier than the current pause changes nothing.

        Returns:
            The ``pause`` event, if the pause grew (already logged and given to ``on_event``).
        """
        with self._lock:
            if deadline <= self._paused_until:
                return []
            self._paused_until = deadline
            self.stats.pauses += 1
        seconds = max(0.0, deadline - self._clock())
        return [self._emit(ThrottleEvent("pause", self.name, seconds), logging.INFO)]

    def penalize(
        self, retry_after: float | None = None, *, shrink: bool = True
    ) -> list[ThrottleEvent]:
        """
        React to a 429: pause the whole tenant, slow its rate down and shrink :attr:`concurrency`.

        The rate falls once per pause and at most once per period (``per``): the 429s of
        requests already in flight when the first one arrived do not cut it again. A burst more
        than ``quiet`` seconds after the previous one only pauses (when ``quiet`` is set).

        Args:
            retry_after: the server's ``Retry-After`` in seconds (``None``: ``default_penalty``).
            shrink: also call ``concurrency.on_throttle()`` (once per burst, see its cooldown).

        Returns:
            The events it caused (already logged and given to the governor's ``on_event``), for
            the caller to pass on to its own hook.
        """
        now = self._clock()
        wait = self._default_penalty if retry_after is None else max(0.0, retry_after)
        events: list[ThrottleEvent] = []
        with self._lock:
            # One cut per burst and per period: the server's window must see the lower rate
            # before it can answer for it (a storm of 429s with Retry-After 0 pauses nothing).
            burst = now >= self._paused_until  # not a 429 of requests sent before a pause
            isolated = burst and now - self._last_burst > self.quiet > 0
            if burst:
                self._last_burst = now
            slow = (
                burst
                and not isolated
                and now - self._last_cut >= self.per
                and self._share > self._min_share
            )
            if slow:
                self._share = max(self._min_share, self._share * self._decrease)
                self._last_cut = now
                self._successes = 0
                self.stats.slowdowns += 1
        if slow:
            event = ThrottleEvent("slow", self.name, rate=self.current_rate)
            events.append(self._emit(event, logging.INFO))
        events += self.pause_until(now + wait)
        if shrink and self.concurrency.on_throttle():
            event = ThrottleEvent("shrink", self.name, limit=self.concurrency.limit)
            events.append(self._emit(event, 0))
        return events

    def on_success(self) -> list[ThrottleEvent]:
        """
        Count a success: after ``ceil(rate)`` of them the paced rate grows back by ``recovery``.

        Returns:
            The ``recover`` event when the rate grew.
        """
        self.concurrency.on_success()  # success grows the tenant's page window back too
        with self._lock:
            if self._share >= 1.0:
                return []
            self._successes += 1
            if self._successes < max(4, math.ceil(self.rate)):
                return []
            self._successes = 0
            self._share = min(1.0, self._share + self._recovery)
        return [self._emit(ThrottleEvent("recover", self.name, rate=self.current_rate), 0)]

    def _emit(self, event: ThrottleEvent, level: int) -> ThrottleEvent:
        logger.log(
            level or logging.DEBUG,
            "throttle %s on %s: %.3f s, limit %s, rate %s",
            event.kind, event.tenant, event.seconds, event.limit, event.rate,
        )  # fmt: skip
        if self._on_event is not None:
            self._on_event(event)
        return event
