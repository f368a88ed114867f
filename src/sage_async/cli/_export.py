"""
``sage-async export``: build a client (or start the sandbox), run the export, report.

Credentials come from environment variables or flags and are handed to the client only: they
are never printed or logged. Rotated Accounting tokens are written to the token file the user
named (``SAGE_ACCOUNTING_TOKENS``) or, for a refresh token from the environment, to the default
token store (``_token_store``, 0600).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sage_async import AccountingClient, SalesClient, TokenSet
from sage_async._client import BaseClient
from sage_async._errors import UnknownFieldError, UsageError
from sage_async.cli._login import load_tokens, save_tokens
from sage_async.cli._parser import EXIT_OK, EXIT_PARTIAL, listable
from sage_async.cli._progress import ProgressDisplay
from sage_async.cli._token_store import env_tokens
from sage_async.export import Manifest, export


__all__ = ["parse_since", "run_export"]

SANDBOX_RATE = 1000.0  # requests per second against the sandbox: the machine is the limit


def parse_since(text: str | None) -> datetime | str | None:
    """
    Read ``--since``: ``auto``, a date (midnight UTC) or an ISO datetime (UTC without offset).

    Raises:
        UsageError: anything else.
    """
    if text is None or text == "auto":
        return text
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--since expects auto or an ISO date/time such as 2025-01-31T12:00:00Z, not {text!r}"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def expand_all(api: str, names: list[str]) -> list[str]:
    """Replace the name ``all`` with every listable resource of ``api`` (in table order)."""
    if "all" not in names:
        return names
    return list(
        dict.fromkeys(n for name in names for n in (listable(api) if name == "all" else [name]))
    )


def check_names(api: str, names: list[str]) -> None:
    """
    Refuse unknown resource names before anything starts, suggesting close ones.

    Raises:
        UnknownFieldError: a name the API's table does not list.
    """
    known = listable(api)
    other = "accounting" if api == "sales" else "sales"
    for name in names:
        if name not in known:
            if name in listable(other):
                title = {"sales": "a Sales Management", "accounting": "an Accounting"}[other]
                raise UnknownFieldError(
                    f"{name} is {title} resource: sage-async export {other} {name} ..."
                )
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UnknownFieldError(
                f"unknown {api} resource {name!r}{hint} (sage-async export --help lists them)"
            )


def _setting(args: argparse.Namespace, env: Mapping[str, str], flag: str, variable: str) -> str:
    value = getattr(args, flag, None)
    return str(value) if value else env.get(variable, "")


def _sales_client(args: argparse.Namespace, env: Mapping[str, str]) -> SalesClient:
    public = _setting(args, env, "public_key", "SAGE_SALES_PUBLIC_KEY")
    private = _setting(args, env, "private_key", "SAGE_SALES_PRIVATE_KEY")
    if not public or not private:
        raise UsageError(
            "missing Sales credentials: set SAGE_SALES_PUBLIC_KEY and SAGE_SALES_PRIVATE_KEY "
            "(or try --sandbox)"
        )
    extra: dict[str, Any] = {"rate": args.rate} if args.rate else {}
    if args.base_url:
        extra["base_url"] = args.base_url
    return SalesClient(public_key=public, private_key=private, **extra)


def _accounting_client(args: argparse.Namespace, env: Mapping[str, str]) -> AccountingClient:
    client_id = _setting(args, env, "client_id", "SAGE_ACCOUNTING_CLIENT_ID")
    secret = _setting(args, env, "client_secret", "SAGE_ACCOUNTING_CLIENT_SECRET")
    refresh = _setting(args, env, "refresh_token", "SAGE_ACCOUNTING_REFRESH_TOKEN")
    access = _setting(args, env, "access_token", "SAGE_ACCOUNTING_ACCESS_TOKEN")
    token_file = _setting(args, env, "tokens", "SAGE_ACCOUNTING_TOKENS")
    tokens: TokenSet | None = None
    extra: dict[str, Any] = {}
    if token_file:
        tokens = load_tokens(Path(token_file))
        path = Path(token_file)
        extra["on_token_refresh"] = lambda new: save_tokens(path, new)
    elif refresh and client_id:
        tokens, extra["on_token_refresh"] = env_tokens(env, client_id, refresh, access)
    elif refresh or access:
        tokens = TokenSet(access_token=access, refresh_token=refresh or None)
    if tokens is None:
        raise UsageError(
            "missing Accounting credentials: set SAGE_ACCOUNTING_REFRESH_TOKEN (with "
            "SAGE_ACCOUNTING_CLIENT_ID and SAGE_ACCOUNTING_CLIENT_SECRET), "
            "SAGE_ACCOUNTING_ACCESS_TOKEN, or SAGE_ACCOUNTING_TOKENS (or try --sandbox)"
        )
    if tokens.refresh_token and not (client_id and secret):
        raise UsageError(
            "refreshing Accounting tokens needs SAGE_ACCOUNTING_CLIENT_ID and "
            "SAGE_ACCOUNTING_CLIENT_SECRET"
        )
    if args.rate:
        extra.update(rate=args.rate, per=1.0)
    if args.base_url:
        extra["base_url"] = args.base_url
    if args.token_url:
        extra["token_url"] = args.token_url
    business = _setting(args, env, "business", "SAGE_ACCOUNTING_BUSINESS_ID")
    return AccountingClient(
        client_id=client_id or None, client_secret=secret or None, tokens=tokens,
        business_id=business or None, **extra,
    )  # fmt: skip


def _sandbox_client(args: argparse.Namespace, sandbox: Any) -> BaseClient:
    rate = args.rate or SANDBOX_RATE
    if args.api == "sales":
        keys = sandbox.sales_credentials
        return SalesClient(
            public_key=keys.public_key, private_key=keys.private_key,
            base_url=sandbox.sales_url, rate=rate,
        )  # fmt: skip
    oauth = sandbox.accounting_credentials
    body = sandbox.accounting_tokens()
    return AccountingClient(
        client_id=oauth.client_id, client_secret=oauth.client_secret,
        tokens=TokenSet.from_response(body), business_id=sandbox.lead_business,
        base_url=sandbox.accounting_url, token_url=sandbox.token_url, rate=rate, per=1.0,
    )  # fmt: skip


async def run_export(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """
    Run ``sage-async export``; return the exit status (usage errors raise ``UsageError``).
    """
    names = expand_all(args.api, list(dict.fromkeys(args.resources)))
    check_names(args.api, names)
    since = parse_since(args.since)
    if args.where and args.api != "sales":
        raise UsageError("--where applies to Sales only (Accounting lists take no filter text)")
    checkpoint = Path(args.checkpoint) if args.checkpoint else Path(args.out) / "checkpoint.json"
    if args.resume and not checkpoint.exists():
        print(
            f"sage-async: nothing to resume ({checkpoint} does not exist): starting a new export",
            file=sys.stderr,
        )
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
            client = _sandbox_client(args, sandbox)
            print(f"sandbox: {args.records:,} seeded records per resource", file=sys.stderr)
        elif args.api == "sales":
            client = _sales_client(args, env)
        else:
            client = _accounting_client(args, env)
        await stack.enter_async_context(client)
        display = ProgressDisplay(sys.stderr)
        try:
            manifest = await export(
                client, names, out_dir=args.out, format=args.format,
                checkpoint=args.checkpoint, since=since, resume=args.resume,
                concurrency=args.concurrency, where=args.where,
                progress=None if args.quiet else display, validate=args.validate,
                lock_timeout=args.wait,
            )  # fmt: skip
        finally:
            display.close()
    _summary(manifest)
    return EXIT_OK if manifest.ok else EXIT_PARTIAL


#: What to fix when the API refused the credentials, by API (never "--resume": it cannot help).
_FIX_CREDENTIALS = {
    "sales": "check SAGE_SALES_PUBLIC_KEY and SAGE_SALES_PRIVATE_KEY (Settings > Integrations > "
    "API key management), then run the command again",
    "accounting": "the refresh or access token was refused (expired, revoked or used): run "
    "`sage-async login url` and `sage-async login exchange` for new tokens, or check "
    "SAGE_ACCOUNTING_CLIENT_ID/SECRET, then run the command again",
}


def _summary(manifest: Manifest) -> None:
    out = Path(manifest.out_dir)
    for report in manifest.resources:
        if report.status == "complete":
            files = ", ".join(str(out / s.output) for s in report.streams)
            print(f"{report.name}: {report.records:,} records -> {files}", file=sys.stderr)
        elif report.status == "failed":
            print(f"sage-async: error: {report.name} failed: {report.error}", file=sys.stderr)
        else:
            print(f"{report.name}: not reached", file=sys.stderr)
    if manifest.replaced:
        print(f"replaced the earlier {', '.join(manifest.replaced)}", file=sys.stderr)
    print(f"manifest: {out / 'manifest.json'} ({manifest.status})", file=sys.stderr)
    refused = [r for r in manifest.resources if r.status == "failed" and not r.resumable]
    if refused:
        kind = refused[0].error_kind
        if kind == "PermissionDeniedError":
            fix = "the user's role has no access to that area: ask an administrator, then run again"
        else:
            fix = _FIX_CREDENTIALS.get(manifest.api, "check the credentials, then run again")
        print(f"sage-async: {fix}", file=sys.stderr)
    elif manifest.checkpoint:
        print("run the same command with --resume to continue", file=sys.stderr)


def environment() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ
