"""
Response helpers shared by the sandbox routes: JSON bodies, the APIs' error shapes, page cache.

Error shapes (what clients must read):

- Sales Management codes 900/901/910: ``{"code": 901, "error": "Internal data Error",
  "message": "..."}`` with HTTP 400 for 901 and 910 and HTTP 500 for 900 (``docs/contracts.md``
  section 5; sales FACTS "Errors": an unknown id answers HTTP 400).
- Sales Management plain HTTP errors (401, 400, 405, 429, 5xx):
  ``{"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}``, one of the shapes
  the sales FACTS report.
- Accounting: a JSON array ``[{"$severity": "error", "$dataCode": "RecordNotFound",
  "$message": "...", "$source": ""}]`` (accounting FACTS section 6).
- OAuth token endpoint: ``{"error": "invalid_grant"}`` (accounting FACTS section 2).
"""

from __future__ import annotations

from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web

from sage_async import _json


__all__ = [
    "PageCache",
    "accounting_error",
    "accounting_errors",
    "html_error",
    "json_bytes",
    "json_response",
    "oauth_error",
    "phrase",
    "sales_code_error",
    "sales_http_error",
]

JSON: Final = "application/json"
SALES_CODES: Final = {
    900: (500, "Connection Error", "The database connection cannot be established"),
    901: (400, "Internal data Error", "The SQL is not generated correctly"),
    910: (400, "Resource not exist", "The resource does not exist"),
}


def phrase(status: int) -> str:
    """Return the reason phrase of an HTTP status."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def json_bytes(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return a response carrying already-encoded JSON."""
    return web.Response(body=body, status=status, content_type=JSON, headers=headers)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return ``data`` encoded with the library's JSON codec (Decimal as exact numbers)."""
    return json_bytes(_json.dumps(data), status, headers)


def sales_code_error(code: int, message: str | None = None) -> web.Response:
    """Return a Sales 900/901/910 error (HTTP 500 for 900, 400 otherwise)."""
    status, title, default = SALES_CODES[code]
    return json_response({"code": code, "error": title, "message": message or default}, status)


def sales_http_error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    """Return a Sales plain HTTP error ``{"statusCode", "message", "error"}``."""
    body = {"statusCode": status, "message": message or phrase(status), "error": phrase(status)}
    return json_response(body, status, headers)


def accounting_error(
    status: int,
    data_code: str,
    message: str,
    source: str = "",
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Return an Accounting error array with one entry."""
    return accounting_errors(status, [(data_code, message, source)], headers)


def accounting_errors(
    status: int, errors: list[tuple[str, str, str]], headers: dict[str, str] | None = None
) -> web.Response:
    """Return an Accounting error array: one ``(dataCode, message, source)`` per entry."""
    body = [
        {"$severity": "error", "$dataCode": code, "$message": message, "$source": source}
        for code, message, source in errors
    ]
    return json_response(body, status, headers)


def oauth_error(error: str, status: int = 400, description: str | None = None) -> web.Response:
    """Return an OAuth token-endpoint error ``{"error": ...}``."""
    body = {"error": error}
    if description:
        body["error_description"] = description
    return json_response(body, status)


def html_error(status: int = 502) -> web.Response:
    """Return the HTML error page a gateway sends."""
    text = (
        f"<html><head><title>{status} {phrase(status)}</title></head>"
        f"<body><center><h1>{status} {phrase(status)}</h1></center><hr>"
        "<center>sandbox-gateway</center></body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html")


class PageCache:
    """
    An LRU of rendered list pages, bounded by total bytes.

    Keys carry the collection's data version, so a mutation makes older pages unreachable
    (they age out) instead of being served stale.

    Args:
        max_bytes: the budget; ``0`` disables caching.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self._pages: OrderedDict[Any, bytes] = OrderedDict()

    def get(self, key: Any) -> bytes | None:
        """Return a cached page, or ``None``."""
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            self.hits += 1
        return page

    def put(self, key: Any, page: bytes) -> None:
        """Cache a page, evicting the least recently used ones beyond the budget."""
        if len(page) > self.max_bytes // 4 or key in self._pages:
            return
        self._pages[key] = page
        self.size += len(page)
        while self.size > self.max_bytes:
            _, old = self._pages.popitem(last=False)
            self.size -= len(old)
