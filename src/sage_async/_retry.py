"""
Retries: a pure policy that decides, and one loop (on ``backoff``) that obeys.

:class:`RetryPolicy` answers one question without side effects: given the error of attempt *n*,
wait how long before the next attempt, or give up? :func:`call_with_retries` runs an attempt
function (send, read and decode — the whole unit is retried) under a policy, logs each retry on
the ``sage_async`` logger without secrets, and offers each to an ``on_event`` hook.
:func:`set_testing` makes retries instant in tests (the shape of stamina's switch).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator, Iterable
from types import TracebackType
from typing import Any, Final, TypeVar

import attrs
import backoff

from ._errors import (
    APIError,
    DecodeError,
    DriftError,
    RateLimitError,
    SageError,
    TransportError,
)


__all__ = [
    "RetryEvent",
    "RetryPolicy",
    "call_with_retries",
    "is_testing",
    "request_was_sent",
    "set_testing",
]

T = TypeVar("T")
logger: Final = logging.getLogger("sage_async")

# RFC 9110 §9.2.2: repeating these has the same effect as sending them once.
_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _strs(values: Iterable[str | int]) -> frozenset[str]:
    return frozenset(str(v) for v in values)  # 900 and "900" are the same code


def _ints(values: Iterable[int]) -> frozenset[int]:
    return frozenset(int(v) for v in values)


def _methods(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.upper() for v in values)


@attrs.frozen
class RetryPolicy:
    """
    What is retried, and how long to wait; pure (randomness is injectable).

    Attributes:
        max_attempts: attempts in total, the first one included.
        max_total_seconds: no retry is scheduled whose wait would end later than this many
            seconds after the first attempt started (the wait is never truncated: a cut wait
            could undercut ``Retry-After``).
        base_backoff: first backoff ceiling; doubled per attempt (full jitter below it).
        max_backoff: ceiling of the exponential backoff.
        max_retry_after: a ``Retry-After`` longer than this fails fast instead of waiting.
        retry_after_spread: at most this many seconds are added at random to a server-given
            wait, so that concurrent waiters do not return in one burst.
        retryable_codes: API codes that are retried whatever the status. Sales 900 by default;
            901 (bad ``where``) and 910 (no such resource) are the caller's problem (PEERS §2.3).
        retryable_statuses: HTTP statuses retried when the body has no deciding code.
        idempotent_methods: methods retried even after the request was sent.
        random: returns a float in [0, 1); inject a fixed one for deterministic tests.
    """

    max_attempts: int = 5
    max_total_seconds: float = 60.0
    base_backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0  # OpenAI's client fails fast above 120 s (PEERS §2.4)
    retry_after_spread: float = 0.25
    retryable_codes: frozenset[str] = attrs.field(default=frozenset({"900"}), converter=_strs)
    retryable_statuses: frozenset[int] = attrs.field(
        default=frozenset({429, 500, 502, 503, 504}), converter=_ints
    )
    idempotent_methods: frozenset[str] = attrs.field(default=_IDEMPOTENT, converter=_methods)
    random: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """
        Return the jittered exponential backoff after failed attempt ``attempt`` (1-based).

        Args:
            attempt: the number of the attempt that just failed.

        Returns:
            A wait drawn uniformly from ``[0, min(max_backoff, base_backoff * 2**(attempt-1))]``
            ("full jitter").
        """
        ceiling = min(self.max_backoff, self.base_backoff * 2.0 ** max(0, attempt - 1))
        return ceiling * self.random()

    def is_retryable(self, exc: BaseException) -> bool:
        """
        Return whether ``exc`` is of a kind worth another attempt, ignoring method and budget.

        Order: 429 by status; then a code in ``retryable_codes`` retries, and any other numeric
        (Sales) code does not (901 and 910 never do, whatever the HTTP status); then the HTTP
        status; transport errors and timeouts always; a :class:`DecodeError` (a body cut short or
        replaced by a proxy page) too, but never a strict-mode :class:`DriftError`.
        """
        if isinstance(exc, APIError):
            if exc.status == 429 or isinstance(exc, RateLimitError):
                return 429 in self.retryable_statuses
            if any(code in self.retryable_codes for code in exc.codes):
                return True
            if any(code.isdigit() for code in exc.codes):  # Sales: the code decides
                return False
            return exc.status in self.retryable_statuses
        if isinstance(exc, DecodeError):
            # A 2xx body that is not JSON was cut short on the way: the same GET will do.
            # Whether the method may be repeated is decide()'s concern.
            return not isinstance(exc, DriftError)
        return isinstance(exc, TransportError)  # includes RequestTimeoutError

    def decide(
        self,
        exc: BaseException,
        *,
        attempt: int,
        method: str,
        sent: bool = True,
        elapsed: float = 0.0,
    ) -> float | None:
        """
        Decide what to do after attempt ``attempt`` failed with ``exc``.

        Non-idempotent methods (POST) are retried only when the request never reached the
        server (``sent=False``: DNS, connection refused) or the server refused it outright with
        429 — retrying cannot then create a record twice. The wait is the full-jitter backoff,
        but never shorter than a ``Retry-After``: ``max(retry_after, backoff) + spread`` where
        ``spread`` is random in ``[0, retry_after_spread]`` (jitter only lengthens; meltano
        sdk#1477 shows full jitter undercutting Retry-After).

        Args:
            exc: the error of the failed attempt.
            attempt: 1-based number of that attempt.
            method: the HTTP method.
            sent: whether the request may have reached the server.
            elapsed: seconds since the first attempt started.

        Returns:
            Seconds to wait before the next attempt, or ``None`` to give up.
        """
        if attempt >= self.max_attempts or not self.is_retryable(exc):
            return None
        refused = isinstance(exc, RateLimitError) or getattr(exc, "status", None) == 429
        if method.upper() not in self.idempotent_methods and sent and not refused:
            return None
        wait = self.backoff(attempt)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float):
            if retry_after > self.max_retry_after:
                return None  # fail fast rather than hang for minutes
            wait = max(float(retry_after), wait) + self.retry_after_spread * self.random()
        if elapsed + wait > self.max_total_seconds:
            return None
        return wait


@attrs.frozen
class RetryEvent:
    """One scheduled retry, as logged and given to the ``on_event`` hook (no secrets)."""

    attempt: int  # the attempt that failed (1-based)
    wait: float  # seconds before the next attempt
    error: str  # exception class name
    status: int | None
    code: str | None
    method: str
    path: str
    retry_after: float | None = None


def request_was_sent(exc: BaseException) -> bool:
    """Return False only when ``exc`` proves the request never left (``SageError.sent``)."""
    if isinstance(exc, SageError):
        return exc.sent
    return True


# --- testing switch -----------------------------------------------------------------------------


@attrs.define
class _Testing:
    """Strictly private: the global testing-mode state."""

    enabled: bool = False
    attempts: int | None = None


_TESTING = _Testing()


class _RestoreTesting:
    """Strictly private: returned by :func:`set_testing`; restores the previous state on exit."""

    def __init__(self, previous: _Testing) -> None:
        self._previous = previous

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _TESTING.enabled = self._previous.enabled
        _TESTING.attempts = self._previous.attempts


def set_testing(enabled: bool, *, attempts: int | None = None) -> _RestoreTesting:
    """
    Turn testing mode on or off: retry waits become zero, attempts are optionally capped.

    The policy still decides *whether* to retry (901 stays fatal in tests). Usable as a plain
    call or as a context manager that restores the previous mode::

        with set_testing(True, attempts=2):
            ...

    Args:
        enabled: whether testing mode is on.
        attempts: cap on attempts in testing mode (``None``: the policy's ``max_attempts``).

    Returns:
        A context manager restoring the previous mode on exit.
    """
    previous = attrs.evolve(_TESTING)
    _TESTING.enabled = enabled
    _TESTING.attempts = attempts
    return _RestoreTesting(previous)


def is_testing() -> bool:
    """Return whether testing mode is on."""
    return _TESTING.enabled


# --- the loop -----------------------------------------------------------------------------------


@attrs.define
class _Run:
    """Strictly private: the mutable state of one :func:`call_with_retries` call."""

    start: float
    attempt: int = 0
    wait: float = 0.0
    exc: BaseException | None = None


def _zero_waits() -> Generator[float, None, None]:
    # backoff 2.2.1's async loop sleeps with a hard-wired asyncio.sleep and truncates waits to
    # max_time (which would undercut Retry-After); it gets 0 here and the real, injectable sleep
    # happens in our on_backoff handler.
    while True:
        yield 0.0


async def call_with_retries(
    attempt_fn: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy | None = None,
    method: str,
    path: str = "",
    on_event: Callable[[RetryEvent], object] | None = None,
    sleep: Callable[[float], Awaitable[object]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """
    Run ``attempt_fn`` until it succeeds or the policy gives up, and return its result.

    Only :class:`~sage_async.SageError` is considered for retry; anything else (a bug,
    cancellation) propagates at once. On giving up, the last error is raised unchanged, with
    ``retryable`` set on API errors to what the policy concluded.

    Args:
        attempt_fn: one whole attempt: send, read and decode (so truncated bodies are retried).
        policy: the retry policy (default :class:`RetryPolicy()`).
        method: the HTTP method (decides whether a sent request may be repeated).
        path: the request path for logs and events (no query string).
        on_event: called with a :class:`RetryEvent` before each wait; may be a coroutine function.
        sleep: the sleep function (default :func:`asyncio.sleep`); tests inject a fake.
        clock: monotonic clock for the total-time budget.

    Returns:
        What ``attempt_fn`` returned.

    Raises:
        SageError: the error of the last attempt.
    """
    policy = policy or RetryPolicy()
    do_sleep = sleep or asyncio.sleep
    testing = attrs.evolve(_TESTING)  # one mode for the whole call
    run = _Run(start=clock())

    def giveup(exc: Exception) -> bool:
        run.attempt += 1
        run.exc = exc
        decision = policy.decide(
            exc,
            attempt=run.attempt,
            method=method,
            sent=request_was_sent(exc),
            elapsed=clock() - run.start,
        )
        if testing.enabled and decision is not None:
            cap = testing.attempts if testing.attempts is not None else policy.max_attempts
            decision = 0.0 if run.attempt < cap else None
        if isinstance(exc, APIError):
            exc.retryable = decision is not None
        if isinstance(exc, SageError):
            exc.attempt = run.attempt
        run.wait = decision or 0.0
        return decision is None

    async def on_backoff(details: Any) -> None:
        exc = run.exc
        event = RetryEvent(
            attempt=run.attempt,
            wait=run.wait,
            error=type(exc).__name__,
            status=getattr(exc, "status", None),
            code=getattr(exc, "code", None),
            method=method.upper(),
            path=path,
            retry_after=getattr(exc, "retry_after", None),
        )
        # Only the event's fields are logged: never str(exc), headers or the body.
        logger.info(
            "retrying %s %s in %.2f s after attempt %d failed: %s (status=%s, code=%s)",
            event.method,
            event.path,
            event.wait,
            event.attempt,
            event.error,
            event.status,
            event.code,
        )
        if on_event is not None:
            result = on_event(event)
            if inspect.isawaitable(result):
                await result
        await do_sleep(run.wait)

    async def target() -> T:
        return await attempt_fn()

    retrying = backoff.on_exception(
        _zero_waits,
        SageError,
        max_tries=None,
        max_time=None,
        jitter=None,
        giveup=giveup,
        on_backoff=on_backoff,
        raise_on_giveup=True,
        logger=None,
    )(target)
    result: T = await retrying()
    return result
