"""
The Sage Sales Management API v4 client (formerly ForceManager).

Auth (sales FACTS "Authentication"): ``POST /login`` with ``{"username": public key, "password":
private key}`` answers ``{"token": ...}``, sent as ``X-Session-Key`` on every other call. The token
lifetime is not documented, so the client logs in lazily, keeps the token, and logs in again
when a call answers 401 — single-flight: however many calls hit the expired token at once, one
login happens and they all retry with the new token. A login is one attempt of the call that
needed it (that call's retry policy decides whether to try again), and a 429 on it pauses the
credential's governor like any other 429.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, overload

import aiohttp

from ._client import BaseClient, Event
from ._errors import AuthenticationError, InvalidParameterError, RateLimitError
from ._registry import GovernorRegistry
from ._request import build_request, sales_headers
from ._retry import RetryPolicy
from ._sales_meta import ValueLists
from ._sales_resource import SalesResource
from ._sansio import raise_for_response
from ._throttle import tenant_label
from ._transport import Timeouts
from .models.sales import RESOURCES
from .models.sales._accessors import SalesResources


if TYPE_CHECKING:
    from .models.sales import ResourceIndexEntry


__all__ = ["SALES_URL", "SalesClient"]

SALES_URL: Final = "https://api.forcemanager.com/api/v4"


class SalesClient(SalesResources, BaseClient):
    """
    Async client of the Sage Sales Management API v4.

    Use it as an async context manager; every resource of the API is an attribute::

        async with SalesClient(public_key=..., private_key=...) as client:
            account = await client.accounts.get(42)
            page = await client.accounts.list(where=client.accounts.fields.name.like("Acme%"))

    Args:
        public_key: the API public key (Settings > Integrations > API key management).
        private_key: the API private key; never logged or shown in a repr.
        base_url: the API root (the sandbox passes its own; plain http only for loopback).
        session: an aiohttp session to use (left open on close); by default the client owns one.
        timeouts: default connect/read/total timeouts, overridable per call.
        retry: the retry policy (900, 429, 5xx, timeouts and connection errors retry).
        rate: requests per second of the credential's plan: 4 (default) or 13; every client of
            one credential sharing a registry must be given the same rate.
        max_concurrency: ceiling of the adaptive concurrency of concurrent page fetching.
        registry: where rate governors are shared (default: one per process).
        strict: raise :class:`~sage_async.DriftError` when a payload deviates from the models.
        on_event: called with every retry and throttle event of this client's calls (may return
            an awaitable, which is awaited).
        verify_ssl: verify TLS certificates (default on).
    """

    api: ClassVar[Literal["sales"]] = "sales"
    resources: ClassVar[Mapping[str, Any]] = RESOURCES
    resource_class = SalesResource

    def __init__(
        self,
        *,
        public_key: str,
        private_key: str,
        base_url: str = SALES_URL,
        session: aiohttp.ClientSession | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        rate: float = 4.0,
        max_concurrency: int = 16,
        registry: GovernorRegistry | None = None,
        strict: bool = False,
        on_event: Callable[[Event], object] | None = None,
        verify_ssl: bool = True,
    ) -> None:
        if not public_key or not private_key:
            raise InvalidParameterError("SalesClient needs a public_key and a private_key")
        super().__init__(
            base_url=base_url, session=session, timeouts=timeouts, retry=retry, rate=rate,
            per=1.0, max_concurrency=max_concurrency, registry=registry, strict=strict,
            on_event=on_event, verify_ssl=verify_ssl,
        )  # fmt: skip
        self._public_key = public_key
        self._private_key = private_key
        self._token: str | None = None
        self._login_lock = asyncio.Lock()
        #: How many logins this client performed (tests and metrics).
        self.login_count = 0
        #: The tenant's custom value lists (``GET/POST /list``, rows, schemas).
        self.value_lists = ValueLists(self)

    @overload
    async def resource_index(self, *, raw: Literal[False] = False) -> list[ResourceIndexEntry]: ...
    @overload
    async def resource_index(self, *, raw: Literal[True]) -> list[dict[str, Any]]: ...
    async def resource_index(self, *, raw: bool = False) -> list[Any]:
        """
        Fetch the API's own index of its resources (``GET /resources``).

        Args:
            raw: return dicts instead of models.

        Returns:
            One :class:`~sage_async.models.sales.ResourceIndexEntry` per resource: its
            ``end_point``, its ``schema`` path and the ``operations`` allowed.
        """
        data = await self.request("GET", "/resources", expect="array")
        if raw:
            return list(data)
        from .models.sales import ResourceIndexEntry

        return self.converter.structure_list(data, ResourceIndexEntry)

    def _tenant(self) -> str:
        return self._public_key

    @property
    def tenant(self) -> str:
        """A stable label of the credential that does not reveal the key."""
        return tenant_label(self.api, self._public_key)

    async def _auth_headers(self) -> dict[str, str]:
        if self._token is None:
            await self._login(stale=None)
        return sales_headers(session_key=self._token)

    async def _reauthenticate(self, stale: Mapping[str, str]) -> bool:
        await self._login(stale=stale.get("X-Session-Key"))
        return True

    async def _login(self, *, stale: str | None) -> None:
        async with self._login_lock:
            if self._token is not None and self._token != stale:
                return  # another coroutine logged in while this one waited
            self._token = None
            # One attempt: the call that needs the token retries it within its own budget.
            data = await self._login_once()
            token = data.get("token") if isinstance(data, Mapping) else None
            if not isinstance(token, str) or not token:
                raise AuthenticationError(
                    "POST /login answered without a token", status=200, method="POST", path="/login"
                )
            self._token = token
            self._renewed()
            self.login_count += 1

    async def _login_once(self) -> Any:
        governor = self.governor
        await governor.acquire(self._emit)
        self._ensure_open()  # closed while this login waited for its rate slot
        request = build_request(
            "POST", self.base_url, "/login", headers=sales_headers(),
            json={"username": self._public_key, "password": self._private_key},
        )  # fmt: skip
        response = await self._transport.send(request)
        try:
            return raise_for_response(
                "sales", response.status, response.headers, response.body,
                method="POST", path=request.path, expect="object",
            )  # fmt: skip
        except RateLimitError as exc:
            # The login counts against the credential's rate: pause it like any 429.
            await self._notify(governor.penalize(exc.retry_after))
            raise

    def __repr__(self) -> str:
        return f"<SalesClient {self.base_url} {self.tenant} {self.state.value}>"
