"""
``sage-async login``: the Accounting OAuth authorization-code flow with PKCE, from a terminal.

``login url`` prints the authorization URL and keeps the PKCE verifier and a random state in a
file readable only by the user; ``login exchange`` trades the code from the redirect for tokens
and saves them to a token file (mode 0600) that ``sage-async export --tokens FILE`` reads and
keeps up to date as the refresh token rotates. No token is ever printed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from sage_async import AccountingClient, TokenSet, authorization_url, make_pkce
from sage_async._errors import UsageError
from sage_async._json import dumps, loads
from sage_async._oauth import AUTHORIZE_URL
from sage_async.cli._parser import DEFAULT_STATE_FILE, EXIT_OK
from sage_async.export._fs import fsync_directory


__all__ = ["load_tokens", "login_exchange", "login_url", "save_tokens", "write_private"]


def write_private(path: Path, document: Any) -> None:
    """Write JSON readable and writable by the owner only (0600), atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(dumps(document, newline=True))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # an existing temporary file kept its old mode
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def _read(path: Path, what: str) -> dict[str, Any]:
    try:
        data = loads(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{what} file {str(path)!r} does not exist") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {what} file {str(path)!r}: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} file {str(path)!r} is not a JSON object")
    return data


def load_tokens(path: Path) -> TokenSet:
    """
    Read a token file written by :func:`save_tokens`.

    Raises:
        UsageError: the file is missing or is not a token file.
    """
    data = _read(path, "token")
    if not isinstance(data.get("access_token"), str):
        raise UsageError(f"token file {str(path)!r} holds no access_token")
    fields = {f.name for f in attrs.fields(TokenSet)}
    return TokenSet(**{k: v for k, v in data.items() if k in fields})


def save_tokens(path: Path, tokens: TokenSet) -> None:
    """Save a token set to ``path`` (0600, atomic): the refresh token rotates on every use."""
    write_private(path, attrs.asdict(tokens))


def _client_id(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    value = args.client_id or env.get("SAGE_ACCOUNTING_CLIENT_ID", "")
    if not value:
        raise UsageError("missing client id: set SAGE_ACCOUNTING_CLIENT_ID or --client-id")
    return str(value)


def login_url(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Print the authorization URL; keep the PKCE verifier and state for the exchange."""
    pkce = make_pkce()
    state = secrets.token_urlsafe(24)
    url = authorization_url(
        _client_id(args, env), args.redirect_uri, scope=args.scope, state=state,
        country=args.country, pkce=pkce, base_url=args.authorize_url or AUTHORIZE_URL,
    )  # fmt: skip
    write_private(
        Path(args.state_file),
        {"verifier": pkce.verifier, "state": state, "redirect_uri": args.redirect_uri},
    )
    print(url)
    state_flag = "" if args.state_file == DEFAULT_STATE_FILE else f" --state-file {args.state_file}"
    print(
        f"open the URL, authorize, then run: sage-async login exchange --code CODE "
        f"--redirect-uri {args.redirect_uri}{state_flag} --tokens tokens.json  (PKCE kept in "
        f"{args.state_file})",
        file=sys.stderr,
    )
    return EXIT_OK


async def login_exchange(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Exchange the code for tokens and save them to ``--tokens`` (0600)."""
    saved = _read(Path(args.state_file), "login state")
    if args.state is not None and args.state != saved.get("state"):
        raise UsageError("the state from the redirect does not match: start again with login url")
    secret = env.get("SAGE_ACCOUNTING_CLIENT_SECRET", "")
    if not secret:
        raise UsageError("missing client secret: set SAGE_ACCOUNTING_CLIENT_SECRET")
    extra = {"token_url": args.token_url} if args.token_url else {}
    async with AccountingClient(
        client_id=_client_id(args, env), client_secret=secret, **extra
    ) as client:
        tokens = await client.exchange_code(
            args.code, redirect_uri=args.redirect_uri, code_verifier=saved.get("verifier")
        )
    return _finish(args, tokens)


def _finish(args: argparse.Namespace, tokens: TokenSet) -> int:
    save_tokens(Path(args.tokens), tokens)
    Path(args.state_file).unlink(missing_ok=True)
    print(f"tokens saved to {args.tokens} (readable by you only)", file=sys.stderr)
    return EXIT_OK
