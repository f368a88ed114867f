"""
Rate governors and jitter: requests that reach the server late by up to ``guard`` seconds still
fit the server's sliding window (the sandbox's own limiter is the judge), and an isolated 429
(jitter beyond the guard) pauses the tenant without halving its rate.
"""

from __future__ import annotations

import asyncio

import pytest

from sage_async import GovernorRegistry
from sage_async._errors import InvalidParameterError
from sage_async._registry import GUARD, QUIET_PERIODS
from sage_async._throttle import RateGovernor
from sage_async.testing import RateLimit

from .conftest import FakeClock


async def _grants(governor: RateGovernor, clock: FakeClock, n: int) -> list[float]:
    """The clock times at which ``n`` queued requests were let through, in order."""
    times: list[float] = []

    async def one() -> None:
        await governor.acquire()
        times.append(clock.now)

    await asyncio.gather(*(one() for _ in range(n)))
    return times


def _refused(arrivals: list[float], per_second: int) -> int:
    """How many of these arrivals the sandbox's sliding 1-second window answers with a 429."""
    limit = RateLimit(per_second=per_second)
    return sum(limit.check("tenant", at) is not None for at in sorted(arrivals))


async def test_late_arrivals_within_the_guard_fit_a_sliding_window(clock: FakeClock) -> None:
    """
    A registry with the fleet's guard gives a 4-per-second Sales credential a governor that
    lets 41 requests through so that even when every fifth one reaches the server 40 ms late (a
    busy event loop, a thread waiting for the GIL) and the others on time, no 1-second window
    holds more than 4: no 429.
    """
    registry = GovernorRegistry(clock=clock, sleep=clock.sleep, guard=GUARD)
    governor = registry.get("sales", "credential", rate=4.0)
    grants = await _grants(governor, clock, 41)
    arrivals = [at + (0.04 if i % 5 == 0 else 0.0) for i, at in enumerate(grants)]
    assert 0 == _refused(arrivals, 4)
    # and the pace stays within the guard of the plan rate: 40 intervals of (1 + guard) / 4
    assert 40 * (1 + GUARD) / 4 == pytest.approx(grants[-1])


def test_the_guard_costs_a_minute_window_nothing() -> None:
    """An Accounting business (200 per 60 s) is paced by the 2% margin alone: 50 ms is noise."""
    governor = GovernorRegistry(guard=GUARD).get("accounting", "business")
    assert 60 / 200 / 0.98 == pytest.approx(governor.interval)


def test_the_default_registry_paces_by_the_margin_alone() -> None:
    """Without a guard (the default registry), Sales at 4/s paces 2% under its plan rate."""
    governor = GovernorRegistry().get("sales", "credential", rate=4.0)
    assert 1 / 4 / 0.98 == pytest.approx(governor.interval)


def test_the_guard_and_margin_are_checked() -> None:
    """A negative guard, or a margin outside [0, 1), is refused with a clear error."""
    with pytest.raises(InvalidParameterError, match="guard"):
        RateGovernor(4, 1.0, guard=-0.1)
    with pytest.raises(InvalidParameterError, match="margin"):
        RateGovernor(4, 1.0, margin=1.0)


def test_an_isolated_429_pauses_and_429s_in_a_row_slow_the_tenant_down(clock: FakeClock) -> None:
    """
    With ``quiet`` set, a first 429 (or one long after the last) only pauses the tenant, as the
    server asks; a burst that follows within ``quiet`` seconds (another client sharing the
    tenant) halves the paced rate as before.
    """
    governor = RateGovernor(4, 1.0, clock=clock, sleep=clock.sleep, quiet=10.0)
    kinds = [e.kind for e in governor.penalize(1.0)]
    assert (1.0, 1.0, 0) == (governor.share, governor.paused_until, governor.stats.slowdowns)
    assert "slow" not in kinds
    clock.now = 2.0  # after the pause: a new burst, 2 s after the first
    assert "slow" in [e.kind for e in governor.penalize(1.0)]
    assert 0.5 == governor.share
    clock.now = 12.5  # more than 10 s after the last burst: jitter again
    governor.penalize(1.0)
    assert (0.5, 1) == (governor.share, governor.stats.slowdowns)


def test_registry_governors_forgive_after_ten_quiet_periods() -> None:
    """A registry's governor takes a 429 after ten quiet rate periods for jitter."""
    assert 10 * 60.0 == GovernorRegistry().get("accounting", "business").quiet
    assert QUIET_PERIODS * 1.0 == GovernorRegistry().get("sales", "key", rate=4.0).quiet
