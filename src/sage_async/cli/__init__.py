"""
The ``sage-async`` command line: bulk export, and Accounting OAuth helpers.

::

    sage-async export sales accounts contacts --out DIR [--format jsonl|csv|parquet]
        [--where FILTER] [--since ISO|auto] [--resume] [--concurrency N] [--sandbox]
    sage-async export accounting stock_items --out DIR [--business ID] ...
    sage-async sync sales accounts contacts [--destination duckdb|postgres|...] [--dataset NAME]
        [--keep-deleted] [--sandbox]                (needs the dlt extra)
    sage-async login url --redirect-uri URI
    sage-async login exchange --code CODE --redirect-uri URI --tokens FILE
    sage-async fleet export FLEET_FILE --out DIR [--scheduler ADDRESS | --workers N]

Exit status: 0 success; 1 partial failure (the manifest is written and the checkpoint kept,
``--resume`` continues); 2 bad usage (one line on stderr, nothing started); 130 interrupted.

Modules (all private)::

    _parser.py    the argument parser, exit codes, the resource lists of --help
    _export.py    the export command: credentials, clients, the sandbox, the summary
    _progress.py  the progress display
    _login.py     login url / login exchange, token files (0600)
    _fleet.py     fleet export: many tenants on Dask (sage_async.fleet)
    _sync.py      the sync command (dlt): parser, pipeline, per-table summary
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from sage_async._errors import SageError, UsageError
from sage_async._gc import bulk_gc
from sage_async.cli._export import environment, run_export
from sage_async.cli._login import login_exchange, login_url
from sage_async.cli._parser import EXIT_PARTIAL, EXIT_USAGE, UsageExit, build_parser, stderr_line


__all__ = ["main"]

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``sage-async`` command line and return its exit status.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageExit as exc:
        stderr_line(str(exc))
        return EXIT_USAGE
    if args.version:
        from sage_async import __version__

        print(f"sage-async {__version__}")
        return 0
    if args.command is None or (args.command in ("login", "fleet") and args.step is None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    env = environment()
    try:
        if args.command == "export":
            if args.verbose:
                logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
            with bulk_gc():  # see bulk_gc: ~15% of an export's CPU
                return asyncio.run(run_export(args, env))
        if args.command == "fleet":
            from sage_async.cli._fleet import run_fleet

            return run_fleet(args)
        if args.command == "sync":
            from sage_async.cli._sync import run_sync

            with bulk_gc():
                return asyncio.run(run_sync(args, env))
        if args.step == "url":
            return login_url(args, env)
        return asyncio.run(login_exchange(args, env))
    except UsageError as exc:
        stderr_line(str(exc))
        return EXIT_USAGE
    except SageError as exc:
        stderr_line(str(exc).splitlines()[0])
        return EXIT_PARTIAL
    except OSError as exc:  # a file the export does not own (a full disk, a vanished mount)
        reason = exc.strerror or type(exc).__name__
        stderr_line(f"{exc.filename}: {reason}" if exc.filename else reason)
        return EXIT_PARTIAL
    except KeyboardInterrupt:
        if args.command == "export":
            stderr_line("interrupted; the checkpoint is kept: run again with --resume to continue")
        else:
            stderr_line("interrupted; run the same command again to continue")
        return EXIT_INTERRUPTED
