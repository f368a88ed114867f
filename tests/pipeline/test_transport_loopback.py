"""
The transport's ``sent`` flag on real loopback failures, and what it decides: whether a POST may
be sent again.

``sent=False`` must mean "provably never left the client": a refused connection and a connect
timeout are provoked here with real sockets (no mocks), and a POST that met either is retried
and then reaches the server exactly once; a POST whose connection broke after it reached the
server is not repeated.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress

import pytest

from sage_async import AccountingClient, RetryEvent, RetryPolicy
from sage_async._errors import RequestTimeoutError, TransportError
from sage_async._request import Request
from sage_async._retry import request_was_sent
from sage_async._transport import Timeouts, Transport
from sage_async.testing import Sandbox


FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.01, retry_after_spread=0.0)
SHORT = Timeouts(connect=0.2, read=5.0, total=10.0)


def item(sandbox: Sandbox) -> dict[str, str]:
    """A valid stock item to create (its ledger accounts exist in the sandbox)."""
    ledger = sandbox.ids("accounting", "ledger_accounts", limit=1)[0]
    return {
        "item_code": "LOOP-1",
        "description": "loopback",
        "sales_ledger_account_id": ledger,
        "purchase_ledger_account_id": ledger,
    }


linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="a full accept queue drops SYNs on Linux (others may refuse)"
)


def closed_port() -> int:
    """A loopback port nothing listens on: bound by the kernel's choice, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def full_backlog() -> Iterator[int]:
    """
    A loopback port whose listener never accepts and whose accept queue is full, so that a new
    connection's SYN is dropped and connecting times out (the kernel never completes it).
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # room for one completed connection, which the first filler takes
        port: int = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(2)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                with suppress(BlockingIOError):  # the second one waits in vain: the point
                    filler.connect(("127.0.0.1", port))
            yield port
        finally:
            for filler in fillers:
                filler.close()


def post(port: int) -> Request:
    return Request("POST", f"http://127.0.0.1:{port}/accounting/v3.1/stock_items", body=b"{}")


async def test_a_refused_connection_was_not_sent() -> None:
    """Connection refused: TransportError with sent=False, so the retry policy may resend POST."""
    async with Transport(timeouts=SHORT) as transport:
        with pytest.raises(TransportError, match="cannot connect") as info:
            await transport.send(post(closed_port()))
    assert info.value.sent is False
    assert request_was_sent(info.value) is False
    assert FAST.decide(info.value, attempt=1, method="POST", sent=False) is not None


@linux_only
async def test_a_connect_timeout_was_not_sent() -> None:
    """Connect timeout: RequestTimeoutError with sent=False, unlike a read timeout."""
    with full_backlog() as port:
        async with Transport(timeouts=SHORT) as transport:
            with pytest.raises(RequestTimeoutError, match="connect timeout") as info:
                await transport.send(post(port))
    assert info.value.sent is False
    assert FAST.decide(info.value, attempt=1, method="POST", sent=False) is not None


@contextmanager
def refused() -> Iterator[int]:
    """A port that refuses connections."""
    yield closed_port()


@pytest.mark.parametrize(
    ("unreachable", "error"),
    [
        pytest.param(refused, "TransportError", id="refused"),
        pytest.param(full_backlog, "RequestTimeoutError", id="connect-timeout", marks=linux_only),
    ],
)
async def test_a_post_that_never_left_is_retried_and_created_once(
    unreachable: Callable[[], AbstractContextManager[int]], error: str
) -> None:
    """
    A POST whose first attempt could not connect is retried: the retry, once the server listens
    on that port, creates the record, and the server saw exactly one POST.
    """
    with ExitStack() as stack:
        port = stack.enter_context(unreachable())
        sandbox = Sandbox(port=port)
        events: list[object] = []

        async def on_event(event: object) -> None:
            events.append(event)
            if isinstance(event, RetryEvent) and sandbox.url not in serving:
                serving.add(sandbox.url)
                stack.close()  # free the port, then serve on it before the next attempt
                await sandbox.start()

        serving: set[str] = set()

        async with AccountingClient(
            access_token=str(sandbox.accounting_tokens()["access_token"]),
            base_url=sandbox.accounting_url,
            retry=FAST,
            timeouts=SHORT,
            on_event=on_event,
        ) as client:
            try:
                created = await client.stock_items.create(item(sandbox))
            finally:
                await sandbox.close()
    retries = [e for e in events if isinstance(e, RetryEvent)]
    assert [("POST", error, None)] == [(e.method, e.error, e.status) for e in retries]
    assert "LOOP-1" == created.item_code
    posts = [e for e in sandbox.log if e.method == "POST" and e.path == "/stock_items"]
    assert [201] == [e.status for e in posts]


async def test_a_post_cut_off_after_it_reached_the_server_is_not_repeated() -> None:
    """A POST whose response broke off may have created the record: sent=True, not retried."""
    async with Sandbox() as sandbox:
        sandbox.faults.reset(api="accounting", path="/stock_items", method="POST", times=1)
        async with AccountingClient(
            access_token=str(sandbox.accounting_tokens()["access_token"]),
            base_url=sandbox.accounting_url,
            retry=FAST,
            timeouts=SHORT,
        ) as client:
            with pytest.raises(TransportError) as info:
                await client.stock_items.create(item(sandbox))
    assert info.value.sent is True
    assert 1 == len([e for e in sandbox.log if e.method == "POST" and e.path == "/stock_items"])
