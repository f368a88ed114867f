"""
The raw ceiling: plain aiohttp + orjson to dicts on a pool of C workers, no library.

As in PERF-BASELINE "c aiohttp pool, orjson -> dicts": one ``TCPConnector(limit=C)``.
Accounting: page 1 gives ``$total``; pages 2..last then go to the pool. Sales has no total: each
worker takes the next page number until a short (or empty) page shows where the end is.
Records are decoded, counted and dropped.

``ceiling`` is the fair ceiling: every trick available without the library, including the one
the library plays (``sage_async._json.loads``): the cyclic garbage collector is paused while a
large body is parsed (a page is tens of thousands of fresh containers; with the collector
running, CPython traverses them again and again). ``ceiling_plain`` parses with the collector
running, as the ceiling of the earlier runs did (kept as a second row). ``ceiling_jsonl`` is
the fair ceiling that also writes every record to a JSON Lines file (one ``orjson.dumps`` per
record, one write per page, an fsync at the end): the no-library bound of the CLI export.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import aiohttp
import orjson

from benchmarks._job import PAGE_SIZE, HttpStatusError, Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY


#: Bodies above this size are parsed with the collector paused (the library's threshold).
PAUSE_GC_ABOVE = 64 * 1024
FAIR = True  # prepare() sets these from the variant
SINK: IO[bytes] | None = None


def keep(items: list[Any]) -> None:
    """Write the page's records as JSON Lines (``ceiling_jsonl`` only)."""
    if SINK is not None:
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        SINK.write(b"".join([dumps(item, option=option) for item in items]))


def parse(body: bytes) -> Any:
    if not FAIR or len(body) < PAUSE_GC_ABOVE:
        return orjson.loads(body)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        if enabled:
            gc.enable()


async def fetch(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], outcome: Outcome
) -> Any:
    async with session.get(url, headers=headers) as response:
        body = await response.read()
        if response.status == 429:
            outcome.status_429 += 1
        if response.status != 200:
            raise HttpStatusError(response.status, url)
    return parse(body)


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
                keep(items)
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
        keep(first["$items"])
        last = math.ceil(first["$total"] / first["$itemsPerPage"])
        pages: Iterator[int] = iter(range(2, last + 1))

        async def worker() -> None:
            for page in pages:
                data = await fetch(session, url(page), headers, outcome)
                outcome.records += len(data["$items"])
                keep(data["$items"])

        await asyncio.gather(*(worker() for _ in range(job.concurrency)))
    return outcome


def prepare(job: Job) -> Callable[[], Outcome]:
    global FAIR, SINK
    FAIR = job.variant != "ceiling_plain"
    main = sales if job.api == "sales" else accounting
    if job.variant != "ceiling_jsonl":
        return lambda: asyncio.run(main(job))
    path = Path(job.work_dir or ".") / f"ceiling-{job.api}.jsonl"

    def run() -> Outcome:
        global SINK
        with path.open("wb") as SINK:
            outcome = asyncio.run(main(job))
            SINK.flush()
            os.fsync(SINK.fileno())
        SINK = None
        return outcome

    return run
