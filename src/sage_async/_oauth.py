"""
OAuth2 for the Accounting API: tokens, PKCE, the authorization URL and the token endpoint.

Accounting v3.1 uses the authorization-code grant only (accounting FACTS §2): the user is sent to
``https://www.sageone.com/oauth2/auth/central?filter=apiv3.1``, comes back with a single-use code
(valid 60 s), which ``POST https://oauth.accounting.sage.com/token`` exchanges for a 5-minute access
token and a 31-day refresh token. Every refresh returns a NEW refresh token (rotation): the caller
must persist it atomically, which is what ``on_token_refresh`` is for.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Mapping
from typing import Any, Final, Literal
from urllib.parse import urlencode

import attrs


__all__ = [
    "AUTHORIZE_URL",
    "TOKEN_URL",
    "Pkce",
    "TokenSet",
    "authorization_url",
    "make_pkce",
    "token_request_body",
]

AUTHORIZE_URL: Final = "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
TOKEN_URL: Final = "https://oauth.accounting.sage.com/token"  # noqa: S105 - a URL
COUNTRIES: Final = frozenset({"ca", "de", "es", "fr", "gb", "ie", "us"})


def _hidden(value: object) -> str:
    return "'***'" if value else repr(value)


@attrs.frozen
class TokenSet:
    """
    The tokens of one Accounting authorization; the repr never shows a token.

    Attributes:
        access_token: the bearer token (5 minutes by default).
        refresh_token: the rotating refresh token (31 days), or ``None``.
        expires_at: wall-clock UNIX time at which the access token expires, or ``None``.
        refresh_expires_at: wall-clock UNIX time at which the refresh token expires, or ``None``.
        scope: the granted scope (``full_access`` or ``readonly``).
    """

    access_token: str = attrs.field(repr=_hidden)
    refresh_token: str | None = attrs.field(default=None, repr=_hidden)
    expires_at: float | None = None
    refresh_expires_at: float | None = None
    scope: str | None = None

    @classmethod
    def from_response(cls, data: Mapping[str, Any], *, now: float | None = None) -> TokenSet:
        """
        Build a token set from the token endpoint's JSON.

        Lifetimes are read from ``expires_in``/``refresh_token_expires_in`` (the docs say not to
        hard-code them).
        """
        now = time.time() if now is None else now
        expires_in = data.get("expires_in")
        refresh_in = data.get("refresh_token_expires_in")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=now + float(expires_in) if expires_in is not None else None,
            refresh_expires_at=now + float(refresh_in) if refresh_in is not None else None,
            scope=data.get("scope"),
        )

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        """Return whether the access token expires within ``seconds`` (unknown expiry: no)."""
        if self.expires_at is None:
            return False
        return self.expires_at - (time.time() if now is None else now) <= seconds


@attrs.frozen
class Pkce:
    """A PKCE pair: keep ``verifier`` secret until the code exchange; send ``challenge``."""

    verifier: str = attrs.field(repr=_hidden)
    challenge: str
    method: Literal["S256"] = "S256"


def make_pkce() -> Pkce:
    """Return a fresh S256 PKCE pair (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return Pkce(verifier=verifier, challenge=challenge)


def authorization_url(
    client_id: str,
    redirect_uri: str,
    *,
    scope: Literal["full_access", "readonly"] = "full_access",
    state: str | None = None,
    country: str | None = None,
    locale: str | None = None,
    pkce: Pkce | None = None,
    base_url: str = AUTHORIZE_URL,
) -> str:
    """
    Build the URL that sends a user to Sage to authorize the application.

    Args:
        client_id: the application's client id.
        redirect_uri: where Sage sends the user back (must match the registered one exactly).
        scope: ``full_access`` or ``readonly``.
        state: an unguessable value to check on the callback (CSRF protection).
        country: preselect a country (ca, de, es, fr, gb, ie, us).
        locale: e.g. ``en-GB``.
        pkce: a pair from :func:`make_pkce`; its challenge is sent with method S256.
        base_url: the authorize endpoint (the sandbox passes its own).

    Returns:
        The URL, with ``filter=apiv3.1`` kept.
    """
    params: dict[str, str] = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": scope,
    }
    if state:
        params["state"] = state
    if country:
        if country.lower() not in COUNTRIES:
            from ._errors import InvalidParameterError

            raise InvalidParameterError(f"country must be one of {sorted(COUNTRIES)}")
        params["country"] = country.lower()
    if locale:
        params["locale"] = locale
    if pkce:
        params["code_challenge"] = pkce.challenge
        params["code_challenge_method"] = pkce.method
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{urlencode(params)}"


def token_request_body(
    grant: Literal["authorization_code", "refresh_token"],
    *,
    client_id: str,
    client_secret: str,
    code: str | None = None,
    redirect_uri: str | None = None,
    code_verifier: str | None = None,
    refresh_token: str | None = None,
) -> dict[str, str]:
    """Return the form fields of a token request (sent as ``x-www-form-urlencoded``)."""
    body = {"grant_type": grant, "client_id": client_id, "client_secret": client_secret}
    if grant == "authorization_code":
        body["code"] = code or ""
        body["redirect_uri"] = redirect_uri or ""
        if code_verifier:
            body["code_verifier"] = code_verifier
    else:
        body["refresh_token"] = refresh_token or ""
    return body
