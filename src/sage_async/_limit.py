"""
An adaptive (AIMD) concurrency limit, shared by every pagination run of one tenant.

Re-exported by :mod:`sage_async._throttle`: each :class:`~sage_async._throttle.RateGovernor`
owns one as ``governor.concurrency``. It grants no slots: it is a number that pagination runs
read as the ceiling of their page window (see ``LatencyWindow`` in :mod:`sage_async._pagination`),
grown additively on success and cut multiplicatively on a 429 or a Sales 900 (TCP-style), so the
fan-out of concurrent page fetching backs off when the tenant is saturated. The pace of single
calls is the rate governor's business, not this limit's.

Thread-safe: a governor, and so its limit, may be shared by clients running on several event
loops (one per thread).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Final

from ._errors import InvalidParameterError


__all__ = ["AdaptiveLimit"]

logger: Final = logging.getLogger("sage_async")


class AdaptiveLimit:
    """An AIMD limit: ``+increase`` per ``limit`` successes, ``* decrease`` on throttle."""

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
        self._successes = 0
        self._epoch = 0
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        """The current limit (whole pages in flight per run)."""
        return int(self._value)

    @property
    def epoch(self) -> int:
        """Number of decreases so far (pass it to :meth:`on_throttle` to shrink once per burst)."""
        return self._epoch

    def on_success(self) -> None:
        """Grow additively: ``+increase`` after ``limit`` successes (one window), up to the max."""
        with self._lock:
            self._successes += 1
            if self._successes < self.limit:
                return
            self._successes = 0
            self._value = min(float(self.max_limit), self._value + self._increase)

    def on_throttle(self, *, epoch: int | None = None) -> bool:
        """
        Shrink multiplicatively after a 429 or a burst of Sales 900 errors.

        Args:
            epoch: the :attr:`epoch` read when the throttled request was sent; a signal from
                before the last decrease is ignored, so the requests of one burst shrink the
                limit once. Without it, the ``cooldown`` applies.

        Returns:
            Whether the limit shrank.
        """
        with self._lock:
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
