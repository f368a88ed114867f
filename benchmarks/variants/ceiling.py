"""
The raw ceiling: plain aiohttp + orjson to dicts on a pool of C workers, no library.

As in PERF-BASELINE "c aiohttp pool, orjson -> dicts": one ``TCPConnector(limit=C)``.
Accounting: page 1 gives ``$total``; pages 2..last then go to the pool. Sales has no total: each
worker takes the next page number until a short (or empty) page shows where the end is.
Records are decoded, counted and dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import orjson

from benchmarks._job import PAGE_SIZE, HttpStatusError, Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY


async def fetch(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], outcome: Outcome
) -> Any:
    async with session.get(url, headers=headers) as response:
        body = await response.read()
        if response.status == 429:
            outcome.status_429 += 1
        if response.status != 200:
            raise HttpStatusError(response.status, url)
    return orjson.loads(body)


async def sales(job: Job) -> Outcome:
    outcome = Outcome()
    size = PAGE_SIZE["sales"]
    connector = aiohttp.TCPConnector(limit=job.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.post(
            f"{job.base_url}/login",
            json={"username": SALES_PUBLIC_KEY, "password": SALES_PRIVATE_KEY},
        ) as response:
            token = (await response.json())["token"]
        headers = {"X-Session-Key": token, "count": str(size)}
        numbers = itertools.count()
        end = math.inf

        async def worker() -> None:
            nonlocal end
            for page in numbers:
                if page > end:
                    return
                items = await fetch(
                    session, f"{job.base_url}/accounts?page={page}", headers, outcome
                )
                outcome.records += len(items)
                if len(items) < size:
                    end = min(end, page)

        await asyncio.gather(*(worker() for _ in range(job.concurrency)))
    return outcome


async def accounting(job: Job) -> Outcome:
    outcome = Outcome()
    size = PAGE_SIZE["accounting"]
    headers = {"Authorization": f"Bearer {job.token}"}
    if job.business:
        headers["X-Business"] = job.business

    def url(page: int) -> str:
        return f"{job.base_url}/stock_items?attributes=all&items_per_page={size}&page={page}"

    connector = aiohttp.TCPConnector(limit=job.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        first = await fetch(session, url(1), headers, outcome)
        outcome.records += len(first["$items"])
        last = math.ceil(first["$total"] / first["$itemsPerPage"])
        pages: Iterator[int] = iter(range(2, last + 1))

        async def worker() -> None:
            for page in pages:
                data = await fetch(session, url(page), headers, outcome)
                outcome.records += len(data["$items"])

        await asyncio.gather(*(worker() for _ in range(job.concurrency)))
    return outcome


def prepare(job: Job) -> Callable[[], Outcome]:
    main = sales if job.api == "sales" else accounting
    return lambda: asyncio.run(main(job))
