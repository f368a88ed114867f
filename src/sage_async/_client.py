"""
The shared client: lifecycle, the request pipeline and the resource attributes.

One request goes: open-state check → retry loop (``_retry.call_with_retries``) → for each attempt:
auth headers (single-flight login or refresh) → build (``_request``) → rate governor slot
(``_throttle``) → send (``_transport``) → decode or raise (``_sansio``). A 429 pauses the whole
tenant and slows its rate down (successes bring it back); a 900 shrinks the tenant's page-window
ceiling.

Logins and refreshes are single attempts inside the call's one retry loop (a failing login
costs one attempt of the call, not a retry loop of its own). A 401 re-sends within the attempt:
at once when another call renewed the token meanwhile, after a renewal when the refused token
is still the current one, as often as that happens; a token refused although it was obtained
by the client (never accepted by the API since, by any call) counts: after
:data:`FRESH_TOKEN_REFUSALS` such tokens in a row the 401 is final, so credentials the API
refuses fail fast, while tokens invalidated under a busy run (accepted in between) are renewed
as often as that happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import difflib
import enum
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, ClassVar, Final, Literal, Self, TypeVar

import aiohttp

from ._converter import Converter
from ._errors import (
    ClientClosedError,
    DatabaseConnectionError,
    InvalidParameterError,
    RateLimitError,
    SageError,
    TransportError,
    UnknownFieldError,
    UsageError,
)
from ._registry import GovernorRegistry
from ._request import Params, Request, build_request, check_base_url, safe_path
from ._resource import Resource
from ._resource_spec import ResourceSpec
from ._retry import RetryEvent, RetryPolicy, call_with_retries
from ._sansio import Shape, raise_for_response
from ._throttle import RateGovernor, ThrottleEvent
from ._transport import Response, Timeouts, Transport


__all__ = ["FRESH_TOKEN_REFUSALS", "BaseClient", "ClientState", "Event"]

_T = TypeVar("_T")

logger = logging.getLogger("sage_async")
Event = RetryEvent | ThrottleEvent
#: How many times one attempt renews a token that the API refused although it was obtained
#: for that attempt: servers may invalidate tokens several times in a row (a burst of
#: invalidations), while credentials the API never accepts must fail fast.
FRESH_TOKEN_REFUSALS: Final = 2
#: The same bound once the API has accepted one of the client's tokens: the credentials are
#: good, and tokens invalidated before their first use are churn (a busy run, many calls).
CHURN_REFUSALS: Final = 16
#: Renewals one attempt may make after 401s on tokens the API had accepted (a server that
#: alternates between accepting and refusing must not keep one call looping).
MAX_RENEWALS: Final = 32
#: Clients of one process share governors, so two clients of a tenant share its rate limit
#: (across threads and event loops too: governors are thread-safe).
DEFAULT_REGISTRY = GovernorRegistry()
#: Per-task overrides set by :meth:`BaseClient.options`, keyed by client id.
_OPTIONS: contextvars.ContextVar[dict[int, tuple[Timeouts | None, RetryPolicy | None]]] = (
    contextvars.ContextVar("sage_async_options", default={})  # noqa: B039 - never mutated
)
#: Per-task event listeners set by :func:`listening` (an export run's counters): (client id, fn).
_LISTENERS: contextvars.ContextVar[tuple[tuple[int, Callable[[Event], object]], ...]] = (
    contextvars.ContextVar("sage_async_listeners", default=())
)


@contextlib.contextmanager
def listening(client: BaseClient, listener: Callable[[Event], object]) -> Iterator[None]:
    """
    Strictly private: call ``listener`` with the events of ``client`` emitted by this task and
    the tasks it starts meanwhile (not other tasks' calls), besides the client's ``on_event``.
    """
    token = _LISTENERS.set((*_LISTENERS.get(), (id(client), listener)))
    try:
        yield
    finally:
        _LISTENERS.reset(token)


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
    #: Counts the tokens this client obtained (login, refresh); 0 is the one it was given.
    _auth_generation: int = 0
    #: The newest token generation the API accepted (answered 2xx).
    _auth_proven: int = 0
    #: Consecutive tokens refused before the API accepted any request with them.
    _auth_refused: int = 0
    #: The newest generation counted in ``_auth_refused`` (each token counts once).
    _auth_counted: int = -1
    #: Set when the one request trying a new (not yet accepted) token has its answer.
    _probe: asyncio.Event | None = None
    #: The event loop the client was opened in (its session and locks belong to it).
    _loop: asyncio.AbstractEventLoop | None = None

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
            self._loop = asyncio.get_running_loop()
            self._state = ClientState.OPEN
        else:
            self._ensure_loop()

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

    def _ensure_loop(self) -> None:
        # Its session, connections and locks belong to the loop it was opened in; another
        # loop would fail deep inside aiohttp or asyncio with a bare RuntimeError.
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            raise UsageError(
                f"this {type(self).__name__} belongs to another event loop; "
                "create one client per loop"
            )

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

    def collection(self, path: str) -> Resource[dict[str, Any], dict[str, Any]]:
        """
        Return a resource for any collection path, including ones the specs do not model.

        The escape hatch for what Sage ships tomorrow: ``list``, ``get``, ``iterate`` and
        ``pages`` (concurrent, rate-governed, retried, deduplicated, cancellable: the whole
        pipeline), ``create``, ``update`` and ``delete``, always in raw mode (dicts), with the
        API's paging rules (Sales 0-based arrays, Accounting ``$items`` envelopes). Parameters
        are passed through unchecked (values rendered by their Python type)::

            async for row in client.collection("/new_things").iterate(attributes="all"):
                ...

        Args:
            path: the collection path below the base URL (``/things`` or ``things``).

        Raises:
            InvalidParameterError: a path that is empty, absolute (a URL) or has a query.
        """
        text = path.strip() if type(path) is str else ""  # runtime check of untyped callers
        if not text.strip("/") or "://" in text or "?" in text or "#" in text:
            raise InvalidParameterError(
                f"collection() needs a path below the API root such as '/things', not {path!r}"
            )
        text = "/" + text.strip("/")
        spec = ResourceSpec(
            name=text,
            path=text,
            model=dict,
            write_model=None,
            wrap_key=None,
            id_type="integer" if self.api == "sales" else "string",
            operations=frozenset({"list", "get", "create", "update", "delete"}),
        )
        return self.resource_class(self, spec, open=True)

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

    def _renewed(self) -> None:
        """Record that a new token replaced the current one (called by login and refresh)."""
        self._auth_generation += 1

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
        expect: Shape | None = None,
        binary: bool = False,
    ) -> Any:
        """
        Send one API request through the whole pipeline and return its decoded JSON.

        Args:
            method: HTTP method.
            path: path below the base URL (``/accounts/12``), each segment already
                percent-encoded (:func:`~sage_async._request.item_path`); sent as is.
            params: query parameters.
            json: a JSON body.
            headers: extra headers.
            timeouts: timeouts for this call only.
            where: the ``where`` sent (Sales), so a 901 error can show it.
            order: the ``order`` sent (Sales), likewise.
            retry: a retry policy for this call only.
            expect: the shape a successful body must have (``"object"``, ``"array"``, or
                ``"items"`` for an Accounting ``$items`` envelope); anything else, an empty
                body included, is a :class:`~sage_async.DecodeError` retried like a cut body.
            binary: return a successful body as bytes instead of decoding it (file downloads).

        Returns:
            The decoded JSON body (``None`` for an empty body when no shape is expected), or
            the bytes with ``binary``.

        Raises:
            ClientClosedError: the client is not open, or was closed during the call.
            UsageError: the call was made from another event loop than the client's.
            APIError: the API answered with an error (after retries where allowed).
            TransportError: the request could not be completed (after retries).
            DecodeError: the body is not JSON, or not of the expected shape (after retries).
        """
        self._ensure_open()
        self._ensure_loop()
        shown = safe_path(path)
        overrides = _OPTIONS.get()
        timeouts = timeouts or overrides.get(id(self), (None, None))[0]
        retry = retry or overrides.get(id(self), (None, None))[1]

        async def attempt() -> Any:
            return await self._send(
                method, path, params=params, json=json, headers=headers, timeouts=timeouts,
                where=where, order=order, expect=expect, binary=binary,
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
        expect: Shape | None = None,
        binary: bool = False,
    ) -> Any:
        governor = self.governor
        renewals = 0
        while True:
            # Credentials first (a login may have to happen), then the rate slot: a slot is
            # followed by its send at once, so the server sees requests paced as they were let
            # through (a slot taken before a login would go out in a burst after it).
            auth = await self._authenticate(self._auth_headers())
            generation = self._auth_generation  # read with no await since the headers were
            probe = self._probe
            if self._auth_proven < generation and probe is not None and not probe.is_set():
                # A new token is being tried by one request: wait for its answer rather than
                # send a window of requests that an invalidation could all spend at once.
                await probe.wait()
                continue
            probing = self._auth_proven < generation
            if probing:
                self._probe = asyncio.Event()
            try:
                request = build_request(
                    method, self.base_url, path, headers={**auth, **(headers or {})},
                    params=params, json=json,
                )  # fmt: skip
                await governor.acquire(self._emit)
                response = await self._transmit(request, timeouts, governor)
                if response.status == 401:
                    if generation != self._auth_generation:
                        continue  # renewed by another call meanwhile: re-send with the new token
                    if self._auth_proven < generation and self._auth_counted < generation:
                        # The current token was refused before the API ever accepted it:
                        # counted once per token, across every call, reset by any success.
                        self._auth_counted = generation
                        self._auth_refused += 1
                    renewals += 1
                    # Before the API ever accepted a token of this client, a few refused tokens
                    # in a row mean the credentials are refused; after, tokens are being
                    # invalidated under a busy run (churn) and more renewals are allowed.
                    bound = CHURN_REFUSALS if self._auth_proven > 0 else FRESH_TOKEN_REFUSALS
                    if (
                        self._auth_refused <= bound
                        and renewals <= MAX_RENEWALS
                        and await self._authenticate(self._reauthenticate(auth))
                    ):
                        continue
                elif 200 <= response.status < 300:
                    self._auth_proven = max(self._auth_proven, generation)
                    self._auth_refused = 0
            finally:
                if probing and self._probe is not None:
                    self._probe.set()
            try:
                if binary and 200 <= response.status < 300:
                    data: Any = response.body
                else:
                    data = raise_for_response(
                        self.api, response.status, response.headers, response.body,
                        method=request.method, path=request.path, where=where, order=order,
                        expect=expect,
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

    async def _authenticate(self, step: Awaitable[_T]) -> _T:
        """Await a login/refresh step; its failure means this call's request was not sent."""
        try:
            result = await step
        except SageError as exc:
            # The call's own request did not go out (or was refused with 401): retrying it
            # cannot repeat a write, so the outer retry loop may repeat even a POST.
            exc.sent = False
            raise
        self._ensure_open()  # closed while this call waited for a login
        return result

    async def _transmit(
        self, request: Request, timeouts: Timeouts | None, governor: RateGovernor
    ) -> Response:
        self._ensure_open()  # closed while this call waited for its rate slot
        sent = time.monotonic()
        try:
            response = await self._transport.send(request, timeouts=timeouts)
        except TransportError as exc:
            if self._state is ClientState.CLOSED:  # the session went away under this request
                raise ClientClosedError(
                    f"{type(self).__name__} was closed while {request.method} {request.path} "
                    "was in flight"
                ) from exc
            raise
        governor.observe_latency(time.monotonic() - sent)
        return response

    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        chunk_size: int = 65536,
    ) -> AsyncIterator[bytes]:
        """
        Send one request and yield its successful body in chunks (large file downloads).

        Authentication (one re-login or refresh on a 401) and the tenant's rate governor apply
        as for :meth:`request`; the request is not retried once the body has started, so a
        broken stream raises :class:`~sage_async.TransportError` and the caller starts again.

        Raises:
            APIError: the API answered with an error status.
            TransportError: the connection failed or broke.
        """
        self._ensure_open()
        self._ensure_loop()
        governor = self.governor
        for attempt in (1, 2):
            auth = await self._authenticate(self._auth_headers())
            request = build_request(
                method, self.base_url, path, headers={**auth, **(headers or {})}, params=params
            )
            await governor.acquire(self._emit)
            async with self._transport.stream(request) as response:
                if response.status == 401 and attempt == 1 and await self._reauthenticate(auth):
                    continue
                if not 200 <= response.status < 300:
                    raise_for_response(
                        self.api, response.status, response.headers, await response.read(),
                        method=request.method, path=request.path,
                    )  # fmt: skip
                async for chunk in response.iter_chunked(chunk_size):
                    yield chunk
                return

    def _emit(self, event: Event) -> Awaitable[object] | object:
        for owner, listener in _LISTENERS.get():
            if owner == id(self):
                listener(event)
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
