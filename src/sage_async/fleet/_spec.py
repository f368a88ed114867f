"""
The fleet description: a TOML file listing tenants, read and checked by :func:`load_fleet`.

::

    [defaults]                 # optional: applied to every tenant that does not say otherwise
    resources = "all"          # or a list of resource names
    format = "jsonl"
    since = "auto"             # incremental: only what changed since the tenant's last run
    retries = 2                # Dask retries of a tenant's task (each resumes its checkpoint)

    [[tenants]]
    label = "acme"             # the tenant's directory under --out: letters, digits, . _ -
    api = "sales"
    public_key_env = "ACME_SAGE_PUBLIC_KEY"     # names of environment variables on the workers
    private_key_env = "ACME_SAGE_PRIVATE_KEY"
    resources = ["accounts", "contacts"]

    [[tenants]]
    label = "bakery"
    api = "accounting"
    client_id_env = "SAGE_ACCOUNTING_CLIENT_ID"
    client_secret_env = "SAGE_ACCOUNTING_CLIENT_SECRET"
    tokens = "/srv/sage/tokens/bakery.json"     # token store (0600), rotated in place
    business = "8a1c..."

Credentials are references only: environment variable names and a token-store path (relative
paths are relative to the fleet file). A key that would hold a secret (``private_key``,
``client_secret``, ``refresh_token``...) is refused. Strictly private; re-exported from
:mod:`sage_async.fleet`.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from sage_async._errors import UsageError
from sage_async.export import FORMATS
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.models.sales import RESOURCES as SALES


__all__ = ["Fleet", "TenantSpec", "listable", "load_fleet", "parse_fleet"]

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SECRET_KEYS = frozenset(
    {"public_key", "private_key", "client_secret", "refresh_token", "access_token", "password"}
)
COMMON = frozenset(
    {"label", "api", "resources", "format", "since", "retries", "concurrency", "rate", "per",
     "base_url"}
)  # fmt: skip
KEYS = {
    "sales": COMMON | {"public_key_env", "private_key_env"},
    "accounting": COMMON
    | {"client_id_env", "client_secret_env", "tokens", "business", "token_url"},
}
DEFAULTS = frozenset({"resources", "format", "since", "retries", "concurrency", "rate", "per"})
DEFAULT_RETRIES = 2


def listable(api: str) -> list[str]:
    """The resources of ``api`` that can be exported, sorted."""
    table = SALES if api == "sales" else ACCOUNTING
    return sorted(n for n, s in table.items() if s.supports("list") and not s.singleton)


@attrs.frozen
class TenantSpec:
    """
    One tenant of the fleet: what to export and where its credentials are (never what they are).

    Attributes:
        label: the tenant's name, and its directory under the fleet's output directory.
        api: ``"sales"`` or ``"accounting"``.
        resources: the resources to export.
        format: ``jsonl``, ``csv`` or ``parquet``.
        since: ``None`` (everything), ``"auto"`` (incremental) or an ISO-8601 instant.
        retries: Dask retries of the tenant's task.
        concurrency: pages in flight (default: the client's).
        rate: requests per ``per`` seconds (default: the client's).
        per: the rate's period in seconds.
        base_url: the API root (default: Sage's).
        token_url: Accounting: the OAuth token endpoint.
        business: Accounting: the business id (default: the lead business).
        public_key_env: Sales: the environment variable holding the public key.
        private_key_env: Sales: the environment variable holding the private key.
        client_id_env: Accounting: the environment variable holding the OAuth client id.
        client_secret_env: Accounting: the environment variable holding the client secret.
        tokens: Accounting: the token store (written by ``sage-async login exchange``),
            rewritten (0600) each time the refresh token rotates.
    """

    label: str
    api: str
    resources: tuple[str, ...]
    format: str = "jsonl"
    since: str | None = None
    retries: int = DEFAULT_RETRIES
    concurrency: int | None = None
    rate: float | None = None
    per: float | None = None
    base_url: str | None = None
    token_url: str | None = None
    business: str | None = None
    public_key_env: str | None = None
    private_key_env: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    tokens: str | None = None


@attrs.frozen
class Fleet:
    """
    A checked fleet description.

    Attributes:
        tenants: the tenants, in file order (labels are unique).
        source: the file it was read from (``None`` when built in code).
    """

    tenants: tuple[TenantSpec, ...]
    source: str | None = None


def load_fleet(path: str | os.PathLike[str]) -> Fleet:
    """
    Read and check a fleet file (TOML).

    Args:
        path: the fleet file.

    Returns:
        The :class:`Fleet`.

    Raises:
        UsageError: the file cannot be read, is not TOML, or a tenant is wrong (the message
            names the file, the tenant and the key).
    """
    file = Path(path)
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"fleet file {str(file)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read fleet file {str(file)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{file}: not valid TOML: {exc}") from None
    return parse_fleet(document, source=file)


def parse_fleet(document: Mapping[str, Any], *, source: str | Path | None = None) -> Fleet:
    """
    Check a fleet description already parsed (the fleet file's tables).

    Args:
        document: ``{"defaults": {...}, "tenants": [{...}, ...]}``.
        source: the file it came from: named in errors, and the base of relative token paths.

    Raises:
        UsageError: naming the file, the tenant and the key that is wrong.
    """
    where = str(source) if source is not None else "fleet"
    base = Path(source).parent if source is not None else Path.cwd()
    extra = set(document) - {"defaults", "tenants"}
    if extra:
        raise UsageError(f"{where}: unknown table {sorted(extra)[0]!r} (use defaults, tenants)")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise UsageError(f"{where}: [defaults] must be a table")
    for key in defaults:
        if key not in DEFAULTS:
            raise UsageError(f"{where}: [defaults]: unknown key {key!r} ({_known(DEFAULTS)})")
    tenants = document.get("tenants")
    if not isinstance(tenants, list) or not tenants:
        raise UsageError(f"{where}: no tenants: add [[tenants]] tables")
    specs: list[TenantSpec] = []
    for number, table in enumerate(tenants, 1):
        if not isinstance(table, dict):
            raise UsageError(f"{where}: tenant #{number} must be a table")
        spec = _tenant(where, base, number, {**defaults, **table})
        if any(s.label == spec.label for s in specs):
            raise UsageError(f"{where}: tenant {spec.label!r}: label used twice")
        specs.append(spec)
    return Fleet(tuple(specs), str(source) if source is not None else None)


def _known(keys: frozenset[str]) -> str:
    return "known: " + ", ".join(sorted(keys))


def _tenant(where: str, base: Path, number: int, table: dict[str, Any]) -> TenantSpec:
    label = table.get("label")
    if not isinstance(label, str) or not LABEL.match(label):
        raise UsageError(
            f"{where}: tenant #{number}: key 'label' must be a name of letters, digits, '.', "
            f"'_' or '-' (it names the tenant's directory), got {label!r}"
        )
    at = f"{where}: tenant {label!r}"
    api = table.get("api")
    if api not in KEYS:
        raise UsageError(f"{at}: key 'api' must be 'sales' or 'accounting', got {api!r}")
    for key in table:
        if key in SECRET_KEYS:
            raise UsageError(
                f"{at}: key {key!r}: secrets never go in the fleet file; name an environment "
                f"variable ({key}_env) or a token store (tokens) instead"
            )
        if key not in KEYS[api]:
            close = difflib.get_close_matches(key, KEYS[api], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" ({_known(KEYS[api])})"
            raise UsageError(f"{at}: unknown key {key!r} for the {api} API{hint}")
    fields: dict[str, Any] = {"label": label, "api": api}
    fields["resources"] = _resources(at, api, table.get("resources", "all"))
    fmt = table.get("format", "jsonl")
    if fmt not in FORMATS:
        raise UsageError(f"{at}: key 'format' must be one of {', '.join(FORMATS)}, got {fmt!r}")
    fields["format"] = fmt
    fields["since"] = _since(at, table.get("since"))
    for key, kind in (("retries", int), ("concurrency", int), ("rate", float), ("per", float)):
        if key in table:
            fields[key] = _number(at, key, table[key], kind)
    for key in ("base_url", "token_url", "business"):
        if key in table:
            fields[key] = _text(at, key, table[key])
    needed = (
        ("public_key_env", "private_key_env")
        if api == "sales"
        else ("client_id_env", "client_secret_env", "tokens")
    )
    for key in needed:
        if key not in table:
            raise UsageError(f"{at}: missing key {key!r} ({_credential_help(api)})")
        value = _text(at, key, table[key])
        if key.endswith("_env") and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise UsageError(f"{at}: key {key!r} must name an environment variable, got {value!r}")
        fields[key] = value
    if api == "accounting":
        fields["tokens"] = str(base / Path(fields["tokens"]).expanduser())
    return TenantSpec(**fields)


def _credential_help(api: str) -> str:
    if api == "sales":
        return "public_key_env and private_key_env name the environment variables holding the keys"
    return (
        "client_id_env and client_secret_env name environment variables; tokens is the token "
        "store written by `sage-async login exchange`"
    )


def _resources(at: str, api: str, value: Any) -> tuple[str, ...]:
    known = listable(api)
    if value == "all":
        return tuple(known)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{at}: key 'resources' must be \"all\" or a list of resource names")
    for name in value:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UsageError(f"{at}: key 'resources': unknown {api} resource {name!r}{hint}")
    return tuple(dict.fromkeys(value))


def _since(at: str, value: Any) -> str | None:
    if value is None or value == "auto":
        return None if value is None else "auto"
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    else:
        moment = None
    if moment is None:
        raise UsageError(f"{at}: key 'since' must be \"auto\" or an ISO-8601 date/time")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _number(at: str, key: str, value: Any, kind: type[int] | type[float]) -> int | float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and kind is int:
        ok = isinstance(value, int)
    minimum = 0 if key == "retries" else 1e-9
    if not ok or value < minimum:
        what = "a non-negative integer" if key == "retries" else f"a positive {kind.__name__}"
        raise UsageError(f"{at}: key {key!r} must be {what}, got {value!r}")
    return kind(value)


def _text(at: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{at}: key {key!r} must be a non-empty string")
    return value
