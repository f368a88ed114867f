"""
The sandbox server process of the benchmarks: ``python -m benchmarks._serve --stats-port P ...``.

The public ``python -m sage_async.testing`` (same arguments, same data), plus what the runner
needs to count answers from the server's side rather than trust the clients: every entry of the
sandbox's request log is counted by API and status, and ``GET http://127.0.0.1:P/counts`` on a
second port answers ``{"sales 200": n, "sales 429": n, ...}`` (totals since start; the runner
reads them around each run). The request log itself is bounded; the counts are not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections import Counter
from collections.abc import Sequence

from aiohttp import web

from sage_async.testing import Sandbox
from sage_async.testing.__main__ import _apply_rate_limit, _describe, _parser
from sage_async.testing._log import LogEntry


def count_statuses(sandbox: Sandbox) -> Counter[str]:
    """Count every request-log entry of ``sandbox`` by ``"<api> <status>"`` from now on."""
    counts: Counter[str] = Counter()
    log = sandbox.log
    keep = log.append

    def append(entry: LogEntry) -> None:
        counts[f"{entry.api} {entry.status}"] += 1
        keep(entry)

    log.append = append  # type: ignore[method-assign]
    return counts


async def serve(args: argparse.Namespace) -> None:
    sandbox = Sandbox(
        seed=args.seed,
        sales_records=args.sales_records,
        accounting_records=args.accounting_records,
        businesses=args.businesses,
        host=args.host,
        port=args.port,
        session_ttl=args.session_ttl,
        access_token_ttl=args.access_ttl,
        page_cache_bytes=args.page_cache_mb * 1024 * 1024,
    )
    for text in args.rate_limit:
        _apply_rate_limit(sandbox, text)
    if args.latency_ms:
        sandbox.faults.latency(args.latency_ms / 1000)
    counts = count_statuses(sandbox)

    async def answer(request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    stats = web.Application()
    stats.router.add_get("/counts", answer)
    runner = web.AppRunner(stats, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.stats_port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with sandbox:
            sys.stdout.write(_describe(sandbox) + "\n")
            sys.stdout.flush()
            await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    parser.prog = "python -m benchmarks._serve"
    parser.add_argument("--stats-port", type=int, required=True, help="port of GET /counts")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
