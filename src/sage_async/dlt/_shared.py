"""One client for every resource of a source run, opened inside dlt's event loop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

from sage_async._client import BaseClient


__all__ = ["SharedClient"]

C = TypeVar("C", bound=BaseClient)


class SharedClient(Generic[C]):
    """
    Open one client when the first resource starts and close it when the last one ends.

    dlt evaluates the async generators of a source in its own event loop, so the client (its
    aiohttp session) must be made there, not where the source is built. Sharing it means one
    login, one token refresh (Accounting refresh tokens rotate: two clients refreshing the same
    token would lock each other out) and one rate governor for the whole run.

    Args:
        make: builds a new, unopened client.
    """

    def __init__(self, make: Callable[[], C]) -> None:
        self._make = make
        self._client: C | None = None
        self._users = 0

    @contextlib.asynccontextmanager
    async def use(self) -> AsyncIterator[C]:
        """The shared client, opened on first use."""
        if self._client is None:
            client = self._make()
            await client.open()
            self._client = client
        self._users += 1
        try:
            yield self._client
        finally:
            self._users -= 1
            if self._users == 0:
                client, self._client = self._client, None
                await client.aclose()
