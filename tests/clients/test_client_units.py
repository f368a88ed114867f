"""Client behaviour that needs no server: lifecycle, secrets, URLs, OAuth helpers, validation."""

from __future__ import annotations

import base64
import hashlib
import pickle
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sage_async import (
    AccountingClient,
    APIError,
    ClientClosedError,
    ClientState,
    InsecureURLError,
    InvalidFilterError,
    InvalidParameterError,
    SalesClient,
    TokenSet,
    UnknownFieldError,
    UsageError,
    authorization_url,
    make_pkce,
)


SECRET = "very-secret-private-key"


def sales(**kw: object) -> SalesClient:
    return SalesClient(public_key="pk-1", private_key=SECRET, **kw)  # type: ignore[arg-type]


async def test_lifecycle_states_and_closed_client_errors() -> None:
    """A client is usable only while open; a closed one cannot be reopened."""
    client = sales()
    assert ClientState.UNOPENED == client.state
    with pytest.raises(ClientClosedError, match="not open yet"):
        await client.accounts.get(1)
    async with client:
        assert ClientState.OPEN == client.state
    assert ClientState.CLOSED == client.state
    with pytest.raises(ClientClosedError, match="was closed"):
        await client.accounts.get(1)
    with pytest.raises(ClientClosedError, match="cannot be reopened"):
        await client.open()


async def test_injected_session_is_left_open() -> None:
    """A session the caller passed in is theirs: closing the client does not close it."""
    async with aiohttp.ClientSession() as session:
        async with sales(session=session):
            pass
        assert not session.closed


async def test_own_session_is_closed() -> None:
    """A session the client created is closed with the client."""
    client = sales()
    async with client:
        session = client._transport._session
        assert session is not None
    assert session.closed


def test_secrets_never_in_reprs() -> None:
    """Keys and tokens appear in no repr."""
    client = sales()
    accounting = AccountingClient(
        access_token="tok-secret", refresh_token="refresh-secret", client_secret="cs-secret"
    )
    tokens = TokenSet(access_token="tok-secret", refresh_token="refresh-secret")
    shown = repr(client) + repr(accounting) + repr(tokens) + repr(make_pkce())
    for secret in (SECRET, "pk-1", "tok-secret", "refresh-secret", "cs-secret"):
        assert secret not in shown


@pytest.mark.parametrize(
    "url",
    ["http://api.forcemanager.com/api/v4", "http://10.0.0.1/api", "ftp://localhost/x"],
)
def test_plain_http_refused_except_loopback(url: str) -> None:
    """http:// is refused for anything but loopback hosts."""
    with pytest.raises(InsecureURLError):
        sales(base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/api", "http://localhost/x", "http://[::1]/"]
)
def test_plain_http_allowed_on_loopback(url: str) -> None:
    """Loopback (tests, the sandbox) may use plain http."""
    assert url.rstrip("/") == sales(base_url=url).base_url.rstrip("/")


def test_missing_keys_are_refused() -> None:
    """A Sales client without keys is refused at construction."""
    with pytest.raises(InvalidParameterError):
        SalesClient(public_key="", private_key="x")


def test_unknown_resource_suggests_close_names() -> None:
    """client.resource() with a typo names close resources."""
    with pytest.raises(UnknownFieldError, match="did you mean 'accounts'"):
        sales().resource("acounts")


def test_every_resource_of_the_specs_is_an_attribute() -> None:
    """Each resource in the generated tables is reachable as a typed attribute of its client."""
    for client in (sales(), AccountingClient(access_token="t")):
        for name, spec in client.resources.items():
            resource = getattr(client, name)
            assert spec is resource.spec
            assert resource is client.resource(name)


async def test_bad_list_parameters_raise_before_any_request() -> None:
    """Malformed filters, unknown fields and bad types fail without touching the network."""
    async with sales(base_url="http://127.0.0.1:9/api/v4") as client:  # nothing listens on :9
        with pytest.raises(InvalidFilterError, match="position"):
            await client.accounts.list(where="name = 'x' AND")
        with pytest.raises(UnknownFieldError, match="did you mean"):
            await client.accounts.list(where=client.accounts.fields.nmae == "x")
        with pytest.raises(InvalidParameterError):
            await client.accounts.list(page_size=5000)
        with pytest.raises(UsageError, match="does not support"):
            await client.users.delete(1)
    async with AccountingClient(access_token="t", base_url="http://127.0.0.1:9/v3.1") as acc:
        with pytest.raises(InvalidParameterError, match=r"currencies\.list\(\) got an unexpected"):
            await acc.currencies.list(out_of_stock=True)
        with pytest.raises(InvalidParameterError):
            await acc.stock_items.list(items_per_page=500)


def test_legacy_gateway_needs_region_and_key() -> None:
    """The legacy v3 gateway is chosen by region and needs a subscription key."""
    client = AccountingClient(access_token="t", region="uki", subscription_key="sub")
    assert "https://api.columbus.sage.com/uki/sageone/accounts/v3" == client.base_url
    with pytest.raises(InvalidParameterError):
        AccountingClient(access_token="t", region="uki")
    with pytest.raises(InvalidParameterError):
        AccountingClient(access_token="t", region="mars", subscription_key="sub")


def test_authorization_url_with_pkce() -> None:
    """The authorization URL keeps filter=apiv3.1 and carries the S256 challenge."""
    pkce = make_pkce()
    url = authorization_url("cid", "https://app/cb", state="s1", country="GB", pkce=pkce)
    query = parse_qs(urlsplit(url).query)
    assert ["apiv3.1"] == query["filter"]
    assert ["code"] == query["response_type"]
    assert ["gb"] == query["country"]
    assert ["S256"] == query["code_challenge_method"]
    digest = hashlib.sha256(pkce.verifier.encode()).digest()
    assert [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()] == query["code_challenge"]


def test_token_set_expiry() -> None:
    """A token set read from the token endpoint knows when it expires."""
    tokens = TokenSet.from_response(
        {"access_token": "a", "refresh_token": "r", "expires_in": 300}, now=1000.0
    )
    assert tokens.expires_within(30, now=1271.0)
    assert not tokens.expires_within(30, now=1200.0)


def test_api_errors_survive_pickling() -> None:
    """API errors keep their fields through pickle (multiprocessing, logging handlers)."""
    error = APIError("boom", status=500, method="GET", path="/x", codes=["900"])
    again = pickle.loads(pickle.dumps(error))
    assert (500, ("900",), "GET", "/x") == (again.status, again.codes, again.method, again.path)
    assert str(error) == str(again)
