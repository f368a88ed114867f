"""
``sage-async fleet export``: run :func:`sage_async.fleet.export_fleet` and summarise.

Progress lines and the Dask dashboard link go to stderr; the fleet manifest is written to
``DIR/fleet-manifest.json``. Credentials stay where the fleet file points (environment
variables and token stores on the workers): this command never reads or prints them.
"""

from __future__ import annotations

import argparse
import sys

from sage_async.cli._parser import EXIT_OK, EXIT_PARTIAL


__all__ = ["run_fleet"]


def run_fleet(args: argparse.Namespace) -> int:
    """
    Run ``sage-async fleet export``; return the exit status (usage errors raise ``UsageError``).
    """
    from sage_async.fleet import export_fleet

    manifest = export_fleet(
        args.fleet_file, args.out, scheduler=args.scheduler, workers=args.workers,
        progress=None if args.quiet else sys.stderr,
    )  # fmt: skip
    for report in manifest.tenants:
        if report.status != "complete":
            print(
                f"sage-async: error: tenant {report.label} failed: {report.error}", file=sys.stderr
            )
    print(
        f"fleet manifest: {manifest.out_dir}/fleet-manifest.json ({manifest.status})",
        file=sys.stderr,
    )
    return EXIT_OK if manifest.ok else EXIT_PARTIAL
