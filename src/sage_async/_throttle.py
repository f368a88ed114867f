"""
Shared throttling per tenant: a rate governor and an adaptive concurrency limit.

Every request of a tenant (Sales: a credential; Accounting: a business) passes
:meth:`RateGovernor.acquire`, so concurrent calls and pages stay under the documented limit
instead of collecting 429s, and one 429 pauses the whole tenant (PEERS §2.4: per-request
Retry-After does not work under concurrency, aiohttp_retry#59). :class:`AdaptiveLimit` bounds
in-flight requests with AIMD. :class:`GovernorRegistry` hands the same governor to every client
of a tenant. Clock and sleep are injectable, so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final, Literal

import attrs

from ._errors import InvalidParameterError
from ._limit import AdaptiveLimit


__all__ = [
    "DEFAULT_RATES",
    "AdaptiveLimit",
    "GovernorRegistry",
    "GovernorStats",
    "RateGovernor",
    "ThrottleEvent",
    "tenant_label",
]

logger: Final = logging.getLogger("sage_async")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

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


@attrs.frozen
class ThrottleEvent:
    """A throttle event for logs and the ``on_event`` hook; ``tenant`` is a hashed label."""

    kind: Literal["wait", "pause", "shrink"]
    tenant: str
    seconds: float = 0.0
    limit: int | None = None


def tenant_label(api: str, tenant: str) -> str:
    """Return ``api:<12 hex>``: a stable tenant name that does not reveal a key."""
    return f"{api}:{hashlib.sha256(tenant.encode()).hexdigest()[:12]}"


class RateGovernor:
    """
    A per-tenant rate limit: GCRA (a virtual-time token bucket) with a FIFO queue of waiters.

    Each request is given the slot ``max(TAT - tau, paused_until)``; ``TAT`` then moves on by
    ``per / rate``. Only the head of the queue sleeps; the others wait their turn, so the order
    is fair and a cancelled waiter simply leaves the queue without taking a slot. A 429 calls
    :meth:`penalize`, which pauses every request of the tenant until ``Retry-After``.
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
        on_event: Callable[[ThrottleEvent], object] | None = None,
        max_concurrency: int = 16,
        default_penalty: float = 1.0,
        margin: float = 0.0,
    ) -> None:
        """
        Create a governor.

        Args:
            rate: requests allowed per ``per`` seconds.
            per: the period in seconds.
            burst: requests that may go back to back after idle time (1: evenly spaced).
            name: a label for logs (use :func:`tenant_label`, never a key).
            clock: monotonic clock.
            sleep: sleep function.
            on_event: called with each :class:`ThrottleEvent` (synchronously).
            max_concurrency: ceiling of :attr:`concurrency`; it starts at ``rate/per`` (>= 1).
            default_penalty: pause after a 429 without ``Retry-After``, in seconds.
            margin: pace this fraction under ``rate`` (a server counting requests in a sliding
                window sees them with network jitter: pacing at exactly the plan rate lets an
                extra request land in a window now and then, and that costs a 429).

        Raises:
            InvalidParameterError: non-positive rate, period or burst.
        """
        self.name = name
        self._clock, self._sleep, self._on_event = clock, sleep, on_event
        self._default_penalty = default_penalty
        self.margin = margin
        #: Moving average of request latency (send to response, queueing excluded), seconds.
        self.latency: float | None = None
        self.burst = burst
        self.configure(rate, per, burst=burst)
        self._tat = -math.inf
        self._paused_until = -math.inf
        self._queue: deque[asyncio.Future[None]] = deque()
        self.stats = GovernorStats()
        initial = max(1, min(max_concurrency, math.ceil(rate / per)))
        self.concurrency = AdaptiveLimit(initial, max_limit=max_concurrency, clock=clock)

    def __repr__(self) -> str:
        return f"<RateGovernor {self.name} {self.rate:g}/{self.per:g}s>"

    def configure(self, rate: float, per: float = 1.0, *, burst: int | None = None) -> None:
        """Change the rate (e.g. the 13/s Sales plan); takes effect from the next slot."""
        if rate <= 0 or per <= 0 or (burst is not None and burst < 1):
            raise InvalidParameterError("rate, per and burst must be positive")
        self.rate, self.per = float(rate), float(per)
        if burst is not None:
            self.burst = burst

    def observe_latency(self, seconds: float) -> None:
        """Fold one request's latency (send to response) into :attr:`latency`."""
        self.latency = seconds if self.latency is None else 0.8 * self.latency + 0.2 * seconds

    @property
    def interval(self) -> float:
        """Seconds between two requests: the configured rate, less the safety margin."""
        return self.per / (self.rate * (1.0 - self.margin))

    @property
    def paused_until(self) -> float:
        """Monotonic time before which no request is let through."""
        return self._paused_until

    def _delay(self, now: float) -> float:
        tolerance = (self.burst - 1) * self.interval
        return max(self._paused_until, self._tat - tolerance) - now

    async def acquire(self) -> None:
        """
        Wait until this tenant may send one request, in arrival order.

        Cancellation-safe: a cancelled waiter takes no slot and the next in line moves up.
        """
        started = self._clock()
        if not self._queue and self._delay(started) <= 0:
            self._take(started)
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(ticket)
        try:
            if self._queue[0] is not ticket:
                await ticket  # resolved when this waiter reaches the head
            while (delay := self._delay(self._clock())) > 0:
                await self._sleep(delay)  # re-checked: a penalty may have extended the pause
            self._take(self._clock())
        finally:
            with contextlib.suppress(ValueError):
                self._queue.remove(ticket)
            if self._queue and not self._queue[0].done():
                self._queue[0].set_result(None)
        waited = self._clock() - started
        self.stats.waits += 1
        self.stats.waited_seconds += waited
        self._emit(ThrottleEvent("wait", self.name, waited), logging.DEBUG)

    def _take(self, now: float) -> None:
        self._tat = max(self._tat, now) + self.interval
        self.stats.requests += 1

    def pause_until(self, deadline: float) -> None:
        """
        Let no request of this tenant through before ``deadline`` (monotonic seconds).

        A deadline earlier than the current pause changes nothing.
        """
        if deadline <= self._paused_until:
            return
        self._paused_until = deadline
        self.stats.pauses += 1
        seconds = max(0.0, deadline - self._clock())
        self._emit(ThrottleEvent("pause", self.name, seconds), logging.INFO)

    def penalize(self, retry_after: float | None = None, *, shrink: bool = True) -> None:
        """
        React to a 429: pause the whole tenant and (by default) shrink :attr:`concurrency`.

        Args:
            retry_after: the server's ``Retry-After`` in seconds (``None``: ``default_penalty``).
            shrink: also call ``concurrency.on_throttle()`` (once per burst, see its cooldown).
        """
        wait = self._default_penalty if retry_after is None else max(0.0, retry_after)
        self.pause_until(self._clock() + wait)
        if shrink and self.concurrency.on_throttle():
            self._emit(ThrottleEvent("shrink", self.name, limit=self.concurrency.limit), 0)

    def _emit(self, event: ThrottleEvent, level: int) -> None:
        if level:
            logger.log(level, "throttle %s on %s: %.3f s", event.kind, event.tenant, event.seconds)
        if self._on_event is not None:
            self._on_event(event)


class GovernorRegistry:
    """
    One :class:`RateGovernor` per ``(api, tenant)``, shared by every client of that tenant.

    Tenants are stored under a hash (:func:`tenant_label`), so the registry never holds a key
    in the clear.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        on_event: Callable[[ThrottleEvent], object] | None = None,
        margin: float = 0.02,
    ) -> None:
        """
        Create an empty registry whose governors use ``clock``, ``sleep`` and ``on_event``, and
        pace ``margin`` (2%) under their configured rate.
        """
        self._clock, self._sleep, self._on_event = clock, sleep, on_event
        self._margin = margin
        self._governors: dict[str, RateGovernor] = {}

    def get(
        self,
        api: Literal["sales", "accounting"],
        tenant: str,
        *,
        rate: float | None = None,
        per: float | None = None,
        max_concurrency: int = 16,
    ) -> RateGovernor:
        """
        Return the governor of ``(api, tenant)``, creating it on first use.

        Args:
            api: ``"sales"`` or ``"accounting"`` (chooses :data:`DEFAULT_RATES`).
            tenant: Sales: the public key; Accounting: the business id.
            rate: requests per ``per``; given explicitly, it also reconfigures an existing one.
            per: the period in seconds.
            max_concurrency: ceiling of the adaptive limit (used on creation).

        Returns:
            The shared governor.
        """
        default_rate, default_per = DEFAULT_RATES[api]
        label = tenant_label(api, tenant)
        governor = self._governors.get(label)
        if governor is None:
            governor = RateGovernor(
                rate or default_rate,
                per or default_per,
                name=label,
                clock=self._clock,
                sleep=self._sleep,
                on_event=self._on_event,
                max_concurrency=max_concurrency,
                margin=self._margin,
            )
            self._governors[label] = governor
        elif rate is not None or per is not None:
            governor.configure(rate or governor.rate, per or governor.per)
        return governor

    def __len__(self) -> int:
        return len(self._governors)

    def clear(self) -> None:
        """Forget every governor (tests; a new event loop)."""
        self._governors.clear()
