"""
The sans-I/O core: what to send, and what a response means.

Nothing here does I/O or imports aiohttp or asyncio (like gidgethub's ``sansio``). Requests are
built as frozen :class:`Request` values (see :mod:`sage_async._request`, re-exported here);
responses are interpreted from ``(status, headers, body)`` by :func:`raise_for_response`, which
returns the decoded JSON or raises the right :class:`~sage_async.APIError` subclass. Undecodable
bodies become :class:`~sage_async.DecodeError` here and nowhere else.
"""

from __future__ import annotations

import email.utils
import html
import http
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal

from . import _json
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DatabaseConnectionError,
    DecodeError,
    ErrorDetail,
    InvalidParameterError,
    InvalidQueryError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    ResourceNotFoundError,
    ServerError,
    ValidationError,
)
from ._request import (
    SECRET_HEADERS,
    Params,
    Request,
    accounting_headers,
    build_request,
    check_base_url,
    item_path,
    join_url,
    redact,
    safe_path,
    sales_headers,
)


__all__ = [
    "SECRET_HEADERS",
    "Api",
    "Params",
    "Request",
    "Shape",
    "accounting_headers",
    "build_request",
    "check_base_url",
    "check_shape",
    "decode_json",
    "item_path",
    "join_url",
    "parse_retry_after",
    "raise_for_response",
    "redact",
    "safe_path",
    "sales_headers",
]

Api = Literal["sales", "accounting"]
#: What a successful body must be: a JSON object, a JSON array (Sales lists), or an object
#: whose ``$items`` is an array (Accounting lists).
Shape = Literal["object", "array", "items"]
_SHAPES: Final[dict[str, tuple[str, Callable[[Any], bool]]]] = {
    "object": ("a JSON object", lambda d: isinstance(d, Mapping)),
    "array": ("a JSON array", lambda d: isinstance(d, list)),
    "items": ("an object with an $items array",
              lambda d: isinstance(d, Mapping) and isinstance(d.get("$items"), list)),
}  # fmt: skip

# Sales Management codes (sales FACTS "Errors"): 900 connection, 901 bad SQL, 910 no resource.
_SALES_CODE_CLASSES: Final[dict[str, type[APIError]]] = {
    "900": DatabaseConnectionError,
    "901": InvalidQueryError,
    "910": ResourceNotFoundError,
}
# Accounting `$dataCode` values seen (accounting FACTS §6).
_ACCOUNTING_CODE_CLASSES: Final[dict[str, type[APIError]]] = {
    "RecordNotFound": NotFoundError,
    "RecordInvalid": ValidationError,
    "AuthorizationFailure": AuthenticationError,
}
# RFC 6749 §5.2 token-endpoint errors (accounting FACTS §2).
_OAUTH_ERRORS: Final = frozenset(
    {"invalid_request", "invalid_grant", "invalid_client", "unauthorized_client"}
    | {"unsupported_grant_type", "invalid_scope"}
)
_CODE_KEYS: Final = frozenset({"code", "errorcode"})  # normalised; "statuscode" is NOT a code
_MESSAGE_KEYS: Final = ("message", "errormessage", "errordescription", "description", "detail")
_TOKENISH = re.compile(r"[A-Za-z0-9+/=_\-.|%]{24,}")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_MAX_MESSAGE = 300


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """
    Parse a ``Retry-After`` header (RFC 9110 §10.2.3) into seconds.

    Args:
        value: the header value: delay-seconds (``"2"``; decimals accepted) or an HTTP-date
            (``"Wed, 21 Oct 2015 07:28:00 GMT"``).
        now: the current time for HTTP-dates (aware; default: the wall clock in UTC).

    Returns:
        Seconds to wait (a date in the past gives ``0.0``), or ``None`` when the header is
        absent, negative, non-finite or unparsable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are always UTC
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def _excerpt(body: bytes) -> str:
    """A short description of a non-JSON body that cannot leak a secret."""
    head = body[:4096]
    title = _TITLE.search(head)
    if title is not None:
        text = html.unescape(title.group(1).decode("utf-8", "replace"))
        return f"HTML page {_clean(text, 80)!r}"
    if head.lstrip()[:1] in (b"<",):
        return "HTML/XML page"
    if head.lstrip()[:1] in (b"{", b"["):  # cut JSON: may hold a token, show nothing of it
        return f"{len(body)} bytes of JSON"
    first = head.decode("utf-8", "replace").strip().splitlines()[:1]
    return f"text {_clean(first[0], 60)!r}" if first else f"{len(body)} bytes"


def _clean(text: str, limit: int) -> str:
    text = _TOKENISH.sub("***", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode_json(body: bytes, *, status: int, method: str, path: str) -> Any:
    """
    Decode a JSON body with orjson.

    Args:
        body: the raw body; empty or whitespace-only decodes to ``None`` (HTTP 204).
        status: the HTTP status, for the error message.
        method: the HTTP method, for the error message.
        path: the request path, for the error message (any query string is dropped).

    Returns:
        The decoded value.

    Raises:
        DecodeError: HTML from a proxy, truncated or otherwise invalid JSON. The message names
            the body kind (an HTML ``<title>``, a short scrubbed text excerpt) but never
            quotes JSON content, which could carry a token.
    """
    if not body.strip():
        return None
    try:
        return _json.loads(body)
    except _json.JSONDecodeError as exc:
        # orjson's message only gives the position, never the content.
        reason = str(exc).split(":", 1)[0]
        raise DecodeError(
            f"response body is not valid JSON ({reason}): {_excerpt(body)}",
            status=status,
            method=method,
            path=safe_path(path),
        ) from exc


def check_shape(data: Any, expect: Shape, *, status: int, method: str, path: str) -> Any:
    """
    Return ``data`` when it has the ``expect`` shape (``status``, ``method``, ``path``: for
    the message).

    Raises:
        DecodeError: an empty body or another shape: a server or proxy fault, retried like a
            cut body, never the caller's error.
    """
    what, ok = _SHAPES[expect]
    if ok(data):
        return data
    got = "an empty body" if data is None else f"a JSON {type(data).__name__}"
    raise DecodeError(f"expected {what}, got {got}", status=status, method=method, path=path)


def _norm(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


def _as_code(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _message_of(obj: Mapping[str, Any]) -> str | None:
    by_key = {_norm(k): v for k, v in obj.items()}
    for key in (*_MESSAGE_KEYS, "error", "title"):
        value = by_key.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _from_object(obj: Mapping[str, Any]) -> ErrorDetail | None:
    """One error object: Accounting ``$dataCode`` form, or a code under any key casing."""
    if "$dataCode" in obj or "$message" in obj:
        return ErrorDetail(
            message=str(obj.get("$message") or ""),
            code=_as_code(obj.get("$dataCode")),
            source=str(obj["$source"]) if obj.get("$source") else None,
            severity=str(obj["$severity"]) if obj.get("$severity") else None,
        )
    code = next((_as_code(v) for k, v in obj.items() if _norm(k) in _CODE_KEYS), None)
    message = _message_of(obj)
    nested = next((v for k, v in obj.items() if _norm(k) == "error"), None)
    if isinstance(nested, Mapping):  # {"error": {"code": 900, "message": ...}}
        inner = _from_object(nested)
        if inner is not None:
            code = code or inner.code
            message = inner.message or message
    elif (
        isinstance(nested, str) and nested in _OAUTH_ERRORS
    ):  # {"error": "invalid_grant", "error_description": ...}
        code = code or str(nested)
    if code is None and message is None:
        return None
    return ErrorDetail(message=message or "", code=code)


def _details(data: Any) -> list[ErrorDetail]:
    objects = data if isinstance(data, list) else [data]
    return [d for o in objects if isinstance(o, Mapping) and (d := _from_object(o)) is not None]


def _embedded_sales_error(data: Any) -> ErrorDetail | None:
    """A 2xx body that is really a Sales error object: a known code, a message, no ``id``."""
    if not isinstance(data, Mapping) or any(_norm(k) == "id" for k in data):
        return None
    detail = _from_object(data)
    if detail is None or detail.code not in _SALES_CODE_CLASSES:
        return None
    return detail


def _choose(api: Api, status: int, codes: list[str], oauth: bool) -> type[APIError]:
    if status == 429:
        return RateLimitError
    if api == "sales":  # the code wins over the status: 910 arrives as HTTP 400 (sales FACTS)
        for code in codes:
            if code in _SALES_CODE_CLASSES:
                return _SALES_CODE_CLASSES[code]
    if oauth and status in (400, 401):
        return OAuthError
    by_status: dict[int, type[APIError]] = {
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        422: ValidationError,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:
        return ServerError
    for code in codes:
        if api == "accounting" and code in _ACCOUNTING_CODE_CLASSES:
            return _ACCOUNTING_CODE_CLASSES[code]
    return BadRequestError if 400 <= status < 500 else APIError


def raise_for_response(
    api: Api,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    path: str,
    where: str | None = None,
    order: str | None = None,
    now: datetime | None = None,
    expect: Shape | None = None,
    decode: Callable[[bytes], Any] | None = None,
) -> Any:
    """
    Return the decoded JSON of a successful response, or raise the matching error.

    Accepted error shapes:

    * Sales Management: a JSON object carrying the code under ``code``, ``Code``, ``errorCode``,
      ``error_code``, ``ErrorCode`` (any casing, ``_``/``-`` ignored) as an int or a string, or
      nested in an ``error`` object (``{"error": {"code": 900}}``); the message is read from
      ``message``/``Message``/``error_description``/``description``/``detail``, then a string
      ``error``. ``statusCode`` is the HTTP status echoed back, not an API code. A list of such
      objects is accepted too. Codes 900, 901 and 910 decide the class whatever the HTTP status;
      in a 2xx body they count only on an object without ``id`` (an error, not a record).
    * Accounting: a JSON array of ``{$severity, $dataCode, $message, $source}`` (or one such
      object); every entry becomes an :class:`~sage_async.ErrorDetail`. An OAuth
      ``{"error": "invalid_grant", ...}`` body with 400/401 gives ``OAuthError``.
    * Anything else (HTML from a proxy, empty, plain text): classified by status; the message is
      the HTML ``<title>`` or a short scrubbed excerpt.

    Args:
        api: ``"sales"`` or ``"accounting"``.
        status: HTTP status.
        headers: response headers (``Retry-After`` is read; stored redacted on the error).
        body: raw response body.
        method: HTTP method, for the error.
        path: request path; a query string is dropped.
        where: the Sales ``where`` sent, kept on ``InvalidQueryError``.
        order: the Sales ``order`` sent, kept on ``InvalidQueryError``.
        now: current time for an HTTP-date ``Retry-After`` (default: wall clock).
        expect: the shape a 2xx body must have (see :func:`check_shape`); ``None``: any.
        decode: a decoder tried first on a 2xx body (e.g. splitting a page into records'
            bytes); its ``None`` means "not for me", and the body takes the ordinary path.

    Returns:
        The decoded JSON (``None`` for an empty body, e.g. 204, when no shape is expected).

    Raises:
        RateLimitError: 429, with ``retry_after`` from ``Retry-After`` (seconds or HTTP-date).
        DatabaseConnectionError: Sales 900. InvalidQueryError: Sales 901.
        ResourceNotFoundError: Sales 910. AuthenticationError: 401. PermissionDeniedError: 403.
        NotFoundError: 404 or ``RecordNotFound``. ValidationError: 422 or ``RecordInvalid``.
        ServerError: 5xx (including HTML gateway pages). BadRequestError: other 4xx.
        DecodeError: a 2xx body that is not valid JSON, or not of the ``expect`` shape.
    """
    if api not in ("sales", "accounting"):
        raise InvalidParameterError(f"unknown api {api!r}")
    path = safe_path(path)
    if 200 <= status < 300:
        if decode is not None:
            fast = decode(body)
            if fast is not None:
                return fast
        data = decode_json(body, status=status, method=method, path=path)
        embedded = _embedded_sales_error(data) if api == "sales" else None
        if embedded is None:
            if expect is None:
                return data
            return check_shape(data, expect, status=status, method=method, path=path)
        details = [embedded]
    else:
        try:
            data = decode_json(body, status=status, method=method, path=path)
        except DecodeError:
            data = None
        details = _details(data)
    codes = list(dict.fromkeys(d.code for d in details if d.code))
    oauth = isinstance(data, Mapping) and str(data.get("error")) in _OAUTH_ERRORS
    cls = _choose(api, status, codes, oauth)
    message = next((d.message for d in details if d.message), None)
    if message is None:
        phrase = _phrase(status)
        message = f"{phrase}: {_excerpt(body)}" if body.strip() and data is None else phrase
    kwargs: dict[str, Any] = {
        "status": status,
        "method": method.upper(),
        "path": path,
        "codes": codes,
        "details": details,
        "body": body,
        "headers": redact(headers),
    }
    if cls is RateLimitError:
        kwargs["retry_after"] = parse_retry_after(_header(headers, "Retry-After"), now)
    elif cls is InvalidQueryError:
        kwargs.update(where=where, order=order)
    raise cls(_clean_message(message), **kwargs)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _clean_message(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
