"""
Injectable faults and rate limits, per route or global, for tests of retries and throttling.

A :class:`Fault` matches requests by API, method and a glob on the path relative to the API
base (``/accounts``, ``/stock_items/*``), fires on every matching request, every Nth one or
with a probability (from the sandbox seed, so runs repeat), and can be limited to N firings.
Kinds:

- ``latency``: sleep ``delay`` seconds plus up to ``jitter`` more before answering.
- ``error_900``: Sales error 900 (database connection) with HTTP 500, the shape of
  ``docs/contracts.md`` section 5 (sales FACTS "Errors": 900 is transient).
- ``status``: answer ``status`` (429/500/502/503/504...) with the API's error body, plus
  ``Retry-After`` when ``retry_after`` is set (a 429 always carries one).
- ``html_502``: a 502 with an HTML page, as a gateway sends.
- ``reset``: send the status line, headers and half of the body, then cut the connection.
- ``truncate``: a complete HTTP response whose JSON body is cut in half.
- ``empty_body``: a complete HTTP response with the handler's status and an empty body.
- ``slow_body``: the body in chunks of ``chunk_size`` bytes, ``delay`` seconds apart.
- ``expire_tokens``: invalidate every live token just before the request is authenticated.

``burst`` makes a fault with ``every`` fire on the last ``burst`` of every ``every`` matching
requests (``every=25, burst=3``: the 23rd, 24th and 25th, then the 48th...): tokens invalidated
three times in a row, so a request re-sent with a brand new token can meet a 401 again.

Rate limits (:meth:`FaultInjector.rate_limit`) count requests per second and/or per minute per
tenant (Sales credential, Accounting business) and answer 429 with ``Retry-After`` (whole
seconds) when exceeded (sales FACTS "4 or 13 requests per second"; accounting FACTS section 7
"200 calls in any 60 second period"). Refused requests do not count. A limit given for one
tenant (``tenant=`` a Sales credential label or an Accounting business id) replaces the API's
limit for that tenant only.
"""

from __future__ import annotations

import fnmatch
import math
import random
import time
from collections import deque
from typing import Literal

import attrs


__all__ = ["Fault", "FaultInjector", "FaultKind", "RateLimit"]

FaultKind = Literal[
    "latency",
    "error_900",
    "status",
    "html_502",
    "reset",
    "truncate",
    "empty_body",
    "slow_body",
    "expire_tokens",
]
RESPONSE_KINDS = frozenset({"error_900", "status", "html_502"})
BODY_KINDS = frozenset({"reset", "truncate", "empty_body", "slow_body"})


@attrs.define(eq=False)
class Fault:
    """
    One injected fault and its counters.

    Attributes:
        kind: what happens (see the module docstring).
        api: ``"sales"``, ``"accounting"`` (legacy gateway included), ``"oauth"``, or ``None``
            for every API.
        method: the HTTP method to match, or ``None`` for all.
        path: a glob on the path relative to the API base.
        every: fire on every Nth matching request (1 = each).
        burst: with ``every``, fire on the last ``burst`` requests of each ``every``.
        probability: fire with this probability instead (seeded).
        times: fire at most this many times (``None``: unlimited).
        status: the HTTP status of a ``status`` fault.
        delay: seconds of latency, or between chunks of a slow body.
        jitter: extra random latency, uniform in ``[0, jitter]`` seconds.
        chunk_size: bytes per chunk of a slow body.
        retry_after: the ``Retry-After`` seconds a ``status`` fault sends (429 defaults to 1).
        seen: matching requests so far.
        fired: times the fault fired so far.
    """

    kind: FaultKind
    api: str | None = None
    method: str | None = None
    path: str = "*"
    every: int = 1
    burst: int = 1
    probability: float | None = None
    times: int | None = None
    status: int = 503
    delay: float = 0.0
    jitter: float = 0.0
    chunk_size: int = 1024
    retry_after: float | None = None
    seen: int = 0
    fired: int = 0

    def matches(self, api: str, method: str, path: str) -> bool:
        """Return whether a request is in this fault's scope."""
        api = "accounting" if api == "legacy" else api
        return (
            (self.api is None or self.api == api)
            and (self.method is None or self.method.upper() == method)
            and fnmatch.fnmatchcase(path, self.path)
        )

    def trigger(self, rng: random.Random) -> bool:
        """Count one matching request and return whether the fault fires on it."""
        if self.times is not None and self.fired >= self.times:
            return False
        self.seen += 1
        if self.probability is not None:
            fire = rng.random() < self.probability
        else:
            every = max(1, self.every)
            fire = (self.seen - 1) % every >= every - max(1, self.burst)
        if fire:
            self.fired += 1
        return fire


@attrs.define
class RateLimit:
    """A request budget per tenant: at most ``per_second`` and/or ``per_minute`` requests."""

    per_second: int | None = None
    per_minute: int | None = None
    windows: dict[tuple[str, float], deque[float]] = attrs.field(factory=dict)

    def check(self, tenant: str, now: float) -> float | None:
        """Count a request of ``tenant``; return the seconds to wait when over budget."""
        limits = [(1.0, self.per_second), (60.0, self.per_minute)]
        wait = 0.0
        live = []
        for span, limit in limits:
            if limit is None:
                continue
            window = self.windows.setdefault((tenant, span), deque())
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                wait = max(wait, window[0] + span - now)
            live.append(window)
        if wait > 0:
            return wait
        for window in live:
            window.append(now)
        return None


class FaultInjector:
    """
    The fault and rate-limit registry of a sandbox (``sb.faults``).

    Args:
        seed: seeds the random draws of probabilistic faults and jitter.
    """

    def __init__(self, seed: int = 0) -> None:
        self.faults: list[Fault] = []
        self.limits: dict[str, RateLimit] = {}
        self.tenant_limits: dict[tuple[str, str], RateLimit] = {}
        self.rng = random.Random(seed)

    def add(self, kind: FaultKind, **options: object) -> Fault:
        """
        Register a fault.

        Args:
            kind: the fault kind.
            options: the :class:`Fault` attributes (``api``, ``method``, ``path``, ``every``,
                ``probability``, ``times``, ``status``, ``delay``, ``jitter``, ``chunk_size``).

        Returns:
            The fault, whose ``seen``/``fired`` counters tests can read.
        """
        fault = Fault(kind, **options)  # type: ignore[arg-type]
        self.faults.append(fault)
        return fault

    def latency(self, delay: float, *, jitter: float = 0.0, **scope: object) -> Fault:
        """Delay matching requests by ``delay`` seconds plus up to ``jitter`` more."""
        return self.add("latency", delay=delay, jitter=jitter, **scope)

    def error_900(self, **scope: object) -> Fault:
        """Answer Sales error 900 (HTTP 500) on matching requests (``every``/``probability``)."""
        scope.setdefault("api", "sales")
        return self.add("error_900", **scope)

    def status(self, status: int, **scope: object) -> Fault:
        """
        Answer ``status`` (e.g. 429, 500, 502, 503, 504) with the API's error body.

        ``retry_after=`` adds a ``Retry-After`` header (a 429 always has one, 1 s by default).
        """
        return self.add("status", status=status, **scope)

    def html_502(self, **scope: object) -> Fault:
        """Answer a 502 with an HTML gateway page."""
        return self.add("html_502", status=502, **scope)

    def reset(self, **scope: object) -> Fault:
        """Cut the connection after half of the response body."""
        return self.add("reset", **scope)

    def truncate(self, **scope: object) -> Fault:
        """Send a complete response whose JSON body is cut in half."""
        return self.add("truncate", **scope)

    def empty_body(self, **scope: object) -> Fault:
        """Answer with the handler's status (200...) and headers but an empty body."""
        return self.add("empty_body", **scope)

    def slow_body(self, delay: float, *, chunk_size: int = 1024, **scope: object) -> Fault:
        """Send the body in ``chunk_size`` chunks, ``delay`` seconds apart."""
        return self.add("slow_body", delay=delay, chunk_size=chunk_size, **scope)

    def expire_tokens(self, **scope: object) -> Fault:
        """
        Invalidate every live token when a matching request arrives (default: next one).

        ``every=25, burst=3, times=None`` invalidates them on three requests in a row out of
        every 25, for as long as the fault is registered.
        """
        scope.setdefault("times", 1)
        return self.add("expire_tokens", **scope)

    def rate_limit(
        self,
        api: str,
        *,
        per_second: int | None = None,
        per_minute: int | None = None,
        tenant: str | None = None,
    ) -> RateLimit:
        """
        Limit ``api`` (``"sales"`` or ``"accounting"``) per tenant; excess gets 429.

        Args:
            api: the API to limit.
            per_second: requests allowed in any 1-second window.
            per_minute: requests allowed in any 60-second window.
            tenant: limit only this tenant (a Sales credential label such as ``sales-3``, or
                an Accounting business id); it then ignores the API-wide limit.

        Returns:
            The limit.
        """
        limit = RateLimit(per_second, per_minute)
        if tenant is None:
            self.limits[api] = limit
        else:
            self.tenant_limits[(api, tenant)] = limit
        return limit

    def remove(self, fault: Fault) -> None:
        """Unregister one fault."""
        self.faults.remove(fault)

    def clear(self) -> None:
        """Remove every fault and rate limit."""
        self.faults.clear()
        self.limits.clear()
        self.tenant_limits.clear()

    # --- used by the server -----------------------------------------------------------------

    def firing(self, api: str, method: str, path: str) -> list[Fault]:
        """Return the faults that fire on this request (each counts it)."""
        return [f for f in self.faults if f.matches(api, method, path) and f.trigger(self.rng)]

    def check_rate(self, api: str, tenant: str) -> int | None:
        """Return the ``Retry-After`` seconds when ``tenant`` is over its budget, else ``None``."""
        api = "accounting" if api == "legacy" else api
        limit = self.tenant_limits.get((api, tenant)) or self.limits.get(api)
        if limit is None:
            return None
        wait = limit.check(tenant, time.monotonic())
        return None if wait is None else max(1, math.ceil(wait))

    def jitter(self, fault: Fault) -> float:
        """Return the latency of a ``latency`` fault for one request."""
        return fault.delay + (self.rng.random() * fault.jitter if fault.jitter else 0.0)
