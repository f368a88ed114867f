"""
``sage-async sync``: mirror resources into a database through dlt (DuckDB by default).

The subcommand's parser lives here too (added by :func:`add_sync_parser`) so that the export
parser stays untouched. dlt is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sage_async._client import BaseClient
from sage_async._errors import SageError, UsageError
from sage_async.cli._export import _accounting_client, _sales_client, _sandbox_client, check_names
from sage_async.cli._parser import (
    EXIT_OK,
    _credential_flags,
    _positive_float,
    _positive_int,
    listable,
)


__all__ = ["DEFAULT_DUCKDB", "add_sync_parser", "run_sync"]

#: The DuckDB file written in the working directory when no destination is named.
DEFAULT_DUCKDB = "sage_async.duckdb"
SANDBOX_RECORDS = 10_000


class SyncFailed(SageError):
    """Strictly private: dlt failed a step (the message is its first line)."""


def add_sync_parser(commands: Any) -> None:
    """Add ``sync`` to the ``sage-async`` subcommands."""
    sync = commands.add_parser(
        "sync",
        help="mirror resources into a database (dlt; DuckDB by default)",
        description=(
            "Load resources into a database and keep them current: the first run loads "
            "everything, later runs merge what changed and remove what was deleted. "
            f"Default destination: ./{DEFAULT_DUCKDB}. Other destinations (postgres, "
            "bigquery, snowflake, filesystem, ...) take their credentials from dlt's own "
            "configuration (.dlt/secrets.toml or DESTINATION__<NAME>__CREDENTIALS)."
        ),
        epilog="Example: sage-async sync sales accounts contacts --sandbox\n"
        '         duckdb sage_async.duckdb "select count(*) from sales_sandbox.accounts"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sync.add_argument("api", choices=("sales", "accounting"), help="which API")
    sync.add_argument("resources", nargs="+", metavar="RESOURCE", help="resources to sync, or all")
    sync.add_argument(
        "--destination", default="duckdb", metavar="NAME",
        help=f"a dlt destination (default: duckdb, the file ./{DEFAULT_DUCKDB})",
    )  # fmt: skip
    sync.add_argument("--dataset", metavar="NAME", help="default: <api>_<tenant>")
    sync.add_argument("--pipelines-dir", metavar="DIR", help="dlt's state (default: dlt's)")
    sync.add_argument(
        "--keep-deleted", action="store_true",
        help="Sales: keep soft-deleted records as rows with deleted = true",
    )  # fmt: skip
    sync.add_argument("--concurrency", type=_positive_int, metavar="N", help="pages in flight")
    sync.add_argument("--quiet", action="store_true", help="no progress display")
    sandbox = sync.add_argument_group("sandbox (no account needed)")
    sandbox.add_argument("--sandbox", action="store_true", help="run against a local fake API")
    sandbox.add_argument(
        "--records", type=_positive_int, default=SANDBOX_RECORDS, metavar="N",
        help=f"records per resource (default {SANDBOX_RECORDS:,})",
    )  # fmt: skip
    sandbox.add_argument("--seed", type=int, default=0, help="sandbox data seed (default 0)")
    connection = sync.add_argument_group("connection")
    connection.add_argument("--base-url", metavar="URL", help="API root (default: Sage's)")
    connection.add_argument("--token-url", metavar="URL", help="Accounting OAuth token endpoint")
    connection.add_argument("--rate", type=_positive_float, metavar="R", help="requests/second")
    _credential_flags(sync)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "tenant"


def _tenant(api: str, client: BaseClient, sandbox: bool) -> str:
    if sandbox:
        return "sandbox"
    if api == "sales":
        return _slug(str(getattr(client, "tenant", "")).split(":")[-1])
    return _slug(getattr(client, "business_id", None) or "lead")


async def run_sync(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """
    Run ``sage-async sync``; return the exit status (usage errors raise ``UsageError``).

    Raises:
        UsageError: unknown resources, missing credentials, or dlt not installed.
    """
    try:
        import dlt  # noqa: F401
    except ImportError:
        raise UsageError('sync needs dlt: pip install "sage-async[dlt]"') from None
    names = listable(args.api) if args.resources == ["all"] else list(dict.fromkeys(args.resources))
    check_names(args.api, names)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            from sage_async.testing import Sandbox

            counts = dict.fromkeys(names, args.records)
            sandbox = Sandbox(
                seed=args.seed,
                sales_records=counts if args.api == "sales" else 100,
                accounting_records=counts if args.api == "accounting" else 100,
                businesses=1,
            )
            await stack.enter_async_context(sandbox)
            print(f"sandbox: {args.records:,} seeded records per resource", file=sys.stderr)

            def make() -> BaseClient:
                return _sandbox_client(args, sandbox)
        elif args.api == "sales":
            _sales_client(args, env)  # checks the credentials before anything starts

            def make() -> BaseClient:
                return _sales_client(args, env)
        else:
            _accounting_client(args, env)

            def make() -> BaseClient:
                return _accounting_client(args, env)

        tenant = _tenant(args.api, make(), args.sandbox)
        # dlt runs its own event loop; the sandbox keeps serving on this one meanwhile.
        changes = await asyncio.to_thread(_pipeline_run, args, names, make, tenant)
    for change in changes:
        if change.inserted is None:
            print(f"{change.table}: {change.rows:,} rows loaded", file=sys.stderr)
        else:
            print(
                f"{change.table}: {change.inserted:,} inserted, {change.updated:,} updated, "
                f"{change.deleted:,} deleted",
                file=sys.stderr,
            )
    return EXIT_OK


class _ArrowHintNotice(logging.Filter):
    """
    Drop dlt's per-batch notice that Arrow column types differ from the resource's hints: the
    JSON columns travel as Arrow strings on purpose, and the hints (kept by dlt) are right.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "when merging arrow schema with dlt schema" not in record.getMessage()


def _quiet_arrow_notice() -> None:
    logger = logging.getLogger("dlt")
    if not any(isinstance(f, _ArrowHintNotice) for f in logger.filters):
        logger.addFilter(_ArrowHintNotice())


def _pipeline_run(
    args: argparse.Namespace, names: list[str], make: Callable[[], Any], tenant: str
) -> list[Any]:
    import dlt
    from dlt.common.runtime.collector import LogCollector, NullCollector
    from dlt.pipeline.exceptions import PipelineStepFailed

    from sage_async.dlt import SyncStats, accounting_source, sales_source, sync

    _quiet_arrow_notice()
    stats = SyncStats()
    if args.api == "sales":
        source = sales_source(make, names, keep_deleted=args.keep_deleted,
                              concurrency=args.concurrency, stats=stats)  # fmt: skip
    else:
        source = accounting_source(make, names, concurrency=args.concurrency, stats=stats)
    dataset = args.dataset or f"{args.api}_{tenant}"
    destination: Any = args.destination
    if destination == "duckdb":
        destination = dlt.destinations.duckdb(str(Path.cwd() / DEFAULT_DUCKDB))
    progress = NullCollector() if args.quiet else LogCollector(
        log_period=5.0, logger=sys.stderr, dump_system_stats=False
    )  # fmt: skip
    pipeline = dlt.pipeline(
        pipeline_name=f"sage_{dataset}", destination=destination, dataset_name=dataset,
        pipelines_dir=args.pipelines_dir, progress=progress,
    )  # fmt: skip
    try:
        return sync(pipeline, source, stats)
    except PipelineStepFailed as exc:
        first = str(exc.__cause__ or exc).strip().splitlines()[0]
        raise SyncFailed(f"sync failed at {exc.step}: {first}") from None
