"""
The argument parser of ``sage-async``: ``export``, ``login`` and ``fleet`` commands.

A usage error prints one line on stderr (``sage-async: error: ...``) and exits with 2; the
usage text is left to ``--help``.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from sage_async.export import FORMATS
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.models.sales import RESOURCES as SALES


__all__ = [
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "UsageExit",
    "build_parser",
    "is_listable",
    "listable",
]

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
DEFAULT_SANDBOX_RECORDS = 100_000
DEFAULT_STATE_FILE = ".sage-async-login.json"


class UsageExit(Exception):
    """Strictly private: a usage error found by the parser (the message is one line)."""


class _Parser(argparse.ArgumentParser):
    """
    An ArgumentParser whose errors are one line, raised rather than printed with usage.

    ``epilog_factory`` builds the epilog when help is shown, not when the parser is built: the
    epilog lists every resource, and reading their tables loads every generated model module
    (about half a second that an export of one resource does not need).
    """

    def __init__(
        self, *args: Any, epilog_factory: Callable[[], str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._epilog_factory = epilog_factory

    def format_help(self) -> str:
        if self._epilog_factory is not None:
            self.epilog, self._epilog_factory = self._epilog_factory(), None
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        raise UsageExit(f"{message} (see {self.prog} --help)")


def listable(api: str) -> list[str]:
    """The resources of ``api`` that ``export`` accepts, sorted (loads every model module)."""
    return sorted(
        name for name in (SALES if api == "sales" else ACCOUNTING) if is_listable(api, name)
    )


def is_listable(api: str, name: str) -> bool:
    """Whether ``export`` accepts ``name`` for ``api`` (loads that resource's models only)."""
    table = SALES if api == "sales" else ACCOUNTING
    if name not in table:
        return False
    spec = table[name]
    return spec.supports("list") and not spec.singleton


def _wrapped(title: str, names: Iterable[str]) -> str:
    body = textwrap.fill(", ".join(names), width=88, initial_indent="  ", subsequent_indent="  ")
    return f"{title}:\n{body}"


def _epilog() -> str:
    return "\n\n".join(
        [
            _wrapped("Sales Management resources (sage-async export sales ...)", listable("sales")),
            _wrapped(
                "Accounting resources (sage-async export accounting ...)", listable("accounting")
            ),
            textwrap.dedent(
                """\
                Credentials (environment variables; secrets are never taken as flags):
                  Sales:      SAGE_SALES_PUBLIC_KEY, SAGE_SALES_PRIVATE_KEY
                  Accounting: SAGE_ACCOUNTING_CLIENT_ID, SAGE_ACCOUNTING_CLIENT_SECRET,
                              SAGE_ACCOUNTING_REFRESH_TOKEN or SAGE_ACCOUNTING_ACCESS_TOKEN
                              (or SAGE_ACCOUNTING_TOKENS, a file written by `sage-async login`,
                              kept up to date as the refresh token rotates),
                              SAGE_ACCOUNTING_BUSINESS_ID
                  A refresh token from the environment rotates on first use: the new one is
                  kept in ~/.config/sage-async/tokens-*.json (0600; $XDG_CONFIG_HOME, or
                  %APPDATA% on Windows) and preferred by later runs.
                  --sandbox needs none: it runs a local fake of both APIs with seeded data.

                Exit status: 0 every resource exported; 1 some failed (manifest.json is
                written, the checkpoint is kept: run again with --resume); 2 bad usage.

                Example: sage-async export sales accounts --sandbox --out export"""
            ),
        ]
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the ``sage-async`` argument parser."""
    parser = _Parser(
        prog="sage-async",
        description="Export Sage Sales Management and Sage Accounting data to files.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `sage-async export --help` for the resources of each API.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _export_parser(commands)
    _login_parser(commands)
    from sage_async.cli._sync import add_sync_parser  # here: _sync imports this module

    add_sync_parser(commands)
    _fleet_parser(commands)
    return parser


def _export_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    export = commands.add_parser(
        "export",
        help="export resources to JSON Lines, CSV or Parquet files",
        description=(
            "Export whole collections, or what changed since the last run (--since auto), "
            "exactly once, resumable after a crash (--resume)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog_factory=_epilog,
    )
    export.add_argument("api", choices=("sales", "accounting"), help="which API")
    export.add_argument(
        "resources",
        nargs="+",
        metavar="RESOURCE",
        help="resources to export, or `all` for every listable resource of the API",
    )
    export.add_argument("--out", required=True, metavar="DIR", help="output directory")
    export.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl")
    export.add_argument("--where", metavar="FILTER", help="Sales filter, e.g. \"name LIKE 'A%%'\"")
    export.add_argument(
        "--since", metavar="ISO|auto",
        help="only records changed since this instant (UTC if no offset), or since the "
        "last run's watermark (auto)",
    )  # fmt: skip
    export.add_argument("--resume", action="store_true", help="continue an interrupted run")
    export.add_argument(
        "--concurrency", type=_positive_int, metavar="N",
        help="most pages in flight (default: sized from the rate and the latency, at most 16)",
    )  # fmt: skip
    export.add_argument("--checkpoint", metavar="FILE", help="default: DIR/checkpoint.json")
    export.add_argument(
        "--wait", type=_non_negative_float, metavar="SECONDS",
        help="when another export is writing to DIR, wait up to this long for it to finish "
        "(default: refuse at once)",
    )  # fmt: skip
    export.add_argument("--validate", action="store_true", help="count drift from the models")
    export.add_argument("--quiet", action="store_true", help="no progress display")
    export.add_argument("--verbose", action="store_true", help="log retries and throttling")
    sandbox = export.add_argument_group("sandbox (no account needed)")
    sandbox.add_argument("--sandbox", action="store_true", help="run against a local fake API")
    sandbox.add_argument(
        "--records", type=_positive_int, default=DEFAULT_SANDBOX_RECORDS, metavar="N",
        help=f"records per exported resource (default {DEFAULT_SANDBOX_RECORDS:,})",
    )  # fmt: skip
    sandbox.add_argument("--seed", type=int, default=0, help="sandbox data seed (default 0)")
    connection = export.add_argument_group("connection")
    connection.add_argument("--base-url", metavar="URL", help="API root (default: Sage's)")
    connection.add_argument("--token-url", metavar="URL", help="Accounting OAuth token endpoint")
    connection.add_argument(
        "--rate", type=_positive_float, metavar="R",
        help="requests per second (default: the plan's, Sales 4, Accounting 200 per minute; "
        "1000 with --sandbox)",
    )  # fmt: skip
    _credential_flags(export)


def _credential_flags(parser: argparse.ArgumentParser) -> None:
    # Secrets (keys, client secret, tokens) come from the environment only: a flag would show
    # them in the process list and the shell history.
    group = parser.add_argument_group("credentials (secrets: environment variables only)")
    group.add_argument("--client-id", metavar="ID", help="Accounting OAuth client id")
    group.add_argument("--tokens", metavar="FILE", help="Accounting token file (kept updated)")
    group.add_argument("--business", metavar="ID", help="Accounting business id (X-Business)")


def _login_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    login = commands.add_parser(
        "login",
        help="Accounting OAuth helpers: authorization URL, code exchange",
        description=(
            "Authorize sage-async against a Sage Accounting business: `login url` prints the "
            "URL to open (with PKCE), `login exchange` trades the code for tokens and saves "
            "them to a file readable only by you."
        ),
    )
    steps = login.add_subparsers(dest="step", metavar="STEP", parser_class=_Parser)
    url = steps.add_parser("url", help="print the authorization URL")
    url.add_argument("--redirect-uri", required=True, metavar="URI")
    url.add_argument("--scope", choices=("full_access", "readonly"), default="readonly")
    url.add_argument("--country", help="preselect a country (gb, ie, us, ca, de, es, fr)")
    url.add_argument("--authorize-url", metavar="URL", help="authorization endpoint")
    url.add_argument(
        "--state-file", default=DEFAULT_STATE_FILE, metavar="FILE",
        help="where the PKCE verifier and state are kept until the exchange",
    )  # fmt: skip
    url.add_argument("--client-id", metavar="ID", help="default: SAGE_ACCOUNTING_CLIENT_ID")
    exchange = steps.add_parser("exchange", help="exchange the code for tokens")
    exchange.add_argument("--code", required=True, help="the code from the redirect")
    exchange.add_argument("--redirect-uri", required=True, metavar="URI")
    exchange.add_argument("--state-file", default=DEFAULT_STATE_FILE, metavar="FILE")
    exchange.add_argument("--state", help="the state from the redirect, checked if given")
    exchange.add_argument("--tokens", required=True, metavar="FILE", help="where to save")
    exchange.add_argument("--token-url", metavar="URL", help="token endpoint")
    exchange.add_argument("--client-id", metavar="ID", help="default: SAGE_ACCOUNTING_CLIENT_ID")


def _fleet_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    fleet = commands.add_parser(
        "fleet",
        help="export many tenants on a Dask cluster (needs sage-async[fleet])",
        description="Export every tenant of a fleet file, one Dask task per tenant.",
    )
    steps = fleet.add_subparsers(dest="step", metavar="STEP", parser_class=_Parser)
    export = steps.add_parser(
        "export",
        help="export every tenant of FLEET_FILE",
        description=(
            "Export every tenant of FLEET_FILE (TOML) to DIR/<label>/, one Dask task per "
            "tenant, resumable; DIR/fleet-manifest.json reports each tenant. Exit status: 0 "
            "every tenant complete, 1 some failed (run again to resume them), 2 bad usage. "
            "See docs/fleet.md."
        ),
    )
    export.add_argument("fleet_file", metavar="FLEET_FILE", help="the fleet description (TOML)")
    export.add_argument("--out", required=True, metavar="DIR", help="output directory (shared)")
    where = export.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786)")
    where.add_argument("--workers", type=_positive_int, metavar="N", help="local worker processes")
    export.add_argument("--quiet", action="store_true", help="no progress lines")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}")
    return value


def stderr_line(message: str) -> None:
    """Print ``sage-async: error: message`` on stderr."""
    print(f"sage-async: error: {message}", file=sys.stderr)
