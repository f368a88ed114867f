"""
The exception tree of sage-async.

Every exception the library raises on purpose derives from :class:`SageError`; third-party
exceptions (aiohttp, asyncio timeouts, orjson, cattrs) are translated in exactly one place each
(``_transport.py`` for I/O, ``_sansio.py`` for bodies, ``_converter.py`` for models) and chained
with ``raise ... from exc``. Messages carry the HTTP method and path, never a query string that
could hold a secret, never a key or a token::

    SageError
    ├── UsageError                     the caller misused the library (also ValueError)
    │   ├── ClientClosedError          a closed (or never opened) client was used
    │   ├── InsecureURLError           plain http:// to a non-loopback host
    │   ├── InvalidFilterError         malformed ``where``/``order`` text, with its position
    │   ├── FilterValueError           a value no filter literal can hold (also TypeError)
    │   ├── UnknownFieldError          a field that does not exist on a resource ("did you mean")
    │   └── InvalidParameterError      a list parameter of the wrong type or value
    ├── TransportError                 nothing usable came back (connection, TLS, reset)
    │   └── RequestTimeoutError        connect, read or total timeout (also TimeoutError)
    ├── DecodeError                    a body that is not what the API sends (HTML, truncated JSON)
    │   └── DriftError                 strict mode: the payload deviates from the models
    ├── APIError                       the API answered with an error: status, codes, method, path
    │   ├── AuthenticationError        401, invalid credentials, expired token after re-login
    │   │   └── OAuthError             the OAuth token endpoint refused (invalid_grant, ...)
    │   ├── PermissionDeniedError      403 (a user role lacks access to an area)
    │   ├── NotFoundError              404, Accounting ``RecordNotFound``
    │   │   └── ResourceNotFoundError  Sales 910 "Resource not exist" (sent as HTTP 400)
    │   ├── BadRequestError            other 4xx the caller must fix
    │   │   ├── ValidationError        422 / ``$dataCode`` arrays, every ``$source``/``$message``
    │   │   └── InvalidQueryError      Sales 901 "SQL not generated correctly", with where/order
    │   ├── RateLimitError             429, with ``retry_after`` seconds when the server gave one
    │   └── ServerError                5xx and gateway pages
    │       └── DatabaseConnectionError  Sales 900 "Connection Error" (transient, retried)
    ├── BusinessChangedError           Accounting served another business than X-Business
    ├── PageError                      one page of a pagination run failed after its retries
    └── ExportError                    a bulk export could not complete (checkpoint kept)

Which errors are retried is decided by the retry policy (``_retry.py``), not by the classes;
:attr:`APIError.retryable` only records what the policy concluded for the last attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs


__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BusinessChangedError",
    "ClientClosedError",
    "DatabaseConnectionError",
    "DecodeError",
    "DriftError",
    "ErrorDetail",
    "ExportError",
    "FilterValueError",
    "InsecureURLError",
    "InvalidFilterError",
    "InvalidParameterError",
    "InvalidQueryError",
    "NotFoundError",
    "OAuthError",
    "PageError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResourceNotFoundError",
    "SageError",
    "ServerError",
    "TransportError",
    "UnknownFieldError",
    "UsageError",
    "ValidationError",
]


class SageError(Exception):
    """
    Root of every exception raised by sage-async.

    ``sent`` is False when the call's own request provably never left the client (a
    :class:`TransportError` before connecting, or a login or token refresh that failed before
    it): the retry policy may then repeat even a POST. ``attempt`` is the number of the attempt
    that raised it (1 unless the call was retried).
    """

    sent: bool = True
    attempt: int = 1


# --- misuse -------------------------------------------------------------------------------------


class UsageError(SageError, ValueError):
    """The library was called in a way it cannot honour; nothing was sent."""


class ClientClosedError(UsageError, RuntimeError):
    """A client was used before ``__aenter__``/``open()`` or after ``aclose()``."""


class InsecureURLError(UsageError):
    """A plain ``http://`` base URL was given for a host that is not loopback."""


class InvalidFilterError(UsageError):
    """
    A ``where`` or ``order`` text does not follow the Sales Management filter grammar.

    ``position`` is the 0-based character offset of the offending token in ``text``.
    """

    def __init__(self, message: str, *, text: str = "", position: int | None = None) -> None:
        self.text = text
        self.position = position
        if position is not None and text:
            pointer = " " * position + "^"
            message = f"{message} at position {position}\n  {text}\n  {pointer}"
        super().__init__(message)


class FilterValueError(UsageError, TypeError):
    """A Python value cannot be rendered into a filter literal (unsupported type, naive time)."""


class UnknownFieldError(UsageError, AttributeError):
    """A field name that the resource's model does not have (the message suggests close names)."""


class InvalidParameterError(UsageError, TypeError):
    """A list or request parameter has the wrong type or an out-of-range value."""


# --- transport and decoding ---------------------------------------------------------------------


class TransportError(SageError):
    """
    The request could not be completed: connection refused or reset, TLS failure, DNS.

    ``sent`` is False only when the request provably never left the client (DNS failure,
    connection refused, TLS handshake, connect timeout); the retry policy may then retry even a
    POST. When in doubt the transport leaves it True.
    """

    def __init__(
        self, message: str, *, method: str = "", path: str = "", sent: bool = True
    ) -> None:
        self.method = method
        self.path = path
        self.sent = sent
        super().__init__(f"{message} ({method} {path})" if method else message)


class RequestTimeoutError(TransportError, TimeoutError):
    """The connect, read or total timeout elapsed."""


class DecodeError(SageError):
    """A response body could not be decoded as the API's JSON (an HTML proxy page, a cut body)."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        where = f" ({method} {path}, HTTP {status})" if method else ""
        super().__init__(f"{message}{where}")


class DriftError(DecodeError):
    """Strict decoding found a payload that deviates from the generated models."""

    def __init__(self, message: str, *, model: str = "", field: str = "", kind: str = "") -> None:
        self.model = model
        self.field = field
        self.kind = kind
        super().__init__(message)


# --- API errors ---------------------------------------------------------------------------------


@attrs.frozen
class ErrorDetail:
    """
    One error reported by the API.

    Accounting sends a JSON array of ``{$severity, $dataCode, $message, $source}``; Sales
    Management sends a single object with a numeric code. Both land here.
    """

    message: str
    code: str | None = None
    source: str | None = None
    severity: str | None = None


class APIError(SageError):
    """
    The API answered with an error status or an error code in the body.

    Attributes:
        status: the HTTP status code.
        codes: every API error code found in the body (``"900"``, ``"RecordInvalid"``, ...).
        message: the API's message (the first one when there are several).
        method: the HTTP method of the request.
        path: the URL path of the request, without query string.
        details: every error object the body carried.
        body: the raw body (bytes), kept for debugging; never contains request secrets.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str = "",
        path: str = "",
        codes: Sequence[str] = (),
        details: Sequence[ErrorDetail] = (),
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.codes = tuple(codes)
        self.details = tuple(details)
        self.body = body
        self.headers: Mapping[str, str] = dict(headers or {})
        super().__init__(self._describe())

    @property
    def code(self) -> str | None:
        """The first API error code, if any."""
        return self.codes[0] if self.codes else None

    def _describe(self) -> str:
        codes = f" [{', '.join(self.codes)}]" if self.codes else ""
        where = f" on {self.method} {self.path}" if self.method else ""
        return f"HTTP {self.status}{codes}{where}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors need help to survive pickling (multiprocessing, logging).
        return (_rebuild, (type(self), str(self), self.__dict__))


def _rebuild(cls: type[APIError], message: str, state: dict[str, Any]) -> APIError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class AuthenticationError(APIError):
    """401: the credentials or the token were refused (after one re-login or refresh)."""


class OAuthError(AuthenticationError):
    """The OAuth token endpoint refused a grant (``invalid_grant``, ``invalid_client``, ...)."""


class PermissionDeniedError(APIError):
    """403: the user's role does not give access to this area of the business."""


class NotFoundError(APIError):
    """404 or ``RecordNotFound``: no such record or route."""


class ResourceNotFoundError(NotFoundError):
    """Sales Management error 910, "Resource not exist" (the API sends it with HTTP 400)."""


class BadRequestError(APIError):
    """A 4xx error the caller must fix before trying again."""


class ValidationError(BadRequestError):
    """422 or a ``$dataCode`` array: the record was refused; ``details`` names every field."""

    def _describe(self) -> str:
        base = super()._describe()
        fields = [f"{d.source or '(record)'}: {d.message}" for d in self.details if d.message]
        if len(fields) > 1 or (fields and self.details[0].source):
            return base + "\n" + "\n".join(f"  - {f}" for f in fields)
        return base


class InvalidQueryError(BadRequestError):
    """Sales Management error 901: the ``where`` or ``order`` text was refused as bad SQL."""

    def __init__(
        self, message: str, *, where: str | None = None, order: str | None = None, **kw: Any
    ) -> None:
        self.where = where
        self.order = order
        super().__init__(message, **kw)

    def _describe(self) -> str:
        sent = [f"{k}={v!r}" for k, v in (("where", self.where), ("order", self.order)) if v]
        return super()._describe() + (f" (sent {', '.join(sent)})" if sent else "")


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(APIError):
    """5xx, or a gateway's HTML error page in place of JSON."""


class DatabaseConnectionError(ServerError):
    """Sales Management error 900, "Connection Error": transient, retried with backoff."""


# --- higher layers ------------------------------------------------------------------------------


class BusinessChangedError(SageError):
    """
    Accounting served another business than the one the client asked for.

    The response's ``X-Business`` header names the business actually used; it differs from the
    client's ``business_id`` (or from the lead business seen first) after a silent change.
    """

    def __init__(self, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"X-Business changed: asked for {expected!r}, served {actual!r}")


class PageError(SageError):
    """A page could not be fetched after its retries; earlier pages were delivered."""

    def __init__(self, resource: str, page: int, cause: BaseException) -> None:
        self.resource = resource
        self.page = page
        super().__init__(f"page {page} of {resource} failed: {cause}")


class ExportError(SageError):
    """A bulk export stopped before completing; its checkpoint allows ``resume``."""
