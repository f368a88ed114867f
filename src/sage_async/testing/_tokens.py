"""
Credentials, the sandbox clock, and every token the sandbox issues.

- Sales Management: ``POST /login`` with the public key as ``username`` and the private key as
  ``password`` returns an opaque token sent as ``X-Session-Key`` (sales FACTS "Authentication").
  The real lifetime is undocumented; here it is :attr:`TokenStore.session_ttl` (default 3600 s).
- Accounting: OAuth2 authorization code (single use, 60 s, PKCE ``S256``/``plain`` checked when a
  challenge was registered), 300 s access tokens and 31-day refresh tokens that **rotate**: a
  refresh returns a new refresh token and the old one stops working (accounting FACTS section 2).

All expiry is measured on :class:`Clock`, which tests can move forward without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import attrs


__all__ = [
    "AccountingCredentials",
    "AuthCode",
    "Clock",
    "SalesCredentials",
    "TokenStore",
]


PURGE_AT = 10_000  # live entries past which expired ones are dropped


class Clock:
    """
    The sandbox's notion of now: wall-clock UTC plus an offset tests can move.

    Args:
        start: pin the clock to this instant instead of following the wall clock.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def now(self) -> datetime:
        """Return the current sandbox time (UTC)."""
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (tokens expire, timestamps move)."""
        self._offset += timedelta(seconds=seconds)


@attrs.frozen(repr=False)
class SalesCredentials:
    """
    The API key pair the Sales sandbox accepts at ``POST /login``.

    Attributes:
        public_key: sent as ``username``.
        private_key: sent as ``password``.
        label: the name of this credential in the request log (never the keys themselves).
    """

    public_key: str
    private_key: str
    label: str = "sales"

    def __repr__(self) -> str:
        return f"SalesCredentials(label={self.label!r}, public_key=***, private_key=***)"


@attrs.frozen(repr=False)
class AccountingCredentials:
    """
    The OAuth client the Accounting sandbox accepts at its token endpoint.

    Attributes:
        client_id: the OAuth client id.
        client_secret: the OAuth client secret.
        redirect_uri: the registered redirect URI (compared exactly when a code is exchanged).
    """

    client_id: str
    client_secret: str
    redirect_uri: str = "http://127.0.0.1/callback"

    def __repr__(self) -> str:
        return f"AccountingCredentials(client_id={self.client_id!r}, client_secret=***)"


@attrs.define
class AuthCode:
    """An issued authorization code (single use) and what it was issued for."""

    redirect_uri: str
    expires: datetime
    challenge: str | None = None
    method: str = "S256"


def _new_token(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(24)}"


def pkce_challenge(verifier: str, method: str = "S256") -> str:
    """
    Return the PKCE ``code_challenge`` of a ``code_verifier`` (RFC 7636).

    Args:
        verifier: the client's code verifier.
        method: ``"S256"`` (base64url of SHA-256, no padding) or ``"plain"``.
    """
    if method == "plain":
        return verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class TokenStore:
    """
    Every live token of the sandbox, with its expiry on the sandbox clock.

    Args:
        clock: the sandbox clock.
        session_ttl: Sales session token lifetime in seconds.
        access_ttl: Accounting access token lifetime in seconds (``expires_in``).
        refresh_ttl: Accounting refresh token lifetime in seconds.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        session_ttl: float = 3600.0,
        access_ttl: float = 300.0,
        refresh_ttl: float = 2678400.0,
    ) -> None:
        self.clock = clock
        self.session_ttl = session_ttl
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.sessions: dict[str, tuple[str, datetime]] = {}  # token -> (credential label, expiry)
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, datetime] = {}
        self.refresh: dict[str, datetime] = {}

    def _valid(self, expires: datetime | None) -> bool:
        return expires is not None and self.clock.now() < expires

    # --- Sales ------------------------------------------------------------------------------

    def new_session(self, label: str) -> str:
        """Issue a Sales session token for the credential named ``label``."""
        self._tidy()
        token = _new_token("fm.")
        self.sessions[token] = (label, self.clock.now() + timedelta(seconds=self.session_ttl))
        return token

    def session(self, token: str | None) -> str | None:
        """Return the credential label of a live session token, else ``None``."""
        found = self.sessions.get(token or "")
        return found[0] if found is not None and self._valid(found[1]) else None

    # --- Accounting -------------------------------------------------------------------------

    def new_code(
        self, redirect_uri: str, challenge: str | None = None, method: str = "S256"
    ) -> str:
        """Issue a single-use authorization code valid for 60 s."""
        code = _new_token("GB/")
        expires = self.clock.now() + timedelta(seconds=60)
        self.codes[code] = AuthCode(redirect_uri, expires, challenge, method)
        return code

    def take_code(self, code: str) -> AuthCode | None:
        """Consume an authorization code; ``None`` when unknown, used or expired."""
        found = self.codes.pop(code, None)
        return found if found is not None and self._valid(found.expires) else None

    def new_tokens(self) -> tuple[str, str]:
        """Issue an access token and a refresh token."""
        self._tidy()
        now = self.clock.now()
        access, refresh = _new_token("at."), _new_token("rt.")
        self.access[access] = now + timedelta(seconds=self.access_ttl)
        self.refresh[refresh] = now + timedelta(seconds=self.refresh_ttl)
        return access, refresh

    def rotate(self, refresh: str) -> tuple[str, str] | None:
        """Exchange a live refresh token for new tokens; the old refresh token dies."""
        expires = self.refresh.pop(refresh, None)
        return self.new_tokens() if self._valid(expires) else None

    def revoke(self, refresh: str) -> None:
        """Forget a refresh token."""
        self.refresh.pop(refresh, None)

    def bearer(self, token: str | None) -> bool:
        """Return whether an access token is live."""
        return self._valid(self.access.get(token or ""))

    def expire_all(self) -> None:
        """Invalidate every Sales session and every Accounting access token now."""
        self.sessions.clear()
        self.access.clear()

    def _tidy(self) -> None:
        if len(self.sessions) + len(self.access) + len(self.refresh) > PURGE_AT:
            self.purge()

    def purge(self) -> None:
        """Drop expired entries (called now and then so long runs stay small)."""
        now = self.clock.now()
        self.sessions = {k: v for k, v in self.sessions.items() if v[1] > now}
        self.access = {k: v for k, v in self.access.items() if v > now}
        self.refresh = {k: v for k, v in self.refresh.items() if v > now}
        self.codes = {k: v for k, v in self.codes.items() if v.expires > now}
