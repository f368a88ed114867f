"""
The shared client: lifecycle, the request pipeline and the resource attributes.

One request goes: open-state check → retry loop (``_retry.call_with_retries``) → for each attempt:
auth headers (single-flight login or refresh) → build (``_request``) → rate governor slot
(``_throttle``) → send (``_transport``) → decode or raise (``_sansio``). A 401 re-authenticates
once and re-sends within the same attempt; a 429 pauses the whole tenant and slows its rate down
(successes bring it back); a 900 shrinks the tenant's page-window ceiling.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import enum
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, ClassVar, Literal, Self

import aiohttp

from ._converter import Converter
from ._errors import (
    ClientClosedError,
    DatabaseConnectionError,
    RateLimitError,
    UnknownFieldError,
)
from ._registry import GovernorRegistry
from ._request import Params, build_request, check_base_url, safe_path
from ._resource import Resource
from ._resource_spec import ResourceSpec
from ._retry import RetryEvent, RetryPolicy, call_with_retries
from ._sansio import raise_for_response
from ._throttle import RateGovernor, ThrottleEvent
from ._transport import Response, Timeouts, Transport


__all__ = ["BaseClient", "ClientState", "Event"]

logger = logging.getLogger("sage_async")
Event = RetryEvent | ThrottleEvent
#: Clients of one process share governors, so two clients of a tenant share its rate limit
#: (across threads and event loops too: governors are thread-safe).
DEFAULT_REGISTRY = GovernorRegistry()
#: Per-task overrides set by :meth:`BaseClient.options`, keyed by client id.
_OPTIONS: contextvars.ContextVar[dict[int, tuple[Timeouts | None, RetryPolicy | None]]] = (
    contextvars.ContextVar("sage_async_options", default={})  # noqa: B039 - never mutated
)


class ClientState(enum.Enum):
    """Where a client is in its life: not yet opened, open, or closed for good."""

    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class BaseClient:
    """
    What both API clients share. Strictly private: use :class:`~sage_async.SalesClient` or
    :class:`~sage_async.AccountingClient`.
    """

    api: ClassVar[Literal["sales", "accounting"]]
    resources: ClassVar[Mapping[str, ResourceSpec]]
    resource_class: ClassVar[type[Resource[Any, Any]]]

    def __init__(
        self,
        *,
        base_url: str,
        session: aiohttp.ClientSession | None,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        rate: float | None,
        per: float | None,
        max_concurrency: int,
        registry: GovernorRegistry | None,
        strict: bool,
        on_event: Callable[[Event], object] | None,
        verify_ssl: bool,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.converter = Converter(strict=strict)
        self.retry = retry or RetryPolicy()
        self.on_event = on_event
        self._transport = Transport(session, timeouts=timeouts, verify_ssl=verify_ssl)
        # An empty registry is falsy (it has a length): test for None, not truth.
        self._registry = registry if registry is not None else DEFAULT_REGISTRY
        self._governor: tuple[str, RateGovernor] | None = None
        self._rate, self._per = rate, per
        #: The most pages in flight per pagination run (the tenant's adaptive limit may lower it).
        self.max_concurrency = max_concurrency
        self._state = ClientState.UNOPENED
        self._resources: dict[str, Resource[Any, Any]] = {}

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def state(self) -> ClientState:
        """The client's state: UNOPENED, OPEN or CLOSED."""
        return self._state

    async def open(self) -> None:
        """
        Open the client (``async with`` does it for you).

        Raises:
            ClientClosedError: the client was closed; a closed client cannot be reopened.
        """
        if self._state is ClientState.CLOSED:
            raise ClientClosedError(f"{type(self).__name__} is closed and cannot be reopened")
        if self._state is ClientState.UNOPENED:
            await self._transport.open()
            self._state = ClientState.OPEN

    async def aclose(self) -> None:
        """Close the client and the session it created (an injected session stays open)."""
        if self._state is not ClientState.CLOSED:
            self._state = ClientState.CLOSED
            await self._transport.aclose()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _ensure_open(self) -> None:
        if self._state is not ClientState.OPEN:
            verb = "was closed" if self._state is ClientState.CLOSED else "is not open yet"
            hint = "" if self._state is ClientState.CLOSED else " (use `async with client:`)"
            raise ClientClosedError(f"{type(self).__name__} {verb}{hint}")

    @contextlib.contextmanager
    def options(
        self, *, timeouts: Timeouts | None = None, retry: RetryPolicy | None = None
    ) -> Iterator[Self]:
        """
        Override timeouts and the retry policy for the calls made inside the ``with`` block.

        The override belongs to the current task (and to the page tasks it starts), so other
        coroutines sharing the client are not affected::

            with client.options(timeouts=Timeouts(total=5), retry=RetryPolicy(max_attempts=1)):
                account = await client.accounts.get(42)
        """
        current = dict(_OPTIONS.get())
        previous = current.get(id(self), (None, None))
        current[id(self)] = (timeouts or previous[0], retry or previous[1])
        token = _OPTIONS.set(current)
        try:
            yield self
        finally:
            _OPTIONS.reset(token)

    # --- resources ---------------------------------------------------------------------------

    def resource(self, name: str) -> Resource[Any, Any]:
        """
        Return the resource called ``name`` (also available as an attribute, typed).

        Raises:
            UnknownFieldError: no resource has that name (with close names as a hint).
        """
        found = self._resources.get(name)
        if found is None:
            spec = self.resources.get(name)
            if spec is None:
                close = difflib.get_close_matches(name, list(self.resources), n=3)
                hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                raise UnknownFieldError(f"{type(self).__name__} has no resource {name!r}{hint}")
            found = self._resources[name] = self.resource_class(self, spec)
        return found

    def _resource(self, name: str) -> Resource[Any, Any]:
        return self.resource(name)

    # --- tenant ------------------------------------------------------------------------------

    @property
    def tenant(self) -> str:
        """A stable label of the tenant whose data this client reads (reveals no key)."""
        raise NotImplementedError

    def _tenant(self) -> str:
        """The key the tenant's governor is shared under (never shown)."""
        raise NotImplementedError

    @property
    def governor(self) -> RateGovernor:
        """
        The rate governor of this client's tenant (shared with its other clients).

        Resolved once per tenant: again only when the tenant changes (an Accounting client
        without ``business_id`` learns its business from the first response). The governor
        serves every event loop, so the client needs no other per-loop state for throttling.

        Raises:
            UsageError: another client of the same tenant was given a different rate.
        """
        tenant = self._tenant()
        resolved = self._governor
        if resolved is None or resolved[0] != tenant:
            governor = self._registry.get(
                self.api,
                tenant,
                rate=self._rate,
                per=self._per,
                max_concurrency=self.max_concurrency,
            )
            resolved = self._governor = (tenant, governor)
        return resolved[1]

    # --- auth hooks (per API) ----------------------------------------------------------------

    async def _auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    async def _reauthenticate(self, stale: Mapping[str, str]) -> bool:
        """Renew credentials after a 401 on ``stale`` headers; False when that is impossible."""
        raise NotImplementedError

    def _check_response(self, response: Response, path: str) -> None:
        """Inspect a successful response (Accounting: the X-Business header)."""

    # --- the pipeline ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeouts: Timeouts | None = None,
        where: str | None = None,
        order: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """
        Send one API request through the whole pipeline and return its decoded JSON.

        Args:
            method: HTTP method.
            path: path below the base URL (``/accounts/12``).
            params: query parameters.
            json: a JSON body.
            headers: extra headers.
            timeouts: timeouts for this call only.
            where: the ``where`` sent (Sales), so a 901 error can show it.
            order: the ``order`` sent (Sales), likewise.
            retry: a retry policy for this call only.

        Returns:
            The decoded JSON body (``None`` for an empty body).

        Raises:
            ClientClosedError: the client is not open.
            APIError: the API answered with an error (after retries where allowed).
            TransportError: the request could not be completed (after retries).
            DecodeError: the body is not JSON.
        """
        self._ensure_open()
        shown = safe_path(path)
        overrides = _OPTIONS.get()
        timeouts = timeouts or overrides.get(id(self), (None, None))[0]
        retry = retry or overrides.get(id(self), (None, None))[1]

        async def attempt() -> Any:
            return await self._send(
                method, path, params=params, json=json, headers=headers, timeouts=timeouts,
                where=where, order=order,
            )  # fmt: skip

        return await call_with_retries(
            attempt, policy=retry or self.retry, method=method, path=shown, on_event=self._emit
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None,
        json: Any,
        headers: Mapping[str, str] | None,
        timeouts: Timeouts | None,
        where: str | None,
        order: str | None,
    ) -> Any:
        governor = self.governor
        reauthenticated = False
        while True:
            # Credentials first (a login may have to happen), then the rate slot: a slot is
            # followed by its send at once, so the server sees requests paced as they were let
            # through (a slot taken before a login would go out in a burst after it).
            auth = await self._auth_headers()
            request = build_request(
                method, self.base_url, path, headers={**auth, **(headers or {})},
                params=params, json=json,
            )  # fmt: skip
            await governor.acquire(self._emit)
            sent = time.monotonic()
            response = await self._transport.send(request, timeouts=timeouts)
            governor.observe_latency(time.monotonic() - sent)
            if response.status == 401 and not reauthenticated:
                reauthenticated = True
                if await self._reauthenticate(auth):
                    continue
            try:
                data = raise_for_response(
                    self.api, response.status, response.headers, response.body,
                    method=request.method, path=request.path, where=where, order=order,
                )  # fmt: skip
            except RateLimitError as exc:
                await self._notify(governor.penalize(exc.retry_after))
                raise
            except DatabaseConnectionError:
                governor.concurrency.on_throttle()
                raise
            self._check_response(response, request.path)
            await self._notify(governor.on_success())  # the tenant's rate grows back (AIMD)
            return data

    def _emit(self, event: Event) -> Awaitable[object] | object:
        if self.on_event is not None:
            return self.on_event(event)
        return None

    async def _notify(self, events: Iterable[ThrottleEvent]) -> None:
        """Pass throttle events this client's request caused to ``on_event`` (awaited if async)."""
        for event in events:
            result = self._emit(event)
            if inspect.isawaitable(result):
                await result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} {self._state.value}>"
