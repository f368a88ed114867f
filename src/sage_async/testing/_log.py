"""
The sandbox's request log: what a client did, for tests to assert on.

Each request leaves one :class:`LogEntry` (method, path, query, status, time, API, tenant label,
the fault applied). Secrets never enter it: tokens and keys travel in headers and bodies, which
are not logged, and query parameters that can carry one (``subscription-key``, ``code``...) are
replaced by ``***``. Tenants are labels (the Sales credential label, the Accounting business id),
never keys. The log is bounded (oldest entries drop first) so a million-record run stays flat.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Final

import attrs


__all__ = ["REDACTED", "LogEntry", "RequestLog", "redact"]

REDACTED: Final = "***"
SECRET_PARAMS: Final = frozenset(
    {
        "subscription-key",
        "code",
        "code_verifier",
        "refresh_token",
        "client_secret",
        "access_token",
        "token",
        "password",
        "key",
    }
)


def redact(query: Mapping[str, str]) -> dict[str, str]:
    """Return ``query`` with the values of secret-bearing parameters replaced by ``***``."""
    return {k: REDACTED if k.lower() in SECRET_PARAMS else v for k, v in query.items()}


@attrs.frozen
class LogEntry:
    """
    One request the sandbox answered.

    Attributes:
        time: when the request arrived (sandbox clock).
        api: ``"sales"``, ``"accounting"``, ``"legacy"``, ``"oauth"`` or ``"other"``.
        method: the HTTP method.
        path: the path relative to the API base (``/accounts/3``; full path for ``other``),
            percent-decoded as the routes see it.
        query: the query parameters, secrets redacted.
        status: the HTTP status sent (0 when the connection was cut before a status).
        tenant: the credential label (Sales) or business id (Accounting), if authenticated.
        fault: the kind of the injected fault that shaped the answer, if any.
        duration: seconds spent answering.
        raw_path: ``path`` as it came over the wire, percent-encoding kept (``/accounts/1%3B2``).
    """

    time: datetime
    api: str
    method: str
    path: str
    query: Mapping[str, str]
    status: int
    tenant: str | None = None
    fault: str | None = None
    duration: float = 0.0
    raw_path: str = ""


class RequestLog:
    """
    The bounded list of :class:`LogEntry` of a sandbox, oldest first.

    Args:
        maxlen: how many entries are kept.
    """

    def __init__(self, maxlen: int = 100_000) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=maxlen)

    def append(self, entry: LogEntry) -> None:
        """Record one entry."""
        self._entries.append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(list(self._entries))

    @property
    def entries(self) -> list[LogEntry]:
        """A snapshot of every kept entry."""
        return list(self._entries)

    def filter(
        self,
        *,
        api: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        fault: str | None = None,
    ) -> list[LogEntry]:
        """
        Return the entries matching every given criterion.

        Args:
            api: the API (``"sales"``, ``"accounting"``...).
            method: the HTTP method (case-insensitive).
            path: a glob on the relative path (``/accounts*``).
            status: the HTTP status.
            fault: the fault kind.

        Returns:
            The matching entries, oldest first.
        """
        return [
            e
            for e in self._entries
            if (api is None or e.api == api)
            and (method is None or e.method == method.upper())
            and (path is None or fnmatch.fnmatchcase(e.path, path))
            and (status is None or e.status == status)
            and (fault is None or e.fault == fault)
        ]

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
