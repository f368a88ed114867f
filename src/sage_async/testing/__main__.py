"""
Run the sandbox as a process: ``python -m sage_async.testing --port 8080``.

Prints the base URLs and the (fake) credentials it accepts, then serves until Ctrl-C or
SIGTERM. Used by the CLI demo, the benchmarks and the fleet tests. ``--sales-tenants N`` and
``--businesses N`` serve many tenants (each with its own data and its own rate-limit window);
``--json`` prints one JSON line instead (URLs, every tenant's credentials and a fresh refresh
token per business), for programs that start the sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import Any

from sage_async._json import dumps
from sage_async.testing._sandbox import Sandbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sage_async.testing",
        description="Serve fake Sage Sales Management v4 and Accounting v3.1 APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument("--sales-records", type=int, default=1000, help="per Sales resource")
    parser.add_argument(
        "--accounting-records", type=int, default=1000, help="per Accounting resource and business"
    )
    parser.add_argument("--businesses", type=int, default=3, help="Accounting businesses")
    parser.add_argument("--sales-tenants", type=int, default=1, help="Sales key pairs (tenants)")
    parser.add_argument("--json", action="store_true", help="describe the sandbox as JSON")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency on every request")
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="API:N/UNIT",
        help="e.g. sales:4/s or accounting:200/min (repeatable)",
    )
    parser.add_argument("--session-ttl", type=float, default=3600.0, help="Sales token seconds")
    parser.add_argument("--access-ttl", type=float, default=300.0, help="Accounting token seconds")
    parser.add_argument(
        "--page-cache-mb",
        type=int,
        default=32,
        help="rendered-page cache budget in MiB (default 32; benchmarks want the collection size)",
    )
    return parser


def _apply_rate_limit(sandbox: Sandbox, text: str) -> None:
    api, _, budget = text.partition(":")
    count, _, unit = budget.partition("/")
    if api not in ("sales", "accounting") or unit not in ("s", "min") or not count.isdigit():
        raise SystemExit(f"bad --rate-limit {text!r}: use sales:4/s or accounting:200/min")
    key = "per_second" if unit == "s" else "per_minute"
    existing = sandbox.faults.limits.get(api)
    options: dict[str, int | None] = {"per_second": None, "per_minute": None}
    if existing is not None:
        options = {"per_second": existing.per_second, "per_minute": existing.per_minute}
    options[key] = int(count)
    sandbox.faults.rate_limit(
        api, per_second=options["per_second"], per_minute=options["per_minute"]
    )


def _describe(sb: Sandbox) -> str:
    sales, acc = sb.sales_credentials, sb.accounting_credentials
    tokens = sb.accounting_tokens()
    return "\n".join(
        [
            f"sage-async sandbox listening on {sb.url}",
            f"  Sales Management v4:  {sb.sales_url}",
            f"    POST /login username={sales.public_key} password={sales.private_key}",
            f"  Accounting v3.1:      {sb.accounting_url}",
            f"    legacy gateway:     {sb.legacy_url('uki')}",
            f"    subscription key:   {sb.subscription_key}",
            f"    OAuth token URL:    {sb.token_url}  authorize URL: {sb.authorize_url}",
            f"    client_id={acc.client_id} client_secret={acc.client_secret}",
            f"    redirect_uri={acc.redirect_uri}",
            f"    ready-made refresh token: {tokens['refresh_token']}",
            f"    businesses: {', '.join(sb.business_ids)} (lead first)",
            "Ctrl-C to stop.",
        ]
    )


def describe_json(sb: Sandbox) -> dict[str, Any]:
    """The sandbox as a JSON document: URLs, credentials, one refresh token per business."""
    acc = sb.accounting_credentials
    sales = [sb.sales_tenant_credentials(i) for i in range(len(sb.state.sales_tenants))]
    return {
        "url": sb.url,
        "sales_url": sb.sales_url,
        "accounting_url": sb.accounting_url,
        "token_url": sb.token_url,
        "sales": [
            {"label": c.label, "public_key": c.public_key, "private_key": c.private_key}
            for c in sales
        ],
        "client_id": acc.client_id,
        "client_secret": acc.client_secret,
        "redirect_uri": acc.redirect_uri,
        "authorize_url": sb.authorize_url,
        "businesses": [
            {"id": business, "tokens": sb.accounting_tokens()} for business in sb.business_ids
        ],
    }


async def serve(args: argparse.Namespace) -> None:
    """Start the sandbox, print how to reach it, and serve until stopped."""
    sandbox = Sandbox(
        seed=args.seed,
        sales_records=args.sales_records,
        accounting_records=args.accounting_records,
        businesses=args.businesses,
        sales_tenants=args.sales_tenants,
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(sig, stop.set)
    async with sandbox:
        text = dumps(describe_json(sandbox)).decode() if args.json else _describe(sandbox)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line and run the sandbox."""
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
