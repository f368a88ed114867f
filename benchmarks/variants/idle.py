"""Import sage-async and its models, build a client, do nothing: the floor of peak RSS."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from benchmarks._job import Job, Outcome
from sage_async import AccountingClient, SalesClient


async def idle(job: Job) -> Outcome:
    async with SalesClient(public_key="k", private_key="k", base_url="http://127.0.0.1:9"):
        pass
    async with AccountingClient(access_token="t", base_url="http://127.0.0.1:9"):
        pass
    return Outcome()


def prepare(job: Job) -> Callable[[], Outcome]:
    return lambda: asyncio.run(idle(job))
