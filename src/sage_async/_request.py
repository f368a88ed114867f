"""
Building requests without I/O: base URL checks, URLs, headers, bodies, and redaction.

Part of the sans-I/O core (re-exported by :mod:`sage_async._sansio`); no aiohttp, no asyncio.
Secrets travel only in :attr:`Request.headers` (and, for the legacy gateway, a query parameter);
:func:`redact` and the :class:`Request` repr hide them.
"""

from __future__ import annotations

import ipaddress
import types
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote, urlsplit, urlunsplit

import attrs

from . import _json
from ._errors import InsecureURLError, InvalidParameterError


__all__ = [
    "SECRET_HEADERS",
    "Params",
    "Request",
    "accounting_headers",
    "build_request",
    "check_base_url",
    "item_path",
    "join_url",
    "redact",
    "safe_path",
    "sales_headers",
]

Params = Mapping[str, str | int | float | bool | None] | Iterable[tuple[str, str]]

#: Header names (lower case) whose values are replaced by ``***`` in logs, reprs and errors.
SECRET_HEADERS: Final = frozenset(
    {
        "x-session-key",  # Sales: the token from POST /login (sales FACTS "Authentication")
        "authorization",  # Accounting: OAuth2 bearer token (accounting FACTS §3)
        "ocp-apim-subscription-key",  # legacy v3 gateway developer key (accounting FACTS §3)
        "cookie",
        "set-cookie",
        "proxy-authorization",
    }
)
# The legacy gateway also accepts the key as a `subscription-key` query parameter (FACTS §0).
_SECRET_PARAMS: Final = frozenset({"subscription-key", "access_token", "token", "password"})
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost."})


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        return f"sage-async/{version('sage-async')}"
    except Exception:  # not installed (running from a checkout)
        return "sage-async"


_USER_AGENT: Final = _user_agent()


def _freeze_headers(value: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType(dict(value))


def _upper(method: str) -> str:
    return method.upper()


def _repr_body(body: bytes | None) -> str:
    return f"<{len(body)} bytes>" if body else "None"


def _freeze_params(value: Params | None) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    out: list[tuple[str, str]] = []
    for key, raw in items:
        if raw is None:  # absent, not "None"
            continue
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        out.append((str(key), text))
    return tuple(out)


def _repr_headers(value: Mapping[str, str]) -> str:
    return repr(redact(value))


def _repr_params(value: tuple[tuple[str, str], ...]) -> str:
    return repr(tuple((k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in value))


@attrs.frozen
class Request:
    """
    One HTTP request, ready for the transport; its repr never shows a secret.

    ``url`` has no query string: query parameters are in ``params`` as ordered pairs (a key may
    repeat), already rendered to text.
    """

    method: str = attrs.field(converter=_upper)
    url: str
    headers: Mapping[str, str] = attrs.field(
        factory=dict, converter=_freeze_headers, repr=_repr_headers, hash=False
    )
    body: bytes | None = attrs.field(default=None, repr=_repr_body)
    params: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_freeze_params, repr=_repr_params
    )

    @property
    def path(self) -> str:
        """The URL path, for messages and logs (never the query string)."""
        return safe_path(self.url)


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """
    Copy ``headers`` with every secret value replaced by ``***``.

    Args:
        headers: request or response headers (any mapping; names are matched case-insensitively).

    Returns:
        A new dict safe to log: ``X-Session-Key``, ``Authorization``,
        ``Ocp-Apim-Subscription-Key``, ``Cookie``, ``Set-Cookie`` and ``Proxy-Authorization``
        values are ``***``.
    """
    return {k: "***" if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


def safe_path(url_or_path: str) -> str:
    """Return the path of a URL or path, without query string or fragment (which may hold keys)."""
    path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path
    return path.split("?", 1)[0].split("#", 1)[0] or "/"


def check_base_url(url: str) -> str:
    """
    Validate a base URL and return it without a trailing slash.

    Args:
        url: ``https://...``, or ``http://`` for a loopback host only (127.0.0.0/8, ``::1``,
            ``localhost``) as used by the sandbox and tests.

    Returns:
        The URL without trailing ``/``, its path percent-encoded (the transport sends URLs as
        they are, without normalising them again).

    Raises:
        InsecureURLError: plain ``http://`` to any other host, another scheme, no host, or
            credentials in the URL (they would leak into logs).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    shown = (
        f"{parts.scheme}://{host}" if host else repr(parts.scheme)
    )  # never the query or userinfo
    if not host:
        raise InsecureURLError(f"base URL {shown} has no host")
    if parts.username is not None or parts.password is not None:
        raise InsecureURLError(f"base URL {shown} must not carry credentials")
    if parts.scheme == "http":
        if not _is_loopback(host):
            raise InsecureURLError(
                f"plain http:// is only allowed for loopback hosts, not {shown}; use https://"
            )
    elif parts.scheme != "https":
        raise InsecureURLError(f"unsupported scheme in base URL {shown}; use https://")
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~")  # existing escapes stay as they are
    return urlunsplit(parts._replace(path=path)).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def join_url(base_url: str, path: str) -> str:
    """Join a checked base URL and an API path (``/accounts/12``) with exactly one slash."""
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


def item_path(collection: str, key: str | int) -> str:
    """
    Return ``/collection/key`` with the key as exactly one percent-encoded path segment.

    Args:
        collection: the collection path (``/accounts``).
        key: the record's id or key; ``/``, ``;``, ``%``, ``?``, ``#`` and every other
            reserved character are percent-encoded.

    Returns:
        The item path, e.g. ``/stock_items/a%2Fb`` for the key ``a/b``.

    Raises:
        InvalidParameterError: the key is empty, ``.`` or ``..`` (which would name the
            collection or its parent, not an item), or holds a control character.
    """
    if isinstance(key, int) and key.bit_length() > 256:
        raise InvalidParameterError(f"record key is an integer of {key.bit_length()} bits: no id")
    text = str(key)
    if text in ("", ".", ".."):
        raise InvalidParameterError(f"{text!r} is not a record key: it would not name one item")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        raise InvalidParameterError(
            f"record key {text!r} holds a control character or a lone surrogate"
        )
    return f"/{collection.strip('/')}/{quote(text, safe='')}"


def _common_headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
    headers.update(extra or {})
    return headers


def sales_headers(
    *,
    session_key: str | None = None,
    page_size: int | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """
    Build Sales Management request headers (never logged; use :func:`redact` for logs).

    Args:
        session_key: the token from ``POST /login``, sent as ``X-Session-Key``.
        page_size: list page size; sent as both ``Count`` and ``X-FM-Entity-Count`` because
            which one the server honours is unverified (sales FACTS "Listing").
        extra: more headers, added last.

    Returns:
        A new dict of headers.
    """
    headers = _common_headers(None)
    if session_key is not None:
        headers["X-Session-Key"] = session_key
    if page_size is not None:
        headers["Count"] = headers["X-FM-Entity-Count"] = str(page_size)
    headers.update(extra or {})
    return headers


def accounting_headers(
    *,
    access_token: str | None = None,
    business_id: str | None = None,
    subscription_key: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """
    Build Accounting request headers (accounting FACTS §3; never logged).

    Args:
        access_token: OAuth2 access token, sent as ``Authorization: Bearer``.
        business_id: sent as ``X-Business``; without it Sage uses the lead business.
        subscription_key: legacy v3 gateway key, sent as ``Ocp-Apim-Subscription-Key``.
        extra: more headers, added last.

    Returns:
        A new dict of headers.
    """
    headers = _common_headers(None)
    if access_token is not None:
        headers["Authorization"] = f"Bearer {access_token}"
    if business_id is not None:
        headers["X-Business"] = business_id
    if subscription_key is not None:
        headers["Ocp-Apim-Subscription-Key"] = subscription_key
    headers.update(extra or {})
    return headers


def build_request(
    method: str,
    base_url: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Params | None = None,
    json: Any = None,
) -> Request:
    """
    Build a :class:`Request`.

    Args:
        method: HTTP method.
        base_url: a base URL already accepted by :func:`check_base_url`.
        path: the API path, e.g. ``/accounts`` or :func:`item_path` output.
        headers: headers from :func:`sales_headers` or :func:`accounting_headers`.
        params: query parameters; ``None`` values are dropped, booleans become ``true``/``false``.
        json: a JSON-serialisable body (``Decimal`` is written as a number), or ``None``.

    Returns:
        The frozen request; ``Content-Type: application/json`` is set when there is a body.

    Raises:
        InvalidParameterError: ``json`` cannot be serialised.
    """
    all_headers = dict(headers or {})
    body = None
    if json is not None:
        try:
            body = _json.dumps(json)
        except TypeError as exc:
            raise InvalidParameterError(f"request body is not JSON-serialisable: {exc}") from exc
        all_headers.setdefault("Content-Type", "application/json")
    return Request(method, join_url(base_url, path), all_headers, body, params)
