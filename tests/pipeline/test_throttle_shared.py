"""
Governors shared beyond one event loop: threads with their own loops, and separate processes.

These tests run real clients against a real sandbox (loopback only) with a per-credential rate
limit, so their bounds are derived from that rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sage_async import RetryEvent, RetryPolicy, SalesClient
from sage_async.testing import Sandbox


@contextlib.contextmanager
def sandbox_in_thread(**options: Any) -> Iterator[Sandbox]:
    """Serve a sandbox from its own thread and event loop until the block ends."""
    sandbox = Sandbox(**options)
    started = threading.Event()
    stop: list[asyncio.Event] = []
    loop: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        stop.append(asyncio.Event())
        loop.append(asyncio.get_running_loop())
        async with sandbox:
            started.set()
            await stop[0].wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="sandbox")
    thread.start()
    try:
        assert started.wait(20)
        yield sandbox
    finally:
        if loop:
            loop[0].call_soon_threadsafe(stop[0].set)
        thread.join(20)


async def _calls(url: str, ids: list[Any], *, rate: float, limit: float) -> dict[str, Any]:
    """Fetch ``ids`` concurrently through one client; count 429s; give up after ``limit`` s."""
    throttled = 0

    def count(event: object) -> None:
        nonlocal throttled
        if isinstance(event, RetryEvent) and event.status == 429:
            throttled += 1

    async with asyncio.timeout(limit):
        async with SalesClient(
            public_key="sandbox-public-key", private_key="sandbox-private-key", base_url=url,
            rate=rate, retry=RetryPolicy(max_attempts=8), on_event=count,
        ) as client:  # fmt: skip
            records = await asyncio.gather(*(client.accounts.get(i) for i in ids))
    return {"records": len(records), "throttled": throttled}


def test_two_threads_with_their_own_loops_share_one_credential_rate() -> None:
    """
    Two threads, each running its own event loop (debug on) with its own client for one
    credential, share the process-wide governor: both finish in about the time the shared rate
    needs, meet at most 2 429s, and no loop sees a future of another loop.
    """
    rate, per_thread = 20, 20
    with sandbox_in_thread(seed=3, sales_records=100) as sandbox:
        sandbox.faults.rate_limit("sales", per_second=rate)
        ids = sandbox.ids("sales", "accounts")[:per_thread]
        # Two logins and 2 x per_thread gets at 98% of the rate, plus one slack second.
        bound = (2 * per_thread + 2) / (0.98 * rate) + 1.0
        results: dict[str, Any] = {}

        def run(name: str) -> None:
            started = time.monotonic()
            try:
                outcome = asyncio.run(
                    _calls(sandbox.sales_url, ids, rate=rate, limit=bound + 5), debug=True
                )
            except BaseException as exc:  # reported below, not lost in the thread
                outcome = {"error": repr(exc)}
            results[name] = {**outcome, "seconds": time.monotonic() - started}

        threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(bound + 10)
    assert {"t0", "t1"} == set(results), results
    assert [None, None] == [r.get("error") for r in results.values()], results
    assert [per_thread, per_thread] == [r["records"] for r in results.values()]
    assert all(r["seconds"] <= bound for r in results.values()), (bound, results)
    assert sum(r["throttled"] for r in results.values()) <= 2, results


WORKER = """
import asyncio, json, sys, time
from sage_async import RateLimitError, RetryEvent, SalesClient

async def main(url, rate, calls, start_at):
    throttled = failed = 0
    def count(event):
        nonlocal throttled
        if isinstance(event, RetryEvent) and event.status == 429:
            throttled += 1
    async with SalesClient(
        public_key="sandbox-public-key", private_key="sandbox-private-key", base_url=url,
        rate=rate, on_event=count,
    ) as client:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        started = time.monotonic()
        results = await asyncio.gather(
            *(client.accounts.get(1 + i % 50) for i in range(calls)), return_exceptions=True
        )
    errors = [r for r in results if isinstance(r, BaseException)]
    throttled += sum(isinstance(e, RateLimitError) for e in errors)
    print(json.dumps({
        "ok": calls - len(errors), "errors": sorted({type(e).__name__ for e in errors}),
        "throttled": throttled, "seconds": time.monotonic() - started,
    }))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
"""


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


@contextlib.contextmanager
def sandbox_process(*args: str) -> Iterator[str]:
    """Run ``python -m sage_async.testing --port 0 ...`` and yield its Sales URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sage_async.testing", "--port", "0", *args],
        stdout=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        yield lines[1].split()[-1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


@pytest.mark.slow  # two real processes and a sandbox process: about 16 s
def test_two_processes_sharing_a_credential_slow_down_instead_of_failing() -> None:
    """
    Two processes, each with its own governor at the credential's plan rate (25/s) and the
    default retry policy, make 100 calls each against one sandbox (50 ms latency) enforcing
    25/s for that credential: every call succeeds and at most 12 requests in all meet a 429,
    because each process halves its rate on the first 429 of a burst and climbs back slowly
    (pausing alone, the two kept colliding: about 28 429s in this setup).
    """
    rate, calls = 25, 100
    sandbox = ("--sales-records", "50", "--latency-ms", "50", "--rate-limit", f"sales:{rate}/s")
    with sandbox_process(*sandbox) as url:
        start_at = f"{time.time() + 2.0:.3f}"  # both begin together, after their imports
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, url, str(rate), str(calls), start_at],
                stdout=subprocess.PIPE,
                text=True,
                env=_env(),
            )
            for _ in range(2)
        ]
        reports = [json.loads(worker.communicate(timeout=120)[0]) for worker in workers]
    assert [calls, calls] == [report["ok"] for report in reports], reports
    assert sum(report["throttled"] for report in reports) <= 12, reports
