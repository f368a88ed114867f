"""Fixtures for the request-pipeline tests: a fake monotonic clock and the retry test switch."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sage_async import _retry


class FakeClock:
    """
    A monotonic clock that only moves when told to.

    With ``auto=True`` every ``sleep(d)`` advances the clock by ``d`` at once (one sleeper at a
    time, as in the rate governor, where only the head of the queue sleeps). With ``auto=False``
    sleepers wait until the test calls :meth:`advance`.
    """

    def __init__(self, *, auto: bool = True) -> None:
        self.now = 0.0
        self.auto = auto
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.auto:
            self.now += max(0.0, seconds)
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time forward, wake the sleepers that are due, and let every task run."""
        self.now += seconds
        due = [(d, f) for d, f in self._sleepers if d <= self.now]
        self._sleepers = [(d, f) for d, f in self._sleepers if d > self.now]
        for _, future in due:
            if not future.done():
                future.set_result(None)
        await settle()


async def settle(rounds: int = 20) -> None:
    """Let every ready task run a few steps."""
    for _ in range(rounds):
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock that advances on every sleep."""
    return FakeClock()


@pytest.fixture
def manual_clock() -> FakeClock:
    """A fake clock that advances only when the test says so."""
    return FakeClock(auto=False)


@pytest.fixture(autouse=True)
def _reset_testing_mode() -> Iterator[None]:
    """Every test starts and ends with retry testing mode off."""
    _retry.set_testing(False)
    yield
    _retry.set_testing(False)
