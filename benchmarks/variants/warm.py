"""
Fill the sandbox's rendered-page cache before measuring (not a measured variant).

Fetches every page in each request shape the variants use, on a pool of 32, so that under
injected latency the warm-up costs a few seconds instead of a sequential run. A shape that
drifts from what a variant really sends only makes that variant's first round colder.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable

import aiohttp

from benchmarks._job import PAGE_SIZE, Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY


POOL = 32
SALES_SHAPES = (
    "/accounts?page={n}",  # naive, ceiling, generated peer
    "/accounts?page={n}&order=id",  # sage-async (orders by id for stable pages)
)
ACCOUNTING_SHAPES = (
    "/stock_items?page={n}&items_per_page=200&attributes=all",  # naive: $next's own order
    "/stock_items?attributes=all&items_per_page=200&page={n}",  # sage-async, ceiling
    "/stock_items?items_per_page=200&page={n}&attributes=all",  # generated peer
)


async def warm(job: Job) -> Outcome:
    outcome = Outcome()
    limit = job.warm_pages or math.inf
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=POOL)) as session:
        if job.api == "sales":
            async with session.post(
                f"{job.base_url}/login",
                json={"username": SALES_PUBLIC_KEY, "password": SALES_PRIVATE_KEY},
            ) as response:
                headers = {"X-Session-Key": (await response.json())["token"]}
            headers["count"] = str(PAGE_SIZE["sales"])
            shapes = SALES_SHAPES
        else:
            headers = {"Authorization": f"Bearer {job.token}"}
            shapes = ACCOUNTING_SHAPES
        if job.business:
            headers["X-Business"] = job.business
        last = math.ceil(job.records / PAGE_SIZE[job.api])
        first = 0 if job.api == "sales" else 1
        todo = iter(
            (shape, n)
            for shape in shapes
            for n in itertools.islice(range(first, first + last + 1), int(min(limit, last + 1)))
        )

        async def worker() -> None:
            for shape, n in todo:
                async with session.get(job.base_url + shape.format(n=n), headers=headers) as r:
                    await r.read()
                    outcome.records += r.status == 200

        await asyncio.gather(*(worker() for _ in range(POOL)))
    return outcome


def prepare(job: Job) -> Callable[[], Outcome]:
    return lambda: asyncio.run(warm(job))
