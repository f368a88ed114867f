"""
:class:`Sandbox`: start and stop the fake Sage APIs on loopback, and reach into their data.

::

    async with Sandbox(seed=7, sales_records=1_000, accounting_records=500) as sb:
        sb.sales_url          # http://127.0.0.1:PORT/sales/api/v4
        sb.accounting_url     # http://127.0.0.1:PORT/accounting/v3.1
        sb.legacy_url("uki")  # http://127.0.0.1:PORT/legacy/uki/sageone/accounts/v3
        sb.sales_credentials.public_key, sb.accounting_credentials.client_id
        sb.faults.rate_limit("sales", per_second=4)
        sb.update("sales", "accounts", 3, {"name": "Renamed"})
        sb.log.filter(api="sales", path="/accounts")

Many tenants: ``Sandbox(sales_tenants=8, businesses=8)`` serves 8 Sales key pairs
(``sb.sales_tenant_credentials(i)``) and 8 Accounting businesses (``sb.business_ids``), each with
its own data; ``sb.faults.rate_limit("sales", per_second=4, tenant="sales-3")`` limits one.

Record counts are per resource (and, for Accounting, per business); an int applies to every
resource, a mapping sets some (the others get 100). Records are generated on request, so a
million costs no memory until pages are fetched.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

from sage_async.testing._faults import FaultInjector
from sage_async.testing._log import RequestLog
from sage_async.testing._oauth import token_body
from sage_async.testing._server import build_app
from sage_async.testing._state import State
from sage_async.testing._store import Collection, Dataset
from sage_async.testing._tokens import (
    AccountingCredentials,
    Clock,
    SalesCredentials,
    TokenStore,
    pkce_challenge,
)


__all__ = ["Sandbox"]

Api = Literal["sales", "accounting"]


class Sandbox:
    """
    A faithful in-process fake of Sage Sales Management v4 and Accounting v3.1.

    Args:
        seed: seeds every record and every random fault; same seed, same data.
        sales_records: Sales records per resource (int, or a mapping by resource name).
        accounting_records: Accounting records per resource and business.
        businesses: how many Accounting businesses the user has (the first is the lead).
        host: the interface to listen on (loopback unless you mean it).
        port: the port; 0 picks a free one.
        session_ttl: Sales session token lifetime, seconds (undocumented upstream; 1 h here).
        access_token_ttl: Accounting access token lifetime, seconds (300 upstream).
        refresh_token_ttl: Accounting refresh token lifetime, seconds (31 days upstream).
        start_time: pin the sandbox clock to this instant (default: wall clock).
        page_cache_bytes: budget of the rendered-page cache (0 disables it).
        log_size: how many request-log entries are kept.
        sales_credentials: the key pair ``POST /login`` accepts.
        accounting_credentials: the OAuth client the token endpoint accepts.
        subscription_key: the legacy gateway's ``Ocp-Apim-Subscription-Key``.
        sales_tenants: how many Sales tenants (key pairs with their own data); tenant 0 is
            ``sales_credentials``.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        sales_records: int | Mapping[str, int] = 100,
        accounting_records: int | Mapping[str, int] = 100,
        businesses: int = 3,
        host: str = "127.0.0.1",
        port: int = 0,
        session_ttl: float = 3600.0,
        access_token_ttl: float = 300.0,
        refresh_token_ttl: float = 2678400.0,
        start_time: datetime | None = None,
        page_cache_bytes: int = 32 * 1024 * 1024,
        log_size: int = 100_000,
        sales_credentials: SalesCredentials | None = None,
        accounting_credentials: AccountingCredentials | None = None,
        subscription_key: str = "sandbox-subscription-key",
        sales_tenants: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self.clock = Clock(start_time)
        self.tokens = TokenStore(
            self.clock,
            session_ttl=session_ttl,
            access_ttl=access_token_ttl,
            refresh_ttl=refresh_token_ttl,
        )
        self.state = State(
            seed=seed,
            sales_records=sales_records,
            accounting_records=accounting_records,
            businesses=businesses,
            clock=self.clock,
            tokens=self.tokens,
            sales_credentials=sales_credentials
            or SalesCredentials("sandbox-public-key", "sandbox-private-key"),
            accounting_credentials=accounting_credentials
            or AccountingCredentials("sandbox-client-id", "sandbox-client-secret"),
            subscription_key=subscription_key,
            page_cache_bytes=page_cache_bytes,
            log_size=log_size,
            sales_tenants=sales_tenants,
        )
        self.app = build_app(self.state)
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening (a no-op when already started)."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.close()

    # --- addresses and credentials ----------------------------------------------------------

    @property
    def url(self) -> str:
        """The server root, ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def sales_url(self) -> str:
        """The Sales Management v4 base URL (``.../sales/api/v4``)."""
        return f"{self.url}/sales/api/v4"

    @property
    def accounting_url(self) -> str:
        """The Accounting v3.1 base URL (``.../accounting/v3.1``)."""
        return f"{self.url}/accounting/v3.1"

    def legacy_url(self, region: str = "uki") -> str:
        """The legacy v3 gateway base URL for ``region`` (uki, us, ca, de, es, fr)."""
        return f"{self.url}/legacy/{region}/sageone/accounts/v3"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.url}/oauth/token"

    @property
    def authorize_url(self) -> str:
        """The OAuth authorization endpoint (redirects at once with a code)."""
        return f"{self.url}/oauth/authorize"

    @property
    def revoke_url(self) -> str:
        """The OAuth revocation endpoint."""
        return f"{self.url}/oauth/revoke"

    @property
    def sales_credentials(self) -> SalesCredentials:
        """The Sales key pair ``POST /login`` accepts."""
        return self.state.sales_credentials

    def sales_tenant_credentials(self, index: int) -> SalesCredentials:
        """
        The key pair of Sales tenant ``index`` (0 is :attr:`sales_credentials`).

        Raises:
            IndexError: there is no such tenant.
        """
        tenants = list(self.state.sales_tenants.values())
        if not 0 <= index < len(tenants):
            raise IndexError(f"no Sales tenant {index} (the sandbox has {len(tenants)})")
        return tenants[index][0]

    @property
    def accounting_credentials(self) -> AccountingCredentials:
        """The OAuth client (id, secret, redirect URI) the token endpoint accepts."""
        return self.state.accounting_credentials

    @property
    def subscription_key(self) -> str:
        """The legacy gateway's subscription key."""
        return self.state.subscription_key

    @property
    def business_ids(self) -> list[str]:
        """The ids of the seeded businesses; the first is the lead."""
        return list(self.state.business_ids)

    @property
    def lead_business(self) -> str:
        """The id of the lead business (used when ``X-Business`` is absent)."""
        return self.state.lead_business

    @property
    def faults(self) -> FaultInjector:
        """The fault and rate-limit registry."""
        return self.state.faults

    @property
    def log(self) -> RequestLog:
        """The request log."""
        return self.state.log

    # --- tokens -----------------------------------------------------------------------------

    def sales_token(self) -> str:
        """Mint a live Sales session token (as ``POST /login`` would)."""
        return self.tokens.new_session(self.sales_credentials.label)

    def accounting_tokens(self) -> dict[str, object]:
        """Mint a token pair as a completed OAuth flow would; the token endpoint's body."""
        return token_body(self.state, *self.tokens.new_tokens())

    def authorization_code(
        self,
        *,
        code_verifier: str | None = None,
        method: str = "S256",
        redirect_uri: str | None = None,
    ) -> str:
        """
        Mint a single-use authorization code, as the authorize redirect would carry.

        Args:
            code_verifier: register the PKCE challenge of this verifier with the code.
            method: the PKCE method (``S256`` or ``plain``).
            redirect_uri: the redirect URI the code is bound to (default: the registered one).
        """
        challenge = pkce_challenge(code_verifier, method) if code_verifier else None
        redirect = redirect_uri or self.accounting_credentials.redirect_uri
        return self.tokens.new_code(redirect, challenge, method)

    def expire_tokens(self) -> None:
        """Invalidate every live Sales session and Accounting access token now."""
        self.tokens.expire_all()

    # --- data -------------------------------------------------------------------------------

    @property
    def sales_data(self) -> Dataset:
        """The Sales dataset."""
        return self.state.sales

    def accounting_data(self, business: str | None = None) -> Dataset:
        """The Accounting dataset of ``business`` (default: the lead business)."""
        return self.state.businesses[business or self.lead_business]

    def collection(
        self, api: Api, resource: str, *, business: str | None = None, tenant: int = 0
    ) -> Collection:
        """
        Return the collection of ``resource`` (a ``RESOURCES`` name, e.g. ``stock_items``).

        ``tenant`` picks the Sales tenant (by index), ``business`` the Accounting business.
        """
        if api == "sales":
            return self.state.sales_for(self.sales_tenant_credentials(tenant).label)[resource]
        if resource in ("businesses", "user"):
            return self.state.user[resource]
        return self.accounting_data(business)[resource]

    def _index(self, col: Collection, record_id: int | str) -> int:
        i = col.index_of(str(record_id))
        if i is None:
            raise KeyError(f"no {col.spec.name} record {record_id!r}")
        return i

    def record(
        self, api: Api, resource: str, record_id: int | str, *, business: str | None = None
    ) -> dict[str, Any] | None:
        """Return a copy of a record as the API stores it (deleted ones included), or ``None``."""
        col = self.collection(api, resource, business=business)
        i = col.index_of(str(record_id))
        found = None if i is None else col.get(i)
        return None if found is None else copy.deepcopy(found)

    def ids(
        self,
        api: Api,
        resource: str,
        *,
        business: str | None = None,
        limit: int | None = None,
        tenant: int = 0,
    ) -> list[int | str]:
        """Return record ids in list order (Accounting: live records only)."""
        col = self.collection(api, resource, business=business, tenant=tenant)
        count = col.live_count() if limit is None else min(limit, col.live_count())
        return [col.factory.record_id(i) for i in col.live_range(0, count)]

    def count(
        self, api: Api, resource: str, *, business: str | None = None, tenant: int = 0
    ) -> int:
        """Return how many records a full listing shows."""
        return self.collection(api, resource, business=business, tenant=tenant).live_count()

    def create(
        self, api: Api, resource: str, fields: Mapping[str, Any], *, business: str | None = None
    ) -> dict[str, Any]:
        """Create a record (wire-named read fields) with audit times from the clock."""
        return self.collection(api, resource, business=business).create(fields)

    def update(
        self,
        api: Api,
        resource: str,
        record_id: int | str,
        fields: Mapping[str, Any],
        *,
        business: str | None = None,
    ) -> dict[str, Any]:
        """Update fields of a record and bump its ``dateUpdated``/``updated_at``."""
        col = self.collection(api, resource, business=business)
        return col.update(self._index(col, record_id), fields)

    def delete(
        self, api: Api, resource: str, record_id: int | str, *, business: str | None = None
    ) -> None:
        """Delete a record: soft (Sales, stays listed) or hard (Accounting, ``deleted_since``)."""
        col = self.collection(api, resource, business=business)
        col.delete(self._index(col, record_id))
