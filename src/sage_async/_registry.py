"""
The registry of rate governors: one :class:`~sage_async._throttle.RateGovernor` per tenant.

Clients resolve their tenant's governor here, so every client of a tenant (in any thread or event
loop) shares one rate. Tenants are stored under a hash, never in the clear.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Literal

from ._errors import UsageError
from ._throttle import DEFAULT_RATES, Clock, Listener, RateGovernor, Sleep, tenant_label


__all__ = ["GUARD", "QUIET_PERIODS", "GovernorRegistry"]

#: Seconds of arrival jitter a window of the server's limiter tolerates (see ``guard``). A
#: sliding 1-second window counts requests as they arrive: pacing at 98% of 4 per second leaves
#: 20 ms between the first and the fifth, less than a busy event loop, a thread waiting for the
#: GIL or the network can delay a request by, and each 429 costs the tenant a whole-second
#: pause (and half its rate when they come in a row). 50 ms costs Sales 5% of its rate and a
#: 60-second window nothing.
GUARD = 0.05
#: A burst of 429s this many rate periods after the previous one is taken for jitter (it
#: pauses the tenant, as the server asks) rather than for another client sharing the tenant
#: (whose 429s come in a row): halving the rate for it would cost the tenant seconds.
QUIET_PERIODS = 10.0


class GovernorRegistry:
    """
    One :class:`RateGovernor` per ``(api, tenant)``, shared by every client of that tenant.

    Tenants are stored under a hash (:func:`tenant_label`), so the registry never holds a key
    in the clear. Thread-safe: clients on several event loops may share one registry.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        on_event: Listener | None = None,
        margin: float = 0.02,
        guard: float = 0.0,
        quiet_periods: float = QUIET_PERIODS,
    ) -> None:
        """
        Create an empty registry whose governors use ``clock``, ``sleep`` and ``on_event`` (every
        event of every tenant), and pace ``margin`` (2%) under their configured rate, or slower
        when ``guard`` asks for more: ``rate`` requests in a row span at least ``per + guard``
        seconds (see :class:`~sage_async._throttle.RateGovernor`; :data:`GUARD` suits a
        process where many tenants share the GIL, as a fleet worker; 0 by default). A burst of
        429s that comes more than ``quiet_periods`` rate periods after the previous burst only
        pauses the tenant; bursts in a row (another client sharing the tenant) also cut its
        rate (AIMD).
        """
        self._clock, self._sleep, self._on_event = clock, sleep, on_event
        self._margin, self._guard, self._quiet = margin, guard, quiet_periods
        self._governors: dict[str, RateGovernor] = {}
        self._lock = threading.Lock()

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
            rate: requests per ``per`` (default: the API's); must match an existing governor's.
            per: the period in seconds.
            max_concurrency: ceiling of the adaptive limit (used on creation).

        Returns:
            The shared governor.

        Raises:
            UsageError: the tenant already has a governor with another rate (two clients of
                one tenant disagree on its plan; a shared limit cannot honour both).
        """
        default_rate, default_per = DEFAULT_RATES[api]
        label = tenant_label(api, tenant)
        with self._lock:
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
                    guard=self._guard,
                    quiet=self._quiet * (per or default_per),
                )
                self._governors[label] = governor
                return governor
        if rate is not None or per is not None:
            wanted_rate, wanted_per = rate or governor.rate, per or governor.per
            if not math.isclose(wanted_rate / wanted_per, governor.rate / governor.per):
                raise UsageError(
                    f"tenant {label} is already throttled at {governor.rate:g} per "
                    f"{governor.per:g} s; another client asks for {wanted_rate:g} per "
                    f"{wanted_per:g} s: give every client of one tenant the same rate"
                )
        return governor

    def __len__(self) -> int:
        return len(self._governors)

    def clear(self) -> None:
        """Forget every governor (between tests)."""
        with self._lock:
            self._governors.clear()
