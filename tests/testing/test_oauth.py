"""The sandbox's OAuth2 endpoints: code exchange with PKCE, rotating refresh, expiry."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from sage_async.testing import Sandbox, pkce_challenge

from .conftest import get_json


async def _token(
    http: aiohttp.ClientSession, sb: Sandbox, **form: str
) -> tuple[int, dict[str, Any]]:
    creds = sb.accounting_credentials
    data = {"client_id": creds.client_id, "client_secret": creds.client_secret, **form}
    async with http.post(sb.token_url, data=data) as resp:
        return resp.status, await resp.json()


async def test_authorize_redirects_and_pkce_code_exchange(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """The authorize redirect carries a code; exchanging it checks PKCE and is single use."""
    creds = sb.accounting_credentials
    verifier = "v" * 50
    params = {
        "client_id": creds.client_id,
        "redirect_uri": creds.redirect_uri,
        "response_type": "code",
        "state": "xyz",
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    async with http.get(sb.authorize_url, params=params, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(creds.redirect_uri)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": creds.redirect_uri}
    status, body = await _token(http, sb, **grant, code_verifier="wrong")
    assert (status, body["error"]) == (400, "invalid_grant")
    code = sb.authorization_code(code_verifier=verifier)
    grant["code"] = code
    status, body = await _token(http, sb, **grant, code_verifier=verifier)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 300
    assert body["refresh_token_expires_in"] == 2678400
    status, again = await _token(http, sb, **grant, code_verifier=verifier)
    assert (status, again["error"]) == (400, "invalid_grant")
    status, _, _ = await get_json(
        http,
        f"{sb.accounting_url}/contacts",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert status == 200


async def test_refresh_tokens_rotate(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """A refresh returns a new refresh token; the old one then fails with invalid_grant."""
    first = sb.accounting_tokens()["refresh_token"]
    status, body = await _token(http, sb, grant_type="refresh_token", refresh_token=str(first))
    assert status == 200
    second = body["refresh_token"]
    assert second != first
    status, body = await _token(http, sb, grant_type="refresh_token", refresh_token=str(first))
    assert (status, body) == (400, {"error": "invalid_grant"})
    status, _ = await _token(http, sb, grant_type="refresh_token", refresh_token=second)
    assert status == 200


async def test_access_token_expires_after_lifetime(http: aiohttp.ClientSession) -> None:
    """Access tokens die after the configured lifetime; a refresh brings a working one."""
    async with Sandbox(access_token_ttl=10) as sb:
        tokens = sb.accounting_tokens()
        assert tokens["expires_in"] == 10
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await get_json(http, f"{sb.accounting_url}/contacts", headers=headers))[0] == 200
        sb.clock.advance(11)
        assert (await get_json(http, f"{sb.accounting_url}/contacts", headers=headers))[0] == 401
        grant = {"grant_type": "refresh_token", "refresh_token": str(tokens["refresh_token"])}
        status, body = await _token(http, sb, **grant)
        assert status == 200
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert (await get_json(http, f"{sb.accounting_url}/contacts", headers=headers))[0] == 200


async def test_token_endpoint_errors(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Bad client → 401 invalid_client; unknown grant → unsupported_grant_type; JSON refused."""
    bad = {"client_id": "x", "client_secret": "y", "grant_type": "refresh_token"}
    async with http.post(sb.token_url, data=bad) as resp:
        assert (resp.status, await resp.json()) == (401, {"error": "invalid_client"})
    status, body = await _token(http, sb, grant_type="password")
    assert (status, body) == (400, {"error": "unsupported_grant_type"})
    async with http.post(sb.token_url, json={"grant_type": "refresh_token"}) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "invalid_request"


async def test_revoke_kills_the_refresh_token(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """POST /revoke answers {"success": "ok"} and the refresh token stops working."""
    refresh = str(sb.accounting_tokens()["refresh_token"])
    creds = sb.accounting_credentials
    form = {"client_id": creds.client_id, "client_secret": creds.client_secret, "token": refresh}
    async with http.post(sb.revoke_url, data=form) as resp:
        assert await resp.json() == {"success": "ok"}
    status, _ = await _token(http, sb, grant_type="refresh_token", refresh_token=refresh)
    assert status == 400
