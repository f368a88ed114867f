"""
sage-async: ``client.<resource>.iterate()`` in model mode (attrs models) or raw mode (dicts).

Outside the rate-limited scenario the client's rate governor is opened wide (the sandbox has no
limit there) and ``concurrency`` is the job's. In the rate-limited scenario the client runs with
the plan's rate (Sales 13/s, Accounting 200 per 60 s) and its default concurrency sizing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from benchmarks._job import Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY
from sage_async import AccountingClient, RetryEvent, SalesClient, ThrottleEvent
from sage_async.models.accounting import StockItem
from sage_async.models.sales import Account


UNLIMITED = 1e6


class Events:
    """Counts what the client reports through ``on_event``."""

    def __init__(self) -> None:
        self.status_429 = 0
        self.retries = 0
        self.throttle_waits = 0

    def __call__(self, event: object) -> None:
        if isinstance(event, RetryEvent):
            self.retries += 1
            self.status_429 += event.status == 429
        elif isinstance(event, ThrottleEvent) and event.kind != "wait":
            self.throttle_waits += 1


def finish(outcome: Outcome, events: Events, stream: Any) -> Outcome:
    outcome.status_429 = events.status_429
    stats = stream.stats
    outcome.extra = {
        "retries": events.retries,
        "throttle_events": events.throttle_waits,
        "pages": stats.pages,
        "requests": stats.requests,
        "cancelled": stats.cancelled,
        "window": stats.window,
        "duplicates": stats.duplicates,
    }
    return outcome


async def sales(job: Job) -> Outcome:
    events, outcome = Events(), Outcome()
    async with SalesClient(
        public_key=SALES_PUBLIC_KEY,
        private_key=SALES_PRIVATE_KEY,
        base_url=job.base_url,
        rate=13.0 if job.limited else UNLIMITED,
        max_concurrency=16 if job.limited else job.concurrency,
        on_event=events,
    ) as client:
        concurrency = None if job.limited else job.concurrency
        if job.variant == "raw":
            raw = client.accounts.iterate(raw=True, concurrency=concurrency)
            async for _ in raw:
                outcome.records += 1
            return finish(outcome, events, raw)
        models = client.accounts.iterate(concurrency=concurrency)
        async for record in models:
            assert type(record) is Account
            outcome.records += 1
        return finish(outcome, events, models)


async def accounting(job: Job) -> Outcome:
    events, outcome = Events(), Outcome()
    async with AccountingClient(
        access_token=job.token,
        base_url=job.base_url,
        business_id=job.business,
        rate=200.0 if job.limited else UNLIMITED,
        per=60.0 if job.limited else 1.0,
        max_concurrency=16 if job.limited else job.concurrency,
        on_event=events,
    ) as client:
        concurrency = None if job.limited else job.concurrency
        if job.variant == "raw":
            raw = client.stock_items.iterate(raw=True, concurrency=concurrency, attributes="all")
            async for _ in raw:
                outcome.records += 1
            return finish(outcome, events, raw)
        models = client.stock_items.iterate(concurrency=concurrency, attributes="all")
        async for record in models:
            assert type(record) is StockItem
            outcome.records += 1
        return finish(outcome, events, models)


def prepare(job: Job) -> Callable[[], Outcome]:
    main = sales if job.api == "sales" else accounting
    return lambda: asyncio.run(main(job))
