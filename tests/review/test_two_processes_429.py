"""Two processes on one Sales credential, each with its own governor, against a rate limit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import sage_async
from sage_async.testing import Sandbox


SRC = str(Path(sage_async.__file__).resolve().parents[1])
CALLS = 15
WORKER = """
import asyncio, json, sys
from sage_async import SalesClient, SageError

async def main():
    url, public, private = sys.argv[1:4]
    ok = failed = 0
    async with SalesClient(public_key=public, private_key=private, base_url=url,
                           rate=10.0) as client:
        async def one(n):
            nonlocal ok, failed
            try:
                await client.accounts.get(1 + n % 20)
                ok += 1
            except SageError:
                failed += 1
        await asyncio.gather(*(one(n) for n in range(int(sys.argv[4]))))
    print(json.dumps({"ok": ok, "failed": failed}))

asyncio.run(main())
"""


@pytest.mark.slow  # two real processes and a sandbox process: about 16 s
def test_two_processes_sharing_a_credential_slow_down_instead_of_failing() -> None:
    """
    Two processes each pace one credential at 10/s while the server allows 10/s in all: both
    finish every call (the 429s they did not cause slow them down), and 429s stay a minority.
    """
    ready = threading.Event()
    stop = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        async def main() -> None:
            async with Sandbox(seed=2, sales_records=50) as sb:
                sb.faults.rate_limit("sales", per_second=10)
                holder["sb"] = sb
                ready.set()
                await asyncio.to_thread(stop.wait, 120)

        asyncio.run(main())

    server = threading.Thread(target=serve)
    server.start()
    try:
        assert ready.wait(20)
        sb: Sandbox = holder["sb"]
        keys = sb.sales_credentials
        env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
        argv = [sys.executable, "-c", WORKER, sb.sales_url, keys.public_key, keys.private_key,
                str(CALLS)]  # fmt: skip
        workers = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE) for _ in range(2)]  # fmt: skip
        outcomes = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert 0 == worker.returncode, err.decode()
            outcomes.append(json.loads(out))
        limited = len(sb.log.filter(api="sales", status=429))
        total = len(sb.log.filter(api="sales"))
    finally:
        stop.set()
        server.join(30)
    assert [{"ok": CALLS, "failed": 0}] * 2 == outcomes
    assert limited < total / 2, (limited, total)
