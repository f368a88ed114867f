"""
The transport: one coroutine that moves a :class:`Request` over an aiohttp session.

This is the only module that talks to aiohttp on the client side and the one place where its
exceptions (and asyncio timeouts) become :class:`~sage_async.TransportError`. The body is read
inside ``async with``, so the connection goes back to the pool (or is closed, on cancellation)
before anything else happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType

import aiohttp
import attrs
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from ._errors import ClientClosedError, RequestTimeoutError, TransportError
from ._request import Request


__all__ = ["Response", "StreamedResponse", "Timeouts", "Transport"]


@attrs.frozen
class Timeouts:
    """
    Request timeouts in seconds (``None`` disables one).

    Attributes:
        connect: to obtain a connection (DNS, TCP, TLS).
        read: between two reads of the response.
        total: for the whole request, body included.
    """

    connect: float | None = 10.0
    read: float | None = 60.0
    total: float | None = 120.0

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """Return the equivalent :class:`aiohttp.ClientTimeout`."""
        return aiohttp.ClientTimeout(
            total=self.total, sock_connect=self.connect, sock_read=self.read
        )


@attrs.frozen
class Response:
    """A complete response: status, headers (case-insensitive) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport:
    """
    Send requests over an :class:`aiohttp.ClientSession`.

    Args:
        session: a session to use; it is left open on :meth:`aclose` (the caller owns it).
            Without one, the transport creates its own on :meth:`open` and closes it.
        timeouts: default timeouts, overridable per request.
        limit: the connection pool size of a session the transport creates.
        verify_ssl: verify TLS certificates (on by default; turn off only for test proxies).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        timeouts: Timeouts | None = None,
        limit: int = 64,
        verify_ssl: bool = True,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self.timeouts = timeouts or Timeouts()
        self._limit = limit
        self._verify_ssl = verify_ssl

    async def open(self) -> None:
        """Create the session if none was injected."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._limit, ssl=self._verify_ssl)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self.timeouts.to_aiohttp(), raise_for_status=False
            )

    async def aclose(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Transport:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def send(self, request: Request, *, timeouts: Timeouts | None = None) -> Response:
        """
        Send ``request`` and read the whole response body.

        Args:
            request: the request to send.
            timeouts: timeouts for this request only.

        Returns:
            The response; any status is returned, deciding what it means is the sans-I/O core's job.

        Raises:
            ClientClosedError: the transport is not open (never opened, or closed).
            TransportError: the connection failed or broke (``sent`` says whether it left).
            RequestTimeoutError: a timeout elapsed.
        """
        if self._session is None or self._session.closed:
            raise ClientClosedError("the client's HTTP session is closed (or was never opened)")
        timeout = (timeouts or self.timeouts).to_aiohttp()
        # The URL is already percent-encoded (item keys by item_path): parsing it again would
        # decode %3B to ";" and resolve "%2E%2E" segments, changing what the server sees.
        url = yarl.URL(request.url, encoded=True)
        try:
            async with self._session.request(
                request.method,
                url,
                params=list(request.params),
                headers=dict(request.headers),
                data=request.body,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return Response(response.status, _headers(response.headers), body)
        except aiohttp.ConnectionTimeoutError as exc:
            raise RequestTimeoutError(
                "connect timeout", method=request.method, path=request.path, sent=False
            ) from exc
        except TimeoutError as exc:  # asyncio and aiohttp read/total timeouts
            raise RequestTimeoutError(
                "request timed out", method=request.method, path=request.path
            ) from exc
        except aiohttp.ClientConnectorError as exc:  # DNS, refused, TLS: never reached the server
            raise TransportError(
                f"cannot connect: {type(exc).__name__}",
                method=request.method,
                path=request.path,
                sent=False,
            ) from exc
        except aiohttp.ClientPayloadError as exc:
            raise TransportError(
                "response body cut short", method=request.method, path=request.path
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"connection failed: {type(exc).__name__}", method=request.method, path=request.path
            ) from exc

    @contextlib.asynccontextmanager
    async def stream(
        self, request: Request, *, timeouts: Timeouts | None = None
    ) -> AsyncIterator[StreamedResponse]:
        """
        Send ``request`` and hand out the response before its body is read.

        The connection is released when the ``async with`` block ends.

        Raises:
            TransportError: the connection failed (``sent`` says whether it left).
            RequestTimeoutError: a timeout elapsed.
        """
        if self._session is None:
            raise RuntimeError("Transport.stream() before open()")
        timeout = (timeouts or self.timeouts).to_aiohttp()
        try:
            response = await self._session.request(
                request.method, request.url, params=list(request.params),
                headers=dict(request.headers), data=request.body, timeout=timeout,
                allow_redirects=False,
            )  # fmt: skip
        except aiohttp.ClientConnectorError as exc:
            raise TransportError(
                f"cannot connect: {type(exc).__name__}", method=request.method,
                path=request.path, sent=False,
            ) from exc  # fmt: skip
        except TimeoutError as exc:
            raise RequestTimeoutError(
                "request timed out", method=request.method, path=request.path
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"connection failed: {type(exc).__name__}", method=request.method, path=request.path
            ) from exc
        try:
            yield StreamedResponse(response, request)
        finally:
            response.release()


class StreamedResponse:
    """
    A response whose body is read on demand (large downloads). Strictly private: handed out
    by :meth:`Transport.stream`; errors while reading become :class:`TransportError`.
    """

    def __init__(self, response: aiohttp.ClientResponse, request: Request) -> None:
        self.status = response.status
        self.headers: Mapping[str, str] = _headers(response.headers)
        self._response = response
        self._request = request

    async def read(self) -> bytes:
        """Read the whole (remaining) body."""
        with _mapped(self._request):
            return await self._response.read()

    async def iter_chunked(self, size: int) -> AsyncIterator[bytes]:
        """Yield the body in chunks of at most ``size`` bytes."""
        with _mapped(self._request):
            async for chunk in self._response.content.iter_chunked(size):
                yield chunk


@contextlib.contextmanager
def _mapped(request: Request) -> Iterator[None]:
    """Translate aiohttp's exceptions while a streamed body is read."""
    try:
        yield
    except TimeoutError as exc:
        raise RequestTimeoutError(
            "request timed out", method=request.method, path=request.path
        ) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise TransportError(
            f"connection failed: {type(exc).__name__}", method=request.method, path=request.path
        ) from exc


def _headers(headers: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    return CIMultiDict(headers)
