"""
The Sage Business Cloud Accounting API v3.1 client (and the legacy v3 gateway).

Auth (accounting FACTS §2-3): OAuth2 bearer tokens that live 5 minutes, refreshed with rotating
refresh tokens. The client refreshes shortly before expiry and on a 401, single-flight (one
attempt of the call that needed it, within that call's retry budget), and hands every new token
set to ``on_token_refresh`` so the caller can persist the new refresh token atomically (the old
one stops working). ``business_id`` is sent as ``X-Business``; the response's ``X-Business``
names the business actually served, and a difference raises
:class:`~sage_async.BusinessChangedError` rather than mixing two businesses' data. The legacy
gateway (``region=...``) adds the ``Ocp-Apim-Subscription-Key`` header.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Final, Literal
from urllib.parse import urlencode

import aiohttp

from ._accounting_resource import AccountingResource
from ._client import BaseClient, Event
from ._errors import AuthenticationError, BusinessChangedError, InvalidParameterError
from ._oauth import (
    AUTHORIZE_URL,
    TOKEN_URL,
    Pkce,
    TokenSet,
    authorization_url,
    token_request_body,
)
from ._registry import GovernorRegistry
from ._request import Request, accounting_headers, check_base_url
from ._retry import RetryPolicy
from ._sansio import raise_for_response
from ._throttle import tenant_label
from ._transport import Response, Timeouts
from .models.accounting import RESOURCES
from .models.accounting._accessors import AccountingResources


__all__ = ["ACCOUNTING_URL", "LEGACY_REGIONS", "LEGACY_URL", "AccountingClient"]

ACCOUNTING_URL: Final = "https://api.accounting.sage.com/v3.1"
LEGACY_URL: Final = "https://api.columbus.sage.com/{region}/sageone/accounts/v3"
LEGACY_REGIONS: Final = frozenset({"uki", "us", "ca", "de", "es", "fr"})
TokenCallback = Callable[[TokenSet], Awaitable[object] | object]


class AccountingClient(AccountingResources, BaseClient):
    """
    Async client of the Sage Business Cloud Accounting API v3.1.

    ::

        async with AccountingClient(
            client_id=..., client_secret=..., refresh_token=stored_token,
            business_id="...", on_token_refresh=save_tokens,
        ) as client:
            item = await client.stock_items.get("abc")

    Args:
        access_token: a current access token, if you have one.
        refresh_token: a refresh token (rotates on every refresh: persist the new one from
            ``on_token_refresh``).
        client_id: the application's client id (needed to refresh or exchange a code).
        client_secret: the application's client secret (never logged).
        tokens: a full :class:`TokenSet` instead of ``access_token``/``refresh_token``.
        business_id: sent as ``X-Business``; without it the user's lead business is served.
        on_token_refresh: called (and awaited, if it returns an awaitable) with each new token set
            before it is used.
        token_url: the OAuth token endpoint.
        authorize_url: the OAuth authorization endpoint (for :meth:`authorization_url`).
        region: use the legacy v3 gateway of this region (uki, us, ca, de, es, fr).
        subscription_key: the legacy gateway's ``Ocp-Apim-Subscription-Key``.
        base_url: the API root (default: v3.1, or the legacy gateway of ``region``).
        refresh_margin: refresh this many seconds before the access token expires.
        rate: requests per ``per`` seconds for the business (default 200 per 60 s); every
            client of one business sharing a registry must be given the same rate.
        per: the rate period in seconds.
        clock: wall clock used for token expiry (tests inject a fake one).
        session, timeouts, retry, max_concurrency, registry, strict, on_event, verify_ssl:
            as for :class:`~sage_async.SalesClient`.
    """

    api: ClassVar[Literal["accounting"]] = "accounting"
    resources: ClassVar[Mapping[str, Any]] = RESOURCES
    resource_class = AccountingResource

    def __init__(
        self,
        *,
        access_token: str | None = None,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        tokens: TokenSet | None = None,
        business_id: str | None = None,
        on_token_refresh: TokenCallback | None = None,
        token_url: str = TOKEN_URL,
        authorize_url: str = AUTHORIZE_URL,
        region: str | None = None,
        subscription_key: str | None = None,
        base_url: str | None = None,
        refresh_margin: float = 30.0,
        session: aiohttp.ClientSession | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        rate: float = 200.0,
        per: float = 60.0,
        max_concurrency: int = 16,
        registry: GovernorRegistry | None = None,
        strict: bool = False,
        on_event: Callable[[Event], object] | None = None,
        verify_ssl: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if region is not None and region not in LEGACY_REGIONS:
            raise InvalidParameterError(f"region must be one of {sorted(LEGACY_REGIONS)}")
        if region is not None and not subscription_key:
            raise InvalidParameterError("the legacy v3 gateway needs a subscription_key")
        if base_url is None:
            base_url = LEGACY_URL.format(region=region) if region else ACCOUNTING_URL
        super().__init__(
            base_url=base_url, session=session, timeouts=timeouts, retry=retry, rate=rate,
            per=per, max_concurrency=max_concurrency, registry=registry, strict=strict,
            on_event=on_event, verify_ssl=verify_ssl,
        )  # fmt: skip
        if tokens is None and (access_token or refresh_token):
            tokens = TokenSet(access_token=access_token or "", refresh_token=refresh_token)
        self._tokens = tokens
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = check_base_url(token_url)
        self._authorize_url = authorize_url
        self._subscription_key = subscription_key
        self._on_token_refresh = on_token_refresh
        self._refresh_lock = asyncio.Lock()
        self._clock = clock
        self.refresh_margin = refresh_margin
        self.business_id = business_id
        self.region = region
        #: The business named by the first response's ``X-Business`` (the lead business when
        #: ``business_id`` is not set).
        self.served_business: str | None = None
        #: How many token refreshes this client performed.
        self.refresh_count = 0

    @property
    def tokens(self) -> TokenSet | None:
        """The current token set (its repr hides the tokens)."""
        return self._tokens

    @property
    def tenant(self) -> str:
        """
        A stable label of the data this client reads (``business_id``, else the lead business of
        ``client_id``), that does not reveal either; exports key their watermarks by it.
        """
        return tenant_label(self.api, self.business_id or f"lead:{self._client_id or ''}")

    def _tenant(self) -> str:
        # Throttling is per business served: the one asked for, else the one the first response
        # named (the user's lead business); before any response, the lead of this application.
        return self.business_id or self.served_business or f"lead:{self._client_id or ''}"

    # --- OAuth -------------------------------------------------------------------------------

    def authorization_url(
        self,
        redirect_uri: str,
        *,
        scope: Literal["full_access", "readonly"] = "full_access",
        state: str | None = None,
        country: str | None = None,
        locale: str | None = None,
        pkce: Pkce | None = None,
    ) -> str:
        """Build the URL that sends a user to Sage to authorize this application."""
        if not self._client_id:
            raise InvalidParameterError("authorization_url() needs the client's client_id")
        return authorization_url(
            self._client_id, redirect_uri, scope=scope, state=state, country=country,
            locale=locale, pkce=pkce, base_url=self._authorize_url,
        )  # fmt: skip

    async def exchange_code(
        self, code: str, *, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenSet:
        """
        Exchange an authorization code (single-use, valid 60 s) for tokens, and keep them.

        Raises:
            OAuthError: the code was refused (expired, used, wrong redirect_uri or verifier).
        """
        self._ensure_open()
        form = token_request_body(
            "authorization_code", client_id=self._require_client_id(),
            client_secret=self._client_secret or "", code=code, redirect_uri=redirect_uri,
            code_verifier=code_verifier,
        )  # fmt: skip
        async with self._refresh_lock:
            await self._store(await self._token_call(form))
        assert self._tokens is not None
        return self._tokens

    async def refresh(self) -> TokenSet:
        """Refresh the access token now (normally automatic) and return the new token set."""
        self._ensure_open()
        await self._refresh(stale=self._tokens.access_token if self._tokens else None)
        assert self._tokens is not None
        return self._tokens

    def _require_client_id(self) -> str:
        if not self._client_id:
            raise InvalidParameterError("refreshing or exchanging tokens needs client_id")
        return self._client_id

    def _can_refresh(self) -> bool:
        return bool(self._tokens and self._tokens.refresh_token and self._client_id)

    async def _auth_headers(self) -> dict[str, str]:
        tokens = self._tokens
        if tokens is None or not tokens.access_token:
            if not self._can_refresh():
                raise AuthenticationError(
                    "no access token: pass tokens, or call exchange_code() first", status=401
                )
            await self._refresh(stale=None)
        elif tokens.expires_within(self.refresh_margin, now=self._clock()) and self._can_refresh():
            await self._refresh(stale=tokens.access_token)
        assert self._tokens is not None
        return accounting_headers(
            access_token=self._tokens.access_token,
            business_id=self.business_id,
            subscription_key=self._subscription_key,
        )

    async def _reauthenticate(self, stale: Mapping[str, str]) -> bool:
        if not self._can_refresh():
            return False
        bearer = stale.get("Authorization", "").removeprefix("Bearer ")
        await self._refresh(stale=bearer)
        return True

    async def _refresh(self, *, stale: str | None) -> None:
        async with self._refresh_lock:
            current = self._tokens.access_token if self._tokens else None
            if current and current != stale:
                return  # another coroutine refreshed while this one waited
            refresh_token = self._tokens.refresh_token if self._tokens else None
            if not refresh_token:
                raise AuthenticationError("no refresh token to renew the access token", status=401)
            form = token_request_body(
                "refresh_token", client_id=self._require_client_id(),
                client_secret=self._client_secret or "", refresh_token=refresh_token,
            )  # fmt: skip
            await self._store(await self._token_call(form))
            self.refresh_count += 1

    async def _store(self, tokens: TokenSet) -> None:
        if tokens.refresh_token is None and self._tokens is not None:
            tokens = TokenSet(
                access_token=tokens.access_token, refresh_token=self._tokens.refresh_token,
                expires_at=tokens.expires_at, scope=tokens.scope,
            )  # fmt: skip
        self._tokens = tokens
        self._renewed()
        if self._on_token_refresh is not None:
            result = self._on_token_refresh(tokens)
            if inspect.isawaitable(result):
                await result

    async def _token_call(self, form: Mapping[str, str]) -> TokenSet:
        request = Request(
            "POST",
            self._token_url,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=urlencode(form).encode(),
        )

        # One attempt (a refresh token rotates: a blind retry could spend it twice); the API
        # call that needed the token retries within its own budget.
        response = await self._transport.send(request)
        data = raise_for_response(
            "accounting", response.status, response.headers, response.body,
            method="POST", path=request.path,
        )  # fmt: skip
        if not isinstance(data, Mapping) or "access_token" not in data:
            raise AuthenticationError(
                "the token endpoint answered without an access_token", status=200,
                method="POST", path=request.path,
            )  # fmt: skip
        return TokenSet.from_response(data, now=self._clock())

    # --- X-Business ----------------------------------------------------------------------------

    def _check_response(self, response: Response, path: str) -> None:
        served = response.headers.get("X-Business")
        if not served:
            return
        expected = self.business_id or self.served_business
        if self.served_business is None:
            self.served_business = served
        if expected is not None and served != expected:
            raise BusinessChangedError(expected, served)

    def __repr__(self) -> str:
        where = f"legacy {self.region}" if self.region else self.base_url
        business = f" business={self.business_id}" if self.business_id else ""
        return f"<AccountingClient {where}{business} {self.state.value}>"
