"""Tests for the shared rate governor, the AIMD concurrency limit and the registry (fake clock)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from sage_async import InvalidParameterError, UsageError
from sage_async._registry import GovernorRegistry
from sage_async._throttle import (
    AdaptiveLimit,
    RateGovernor,
    ThrottleEvent,
    tenant_label,
)

from .conftest import FakeClock, settle


SECRET = "public-key-SECRET-0123456789"


async def _grant_times(governor: RateGovernor, clock: FakeClock, n: int) -> list[tuple[int, float]]:
    granted: list[tuple[int, float]] = []

    async def one(i: int) -> None:
        await governor.acquire()
        granted.append((i, clock.now))

    await asyncio.gather(*(one(i) for i in range(n)))
    return granted


# --- rate ---------------------------------------------------------------------------------------


async def test_rate_respected_under_50_concurrent_acquirers(clock: FakeClock) -> None:
    """50 concurrent acquirers at 4/s: never more than 4 in any 1 s window, in FIFO order."""
    governor = RateGovernor(4, 1.0, clock=clock, sleep=clock.sleep)
    granted = await _grant_times(governor, clock, 50)
    order = [i for i, _ in granted]
    times = [t for _, t in granted]
    assert list(range(50)) == order
    assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in zip(times, times[4:]))
    assert 49 * 0.25 == pytest.approx(times[-1])
    assert 50 == governor.stats.requests
    assert 49 == governor.stats.waits
    assert governor.stats.waited_seconds > 0


async def test_accounting_rate_spaces_requests(clock: FakeClock) -> None:
    """200 per 60 s spaces requests 0.3 s apart."""
    governor = RateGovernor(200, 60.0, clock=clock, sleep=clock.sleep)
    times = [t for _, t in await _grant_times(governor, clock, 5)]
    assert [0.0, 0.3, 0.6, 0.9, 1.2] == pytest.approx(times)


async def test_burst_allows_back_to_back_after_idle(clock: FakeClock) -> None:
    """With burst=3, three requests go at once after idle time, then spacing resumes."""
    governor = RateGovernor(4, 1.0, burst=3, clock=clock, sleep=clock.sleep)
    times = [t for _, t in await _grant_times(governor, clock, 5)]
    assert [0.0, 0.0, 0.0, 0.25, 0.5] == pytest.approx(times)


async def test_penalize_pauses_every_request_of_the_tenant(clock: FakeClock) -> None:
    """After a 429 with Retry-After 2, no request of that tenant is let through before 2 s."""
    events: list[ThrottleEvent] = []
    governor = RateGovernor(13, 1.0, clock=clock, sleep=clock.sleep, on_event=events.append)
    await governor.acquire()
    governor.penalize(2.0)
    times = [t for _, t in await _grant_times(governor, clock, 10)]
    assert min(times) >= 2.0
    assert 1 == governor.stats.pauses
    assert 2.0 == governor.paused_until
    assert ["slow", "pause", "shrink"] == [e.kind for e in events if e.kind != "wait"]


async def test_pause_extended_while_waiting(manual_clock: FakeClock) -> None:
    """A second 429 during a pause moves the head of the queue back as well."""
    governor = RateGovernor(4, 1.0, clock=manual_clock, sleep=manual_clock.sleep)
    governor.penalize(1.0)
    task = asyncio.create_task(governor.acquire())
    await settle()
    governor.penalize(3.0)
    await manual_clock.advance(1.0)
    assert not task.done()
    await manual_clock.advance(2.0)
    assert task.done()
    assert 3.0 == manual_clock.now
    governor.pause_until(0.5)  # earlier than now: changes nothing
    assert 2 == governor.stats.pauses


async def test_cancelled_waiter_takes_no_slot(manual_clock: FakeClock) -> None:
    """Cancelling a queued waiter leaves the others' order and timing intact."""
    governor = RateGovernor(1, 1.0, clock=manual_clock, sleep=manual_clock.sleep)
    await governor.acquire()  # t=0
    granted: list[str] = []

    async def waiter(name: str) -> None:
        await governor.acquire()
        granted.append(f"{name}@{manual_clock.now:g}")

    tasks = {n: asyncio.create_task(waiter(n)) for n in "ABC"}
    await settle()
    tasks["B"].cancel()
    await settle()
    await manual_clock.advance(1.0)
    await manual_clock.advance(1.0)
    assert ["A@1", "C@2"] == granted
    assert tasks["B"].cancelled()
    assert 3 == governor.stats.requests
    assert not any(governor._queues.values())  # no ticket left in any loop's queue


async def test_cancelled_head_passes_its_turn(manual_clock: FakeClock) -> None:
    """Cancelling the sleeping head lets the next waiter take the same slot time."""
    governor = RateGovernor(1, 1.0, clock=manual_clock, sleep=manual_clock.sleep)
    await governor.acquire()
    first = asyncio.create_task(governor.acquire())
    second = asyncio.create_task(governor.acquire())
    await settle()
    first.cancel()
    await settle()
    await manual_clock.advance(1.0)
    assert second.done()
    assert first.cancelled()
    assert 2 == governor.stats.requests


def test_governor_rejects_bad_rates() -> None:
    """Non-positive rates and periods are refused."""
    with pytest.raises(InvalidParameterError):
        RateGovernor(0, 1.0)
    with pytest.raises(InvalidParameterError):
        RateGovernor(4, -1.0)


# --- registry -----------------------------------------------------------------------------------


def test_registry_shares_governors_per_tenant_and_hides_keys() -> None:
    """One governor per (api, tenant); defaults from FACTS; keys never shown."""
    registry = GovernorRegistry()
    sales = registry.get("sales", SECRET)
    assert sales is registry.get("sales", SECRET)
    assert sales is not registry.get("sales", "other-key")
    accounting = registry.get("accounting", SECRET)
    assert accounting is not sales
    assert (4.0, 1.0) == (sales.rate, sales.per)
    assert (200.0, 60.0) == (accounting.rate, accounting.per)
    assert 3 == len(registry)
    assert SECRET not in repr(sales)
    assert SECRET not in tenant_label("sales", SECRET)
    assert sales.name == tenant_label("sales", SECRET)
    assert registry.get("sales", SECRET, rate=4) is sales
    assert 13 == registry.get("sales", "plan-13", rate=13).concurrency.limit
    registry.clear()
    assert 0 == len(registry)


def test_registry_refuses_a_second_rate_for_one_tenant() -> None:
    """A tenant has one plan: asking for 13/s where 4/s governs it raises, naming both rates."""
    registry = GovernorRegistry()
    governor = registry.get("accounting", "business", rate=200, per=60)
    assert governor is registry.get("accounting", "business", rate=10, per=3)  # the same rate
    with pytest.raises(UsageError, match=r"200 per 60 s.*asks for 13 per 1 s"):
        registry.get("accounting", "business", rate=13, per=1)
    registry.get("sales", SECRET, rate=4)
    with pytest.raises(UsageError) as caught:
        registry.get("sales", SECRET, rate=13)
    assert SECRET not in str(caught.value)
    assert (200.0, 60.0) == (governor.rate, governor.per)  # nothing was reconfigured


async def test_registry_governors_use_injected_clock(clock: FakeClock) -> None:
    """Governors from a registry run on the registry's clock and sleep."""
    registry = GovernorRegistry(clock=clock, sleep=clock.sleep, margin=0.0, guard=0.0)
    governor = registry.get("sales", SECRET)
    await _grant_times(governor, clock, 3)
    assert 0.5 == pytest.approx(clock.now)


async def test_throttle_events_are_logged_without_keys(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Pauses are logged on 'sage_async' under the hashed tenant label."""
    governor = GovernorRegistry(clock=clock, sleep=clock.sleep).get("sales", SECRET)
    with caplog.at_level(logging.DEBUG, logger="sage_async"):
        governor.penalize(1.5)
        await governor.acquire()
    assert "throttle pause" in caplog.text
    assert governor.name in caplog.text
    assert SECRET not in caplog.text


# --- adaptive concurrency -----------------------------------------------------------------------


def test_aimd_grows_additively_and_halves(clock: FakeClock) -> None:
    """Success adds one slot per window of successes; a throttle halves down to the minimum."""
    limit = AdaptiveLimit(4, max_limit=6, clock=clock)
    for _ in range(4):
        limit.on_success()
    assert 5 == limit.limit
    for _ in range(100):
        limit.on_success()
    assert 6 == limit.limit
    shrunk = []
    for _ in range(4):
        shrunk.append(limit.on_throttle(epoch=limit.epoch))
    assert [True] * 4 == shrunk
    assert 1 == limit.limit


def test_aimd_throttle_once_per_burst(clock: FakeClock) -> None:
    """Stale epochs and signals within the cooldown do not shrink again."""
    limit = AdaptiveLimit(8, max_limit=8, clock=clock)
    stale = limit.epoch
    assert limit.on_throttle(epoch=stale)
    assert not limit.on_throttle(epoch=stale)
    assert 4 == limit.limit
    assert not limit.on_throttle()  # within the 1 s cooldown
    clock.now += 1.0
    assert limit.on_throttle()
    assert 2 == limit.limit


def test_aimd_rejects_bad_bounds() -> None:
    """min above max is refused."""
    with pytest.raises(InvalidParameterError):
        AdaptiveLimit(4, min_limit=5, max_limit=4)


async def test_penalize_shrinks_shared_concurrency_once(clock: FakeClock) -> None:
    """Ten 429s of one burst halve the tenant's concurrency once."""
    governor = RateGovernor(13, 1.0, clock=clock, sleep=clock.sleep, max_concurrency=16)
    assert 13 == governor.concurrency.limit
    for _ in range(10):
        governor.penalize(None)
    assert 6 == governor.concurrency.limit
    assert 1.0 == governor.paused_until  # default penalty without Retry-After


def test_registry_paces_a_little_under_the_plan_rate() -> None:
    """Clients' governors leave a 2% margin so sliding-window limiters never see an extra one."""
    governor = GovernorRegistry().get("sales", "credential", rate=13.0)
    assert 1 / 13.0 < governor.interval < 1 / 12.0


# --- AIMD on the rate ---------------------------------------------------------------------------


async def test_429_halves_the_rate_once_per_pause_and_successes_bring_it_back(
    clock: FakeClock,
) -> None:
    """
    A 429 halves the paced rate; the 429s of the same pause do not cut it again; each run of
    ``ceil(rate)`` successes adds back 10% of the plan rate, up to the plan rate.
    """
    events: list[ThrottleEvent] = []
    governor = RateGovernor(10, 1.0, clock=clock, sleep=clock.sleep, on_event=events.append)
    assert 0.1 == pytest.approx(governor.interval)
    returned = governor.penalize(1.0)
    governor.penalize(1.0)  # in flight when the first one arrived: same pause
    assert 0.5 == governor.share
    assert 5.0 == pytest.approx(governor.current_rate)
    assert ["slow", "pause", "shrink"] == [e.kind for e in returned]
    assert 1 == governor.stats.slowdowns
    times = [t for _, t in await _grant_times(governor, clock, 3)]
    assert [1.0, 1.2, 1.4] == pytest.approx(times)  # after the pause, at half the rate
    governor.penalize(1.0)  # a new burst after the pause: halves again
    assert 0.25 == governor.share
    recovered = [e for _ in range(10) for e in governor.on_success()]
    assert [0.35] == pytest.approx([governor.share])
    assert ["recover"] == [e.kind for e in recovered]
    for _ in range(100):
        governor.on_success()
    assert 1.0 == governor.share
    assert {"slow", "pause", "shrink", "recover", "wait"} == {e.kind for e in events}


def test_rate_never_falls_below_its_floor(clock: FakeClock) -> None:
    """However many bursts of 429s, the paced rate stays at or above 1/16 of the plan rate."""
    governor = RateGovernor(16, 1.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        governor.penalize(1.0)
        clock.now += 2.0
    assert 1.0 == pytest.approx(governor.current_rate)
    assert 4 == governor.stats.slowdowns


def test_a_storm_of_429s_without_pause_cuts_the_rate_once_per_period(clock: FakeClock) -> None:
    """Ten 429s with Retry-After 0 within one second halve the rate once, not ten times."""
    governor = RateGovernor(4, 1.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        governor.penalize(0.0)
        clock.now += 0.05
    assert 0.5 == governor.share
    clock.now += 1.0
    governor.penalize(0.0)
    assert 0.25 == governor.share


def test_governors_on_several_loops_share_one_rate() -> None:
    """
    Waiters on two event loops (two threads) take slots of one shared virtual time: the 40
    grants span 39 intervals and neither loop touches the other's futures (debug mode).
    """
    governor = RateGovernor(200, 1.0)
    granted: list[float] = []

    async def take(n: int) -> None:
        async def one() -> None:
            await governor.acquire()
            granted.append(time.monotonic())

        await asyncio.gather(*(one() for _ in range(n)))

    threads = [
        threading.Thread(target=asyncio.run, args=(take(20),), kwargs={"debug": True})
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    granted.sort()
    assert 40 == len(granted)
    assert 40 == governor.stats.requests
    assert granted[-1] - granted[0] >= 39 * 0.005 - 0.002
