"""
The default token store of ``sage-async export accounting`` when the refresh token comes from
``SAGE_ACCOUNTING_REFRESH_TOKEN``.

Sage Accounting rotates the refresh token on every use: the old one dies. A refresh token given
in the environment is therefore good for one run only, unless the new one is kept. The CLI
keeps it in a file readable by the user only (0600, in a 0700 directory)::

    $XDG_CONFIG_HOME/sage-async/tokens-<key>.json      (default ~/.config; %APPDATA% on Windows)

``<key>`` is a BLAKE2b hash of the client id and the refresh token given in the environment,
so each authorization has its own file and a fresh token from a new consent starts a new
chain. When the file exists, the run uses the (newer) token it holds instead of the used-up
one from the environment and says so once on stderr. The file holds tokens; nothing prints
them. ``SAGE_ACCOUNTING_TOKENS`` (a file written by ``sage-async login``) is unaffected.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from sage_async import TokenSet
from sage_async._errors import UsageError
from sage_async.cli._login import load_tokens, write_private


__all__ = ["default_store", "env_tokens"]


def default_store(env: Mapping[str, str], client_id: str, refresh_token: str) -> Path:
    """The token file of one environment refresh token (see the module docstring)."""
    if sys.platform == "win32" and env.get("APPDATA"):
        base = Path(env["APPDATA"])
    elif env.get("XDG_CONFIG_HOME"):
        base = Path(env["XDG_CONFIG_HOME"])
    else:
        base = Path(env.get("HOME") or Path.home()) / ".config"
    key = hashlib.blake2b(f"{client_id}\0{refresh_token}".encode(), digest_size=12).hexdigest()
    return base / "sage-async" / f"tokens-{key}.json"


def env_tokens(
    env: Mapping[str, str], client_id: str, refresh_token: str, access_token: str
) -> tuple[TokenSet, Callable[[TokenSet], None]]:
    """
    The tokens to start from and the ``on_token_refresh`` callback that keeps the rotated ones.

    Raises:
        UsageError: the token file exists but cannot be read.
    """
    path = default_store(env, client_id, refresh_token)
    if path.exists():
        tokens = load_tokens(path)
        print(
            f"sage-async: using the newer refresh token kept in {path} (the one in "
            "SAGE_ACCOUNTING_REFRESH_TOKEN was used up by an earlier run)",
            file=sys.stderr,
        )
    else:
        tokens = TokenSet(access_token=access_token, refresh_token=refresh_token)

    def save(new: TokenSet) -> None:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(path, attrs.asdict(new))
        except OSError as exc:
            raise UsageError(
                f"cannot keep the rotated refresh token in {path}: {exc.strerror or exc}; "
                "set SAGE_ACCOUNTING_TOKENS to a writable file"
            ) from None

    return tokens, save
