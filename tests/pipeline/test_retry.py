"""Tests for the retry policy (pure) and the retry loop (on backoff, with a fake clock)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sage_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DatabaseConnectionError,
    DecodeError,
    DriftError,
    InvalidQueryError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ResourceNotFoundError,
    ServerError,
    TransportError,
)
from sage_async._retry import RetryEvent, RetryPolicy, call_with_retries, is_testing, set_testing
from sage_async._sansio import build_request, raise_for_response, sales_headers

from .conftest import FakeClock


SECRET = "tok-SECRET-0123456789abcdefghijklmnop"


def api(cls: type[APIError], status: int, *codes: str, **kw: object) -> APIError:
    """An API error as raise_for_response would build it."""
    return cls("boom", status=status, method="GET", path="/x", codes=codes, **kw)  # type: ignore[arg-type]


POLICY = RetryPolicy(random=lambda: 0.5)


# --- policy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "retried"),
    [
        (api(DatabaseConnectionError, 500, "900"), True),
        (api(DatabaseConnectionError, 400, "900"), True),  # the code decides, not the status
        (api(InvalidQueryError, 400, "901"), False),
        (api(InvalidQueryError, 500, "901"), False),  # 901 is the caller's fault even as 500
        (api(ResourceNotFoundError, 400, "910"), False),
        (api(BadRequestError, 400), False),
        (api(NotFoundError, 404, "RecordNotFound"), False),
        (api(AuthenticationError, 401), False),
        (api(BadRequestError, 409), False),
        (api(RateLimitError, 429), True),
        (api(ServerError, 500), True),
        (api(ServerError, 502), True),
        (api(ServerError, 503), True),
        (api(ServerError, 504), True),
        (api(ServerError, 501), False),
        (api(ServerError, 500, "RecordInvalid"), True),  # non-numeric codes: status decides
        (TransportError("reset"), True),
        (RequestTimeoutError("read timeout"), True),
        (DecodeError("html", status=502), True),
        (DecodeError("cut", status=200), True),
        (DecodeError("cut"), True),
        (DriftError("strict mode", model="Account", field="id", kind="wrong_type"), False),
        (ValueError("a bug"), False),
    ],
)
def test_policy_table(exc: BaseException, retried: bool) -> None:
    """900, 429, 500/502/503/504, transport errors and 5xx decode errors retry; nothing else."""
    decision = POLICY.decide(exc, attempt=1, method="GET")
    assert retried == (decision is not None)
    assert retried == POLICY.is_retryable(exc)


def test_retryable_codes_are_configurable() -> None:
    """Removing 900 stops its retries even with HTTP 500; adding a code makes it retried."""
    no_900 = RetryPolicy(retryable_codes=set())
    assert no_900.decide(api(DatabaseConnectionError, 500, "900"), attempt=1, method="GET") is None
    with_910 = RetryPolicy(retryable_codes={900, "910"})
    assert with_910.decide(api(ResourceNotFoundError, 400, "910"), attempt=1, method="GET")


@pytest.mark.parametrize(
    ("method", "exc", "sent", "retried"),
    [
        ("POST", api(ServerError, 502), True, False),
        ("POST", api(DatabaseConnectionError, 500, "900"), True, False),
        ("POST", TransportError("reset"), True, False),
        ("POST", TransportError("refused", sent=False), False, True),
        ("POST", RequestTimeoutError("connect", sent=False), False, True),
        ("POST", api(RateLimitError, 429), True, True),  # refused by the server: nothing done
        ("PUT", api(ServerError, 502), True, True),
        ("DELETE", TransportError("reset"), True, True),
        ("get", api(ServerError, 503), True, True),
    ],
)
def test_policy_post_rule(method: str, exc: BaseException, sent: bool, retried: bool) -> None:
    """POST is retried only when it never reached the server, or after a 429."""
    decision = POLICY.decide(exc, attempt=1, method=method, sent=sent)
    assert retried == (decision is not None)


def test_policy_caps_attempts() -> None:
    """No retry is scheduled once max_attempts attempts have been made."""
    policy = RetryPolicy(max_attempts=3, random=lambda: 0.0)
    exc = api(ServerError, 503)
    assert [0.0, 0.0, None] == [policy.decide(exc, attempt=n, method="GET") for n in (1, 2, 3)]


def test_policy_caps_total_time_without_cutting_the_wait() -> None:
    """A wait that would end past max_total_seconds is not scheduled (and not truncated)."""
    policy = RetryPolicy(max_total_seconds=10, random=lambda: 0.0)
    exc = api(RateLimitError, 429, retry_after=4.0)
    assert 4.0 == policy.decide(exc, attempt=1, method="GET", elapsed=6.0)
    assert policy.decide(exc, attempt=1, method="GET", elapsed=6.5) is None


def test_policy_fails_fast_on_long_retry_after() -> None:
    """A Retry-After above max_retry_after gives up at once; the cap is configurable."""
    exc = api(RateLimitError, 429, retry_after=121.0)
    assert POLICY.decide(exc, attempt=1, method="GET") is None
    relaxed = RetryPolicy(max_retry_after=300, max_total_seconds=600, random=lambda: 0.0)
    assert 121.0 == relaxed.decide(exc, attempt=1, method="GET")


def test_backoff_is_full_jitter_below_an_exponential_ceiling() -> None:
    """backoff(n) is random * min(max_backoff, base * 2**(n-1))."""
    top = RetryPolicy(random=lambda: 0.999999)
    assert [0.5, 1.0, 2.0, 4.0, 30.0] == [round(top.backoff(n), 3) for n in (1, 2, 3, 4, 9)]
    assert 0.0 == RetryPolicy(random=lambda: 0.0).backoff(5)


@given(
    retry_after=st.floats(min_value=0, max_value=120),
    attempt=st.integers(min_value=1, max_value=4),
    draw=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_wait_never_shorter_than_retry_after(retry_after: float, attempt: int, draw: float) -> None:
    """Whatever the jitter draws, the wait is at least Retry-After and at most a bounded extra."""
    policy = RetryPolicy(random=lambda: draw, max_total_seconds=1000)
    exc = api(RateLimitError, 429, retry_after=retry_after)
    wait = policy.decide(exc, attempt=attempt, method="GET")
    assert wait is not None
    assert wait >= retry_after
    assert wait <= max(retry_after, policy.base_backoff * 2 ** (attempt - 1)) + 0.25


@given(retry_after=st.floats(min_value=0, max_value=120))
def test_wait_never_shorter_than_retry_after_with_real_randomness(retry_after: float) -> None:
    """The same holds with the default random source."""
    policy = RetryPolicy(max_total_seconds=1000)
    wait = policy.decide(api(RateLimitError, 429, retry_after=retry_after), attempt=3, method="GET")
    assert wait is not None
    assert wait >= retry_after


# --- loop ---------------------------------------------------------------------------------------


class Flaky:
    """An attempt function that raises the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_loop_retries_900_then_succeeds(clock: FakeClock) -> None:
    """Two 900s then success: three attempts, two events, sleeps equal to the event waits."""
    events: list[RetryEvent] = []
    attempt = Flaky(
        api(DatabaseConnectionError, 500, "900"), api(DatabaseConnectionError, 500, "900")
    )
    result = await call_with_retries(
        attempt,
        policy=POLICY,
        method="GET",
        path="/accounts",
        on_event=events.append,
        sleep=clock.sleep,
        clock=clock,
    )
    assert "ok" == result
    assert 3 == attempt.calls
    assert [1, 2] == [e.attempt for e in events]
    assert {"900"} == {e.code for e in events}
    assert {("GET", "/accounts", "DatabaseConnectionError", 500)} == {
        (e.method, e.path, e.error, e.status) for e in events
    }
    assert [e.wait for e in events] == clock.sleeps
    assert [0.25, 0.5] == clock.sleeps  # random 0.5 * ceilings 0.5, 1.0


async def test_loop_never_retries_901(clock: FakeClock) -> None:
    """901 is raised after exactly one attempt, marked not retryable."""
    attempt = Flaky(api(InvalidQueryError, 400, "901"))
    with pytest.raises(InvalidQueryError) as info:
        await call_with_retries(attempt, method="GET", sleep=clock.sleep, clock=clock)
    assert 1 == attempt.calls
    assert [] == clock.sleeps
    assert info.value.retryable is False


async def test_loop_gives_up_after_max_attempts(clock: FakeClock) -> None:
    """A persistent 503 is attempted max_attempts times, then the last error is raised."""
    errors = [api(ServerError, 503) for _ in range(10)]
    attempt = Flaky(*errors)
    with pytest.raises(ServerError) as info:
        await call_with_retries(
            attempt, policy=POLICY, method="GET", sleep=clock.sleep, clock=clock
        )
    assert 5 == attempt.calls
    assert info.value is errors[4]
    assert info.value.retryable is False
    assert errors[0].retryable is True


async def test_loop_respects_total_time(clock: FakeClock) -> None:
    """With Retry-After 4 s and a 10 s budget, only the retries that fit are made."""
    policy = RetryPolicy(max_total_seconds=10, random=lambda: 0.0)
    attempt = Flaky(*[api(RateLimitError, 429, retry_after=4.0) for _ in range(10)])
    with pytest.raises(RateLimitError):
        await call_with_retries(
            attempt, policy=policy, method="GET", sleep=clock.sleep, clock=clock
        )
    assert [4.0, 4.0] == clock.sleeps
    assert 3 == attempt.calls


async def test_loop_waits_at_least_retry_after(clock: FakeClock) -> None:
    """A 429 with Retry-After 2 is followed by a sleep of at least 2 s."""
    attempt = Flaky(api(RateLimitError, 429, retry_after=2.0))
    assert "ok" == await call_with_retries(attempt, method="POST", sleep=clock.sleep, clock=clock)
    assert 1 == len(clock.sleeps)
    assert clock.sleeps[0] >= 2.0


async def test_loop_post_not_retried_after_send(clock: FakeClock) -> None:
    """A POST that failed after sending is not repeated; one that never left is."""
    sent = Flaky(TransportError("connection reset", method="POST", path="/accounts"))
    with pytest.raises(TransportError):
        await call_with_retries(sent, method="POST", sleep=clock.sleep, clock=clock)
    assert 1 == sent.calls
    unsent = Flaky(TransportError("connection refused", sent=False))
    assert "ok" == await call_with_retries(unsent, method="POST", sleep=clock.sleep, clock=clock)
    assert 2 == unsent.calls


async def test_loop_does_not_retry_foreign_exceptions(clock: FakeClock) -> None:
    """A non-SageError (a bug) propagates from the first attempt."""
    attempt = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        await call_with_retries(attempt, method="GET", sleep=clock.sleep, clock=clock)
    assert 1 == attempt.calls


async def test_loop_awaits_async_hook(clock: FakeClock) -> None:
    """An async on_event hook is awaited before the wait."""
    seen: list[int] = []

    async def hook(event: RetryEvent) -> None:
        seen.append(event.attempt)

    attempt = Flaky(TransportError("reset"))
    await call_with_retries(attempt, method="GET", on_event=hook, sleep=clock.sleep, clock=clock)
    assert [1] == seen


async def test_loop_logs_without_secrets(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Retries are logged on 'sage_async' and the log never contains the token or cookies."""
    calls = 0

    async def attempt() -> object:
        nonlocal calls
        calls += 1
        request = build_request(
            "GET",
            "https://h/api/v4",
            "/accounts",
            headers=sales_headers(session_key=SECRET),
            params={"where": f"name = '{SECRET}'"},
        )
        body = b'{"code": 900, "message": "Connection Error"}' if calls == 1 else b"[]"
        return raise_for_response(
            "sales",
            500 if calls == 1 else 200,
            {"Set-Cookie": SECRET},
            body,
            method=request.method,
            path=request.url,
        )

    events: list[RetryEvent] = []
    with caplog.at_level(logging.DEBUG, logger="sage_async"):
        assert [] == await call_with_retries(
            attempt,
            method="GET",
            path="/api/v4/accounts",
            on_event=events.append,
            sleep=clock.sleep,
            clock=clock,
        )
    assert 2 == calls
    assert ["sage_async"] == [r.name for r in caplog.records]
    assert "retrying GET /api/v4/accounts" in caplog.text
    assert "DatabaseConnectionError" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in repr(events)


async def test_testing_mode_makes_waits_instant(clock: FakeClock) -> None:
    """set_testing(True) keeps the decisions but waits 0 s; attempts can be capped."""
    set_testing(True)
    attempt = Flaky(api(RateLimitError, 429, retry_after=30.0), api(ServerError, 502))
    assert "ok" == await call_with_retries(attempt, method="GET", sleep=clock.sleep, clock=clock)
    assert [0.0, 0.0] == clock.sleeps
    fatal = Flaky(api(InvalidQueryError, 400, "901"))
    with pytest.raises(InvalidQueryError):
        await call_with_retries(fatal, method="GET", sleep=clock.sleep, clock=clock)
    assert 1 == fatal.calls
    set_testing(True, attempts=2)
    capped = Flaky(*[api(ServerError, 503) for _ in range(5)])
    with pytest.raises(ServerError):
        await call_with_retries(capped, method="GET", sleep=clock.sleep, clock=clock)
    assert 2 == capped.calls


async def test_testing_mode_context_manager_restores() -> None:
    """Used as a context manager, set_testing restores the previous mode; default sleep works."""
    assert not is_testing()
    with set_testing(True, attempts=3):
        assert is_testing()
        attempt = Flaky(TransportError("a"), TransportError("b"))
        assert "ok" == await call_with_retries(attempt, method="GET")  # real asyncio.sleep(0)
        assert 3 == attempt.calls
    assert not is_testing()
