"""
The sandbox's OAuth2 endpoints for Accounting (accounting FACTS section 2).

- ``GET /oauth/authorize?client_id&redirect_uri&response_type=code&state[&code_challenge
  &code_challenge_method]`` redirects (302) to ``redirect_uri?code=...&country=GB&state=...``
  at once (no login page). The code is single-use and lives 60 s.
- ``POST /oauth/token`` (``application/x-www-form-urlencoded``; client credentials in the form
  or HTTP Basic): ``grant_type=authorization_code`` (``code``, ``redirect_uri`` equal to the
  registered one, ``code_verifier`` when a challenge was registered) or
  ``grant_type=refresh_token``. Answers ``{access_token, scope, token_type: "bearer",
  expires_in, refresh_token, refresh_token_expires_in, requested_by_id}``. Refresh tokens
  rotate: each refresh returns a new one and the old one becomes ``invalid_grant``.
- ``POST /oauth/revoke`` (``token=<refresh token>``) → ``{"success": "ok"}``.

Errors are ``{"error": ...}``: ``invalid_client`` (401), ``invalid_grant``, ``invalid_request``,
``unsupported_grant_type`` (400).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlencode

from aiohttp import web

from sage_async.testing._http import json_response, oauth_error
from sage_async.testing._state import STATE, State
from sage_async.testing._tokens import pkce_challenge


__all__ = ["routes"]

FORM = "application/x-www-form-urlencoded"


def routes() -> list[web.RouteDef]:
    """Return the OAuth routes."""
    return [
        web.get("/oauth/authorize", authorize),
        web.post("/oauth/token", token),
        web.post("/oauth/revoke", revoke),
    ]


async def authorize(request: web.Request) -> web.Response:
    """Issue a code and redirect to the registered redirect URI."""
    state = request.app[STATE]
    creds = state.accounting_credentials
    query = request.query
    if query.get("client_id") != creds.client_id:
        return oauth_error("unauthorized_client")
    redirect = query.get("redirect_uri", "")
    if redirect != creds.redirect_uri:
        return oauth_error("invalid_request", description="redirect_uri does not match")
    params = {"state": query.get("state", "")}
    if query.get("response_type") != "code":
        params["error"] = "unsupported_response_type"
    else:
        method = query.get("code_challenge_method", "plain")
        challenge = query.get("code_challenge") or None
        params["code"] = state.tokens.new_code(redirect, challenge, method)
        params["country"] = "GB"
    raise web.HTTPFound(f"{redirect}?{urlencode(params)}")


def _client_ok(state: State, request: web.Request, form: dict[str, str]) -> bool:
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
    creds = state.accounting_credentials
    return hmac.compare_digest(client_id, creds.client_id) and hmac.compare_digest(
        secret, creds.client_secret
    )


async def _form(request: web.Request) -> dict[str, str] | web.Response:
    if request.content_type != FORM:
        return oauth_error("invalid_request", description=f"send {FORM}")
    return {k: str(v) for k, v in (await request.post()).items()}


async def token(request: web.Request) -> web.Response:
    """Exchange an authorization code or a refresh token for tokens."""
    state = request.app[STATE]
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    if not _client_ok(state, request, form):
        return oauth_error("invalid_client", 401)
    grant = form.get("grant_type")
    tokens = state.tokens
    if grant == "authorization_code":
        code = tokens.take_code(form.get("code", ""))
        if code is None or form.get("redirect_uri", code.redirect_uri) != code.redirect_uri:
            return oauth_error("invalid_grant")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or pkce_challenge(verifier, code.method) != code.challenge:
                return oauth_error("invalid_grant", description="PKCE verification failed")
        pair = tokens.new_tokens()
    elif grant == "refresh_token":
        rotated = tokens.rotate(form.get("refresh_token", ""))
        if rotated is None:
            return oauth_error("invalid_grant")
        pair = rotated
    else:
        return oauth_error("unsupported_grant_type")
    return json_response(token_body(state, *pair))


def token_body(state: State, access: str, refresh: str) -> dict[str, object]:
    """Return the token endpoint's success body for a token pair."""
    return {
        "access_token": access,
        "scope": "full_access",
        "token_type": "bearer",
        "expires_in": int(state.tokens.access_ttl),
        "refresh_token": refresh,
        "refresh_token_expires_in": int(state.tokens.refresh_ttl),
        "requested_by_id": "00000000-0000-4000-8000-000000000001",
    }


async def revoke(request: web.Request) -> web.Response:
    """Revoke a refresh token."""
    state = request.app[STATE]
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    if not _client_ok(state, request, form):
        return oauth_error("invalid_client", 401)
    state.tokens.revoke(form.get("token", ""))
    return json_response({"success": "ok"})
