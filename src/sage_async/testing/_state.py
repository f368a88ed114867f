"""
The shared state of one sandbox server: datasets, tokens, faults, log, caches, settings.

The routes of both APIs read it from the aiohttp application (``request.app[STATE]``); the
public :class:`~sage_async.testing.Sandbox` owns it and exposes the parts tests use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sage_async._resource_spec import ResourceSpec
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.models.sales import RESOURCES as SALES
from sage_async.testing._faults import FaultInjector
from sage_async.testing._http import PageCache
from sage_async.testing._log import RequestLog
from sage_async.testing._store import Collection, Dataset
from sage_async.testing._tokens import AccountingCredentials, Clock, SalesCredentials, TokenStore


__all__ = [
    "BUSINESS", "DEFAULT_RECORDS", "STATE", "TENANT", "State", "sizes_for", "tenant_credentials",
]  # fmt: skip

DEFAULT_RECORDS = 100
USER_LEVEL = ("businesses", "user")  # Accounting resources that belong to the user, not a business


def sizes_for(
    resources: Mapping[str, ResourceSpec], records: int | Mapping[str, int]
) -> dict[str, int]:
    """
    Expand a ``records`` setting into a size per resource.

    Args:
        resources: the API's resource table.
        records: one size for every resource, or sizes by resource name (others get 100).
    """
    if isinstance(records, int):
        return dict.fromkeys(resources, records)
    unknown = set(records) - set(resources)
    if unknown:
        raise ValueError(f"unknown resources: {sorted(unknown)}")
    return {name: records.get(name, DEFAULT_RECORDS) for name in resources}


class State:
    """
    Everything a request handler needs.

    Args:
        seed: the data seed.
        sales_records: Sales records per resource (int or per-resource mapping).
        accounting_records: Accounting records per resource and business.
        businesses: how many Accounting businesses are seeded (the first is the lead).
        clock: the sandbox clock.
        tokens: the token store.
        sales_credentials: the accepted Sales key pair.
        accounting_credentials: the accepted OAuth client.
        subscription_key: the accepted legacy-gateway subscription key.
        page_cache_bytes: the rendered-page cache budget.
        log_size: how many request-log entries are kept.
        sales_tenants: how many Sales tenants (key pairs, each with its own data); the first
            uses ``sales_credentials``, tenant ``i`` the same keys suffixed ``-i``.
    """

    def __init__(
        self,
        *,
        seed: int,
        sales_records: int | Mapping[str, int],
        accounting_records: int | Mapping[str, int],
        businesses: int,
        clock: Clock,
        tokens: TokenStore,
        sales_credentials: SalesCredentials,
        accounting_credentials: AccountingCredentials,
        subscription_key: str,
        page_cache_bytes: int,
        log_size: int,
        sales_tenants: int = 1,
    ) -> None:
        if businesses < 1 or sales_tenants < 1:
            raise ValueError("businesses and sales_tenants must be at least 1")
        self.seed = seed
        self.clock = clock
        self.tokens = tokens
        self.sales_credentials = sales_credentials
        self.accounting_credentials = accounting_credentials
        self.subscription_key = subscription_key
        self.faults = FaultInjector(seed)
        self.log = RequestLog(log_size)
        self.cache = PageCache(page_cache_bytes)
        self.sales_resources = SALES
        self.accounting_resources = ACCOUNTING
        self.sales_by_path = {spec.path.strip("/"): spec for spec in SALES.values()}
        self.accounting_by_path = {spec.path.strip("/"): spec for spec in ACCOUNTING.values()}
        now = clock.now
        sales_sizes = sizes_for(SALES, sales_records)
        self.sales = Dataset("sales", SALES, seed, "sales", sales_sizes, now)
        #: Sales tenants by credential label: the key pair and its own dataset.
        self.sales_tenants: dict[str, tuple[SalesCredentials, Dataset]] = {
            sales_credentials.label: (sales_credentials, self.sales)
        }
        for i in range(1, sales_tenants):
            creds = tenant_credentials(sales_credentials, i)
            data = Dataset("sales", SALES, seed, creds.label, sales_sizes, now)
            self.sales_tenants[creds.label] = (creds, data)
        #: Sub-resource rows and custom value lists, built on first use (``_sales_meta``).
        self.sales_meta: dict[tuple[str, str, str], Collection] = {}
        user_sizes = dict.fromkeys(ACCOUNTING, 0)
        user_sizes.update(businesses=businesses, user=1)
        self.user = Dataset("accounting", ACCOUNTING, seed, "user", user_sizes, now)
        self.business_ids: list[str] = [
            str(self.user["businesses"].factory.record_id(i)) for i in range(businesses)
        ]
        sizes = sizes_for(ACCOUNTING, accounting_records)
        sizes.update(dict.fromkeys(USER_LEVEL, 0))
        self.businesses: dict[str, Dataset] = {
            bid: Dataset("accounting", ACCOUNTING, seed, bid, sizes, now)
            for bid in self.business_ids
        }

    def sales_for(self, label: str | None) -> Dataset:
        """The Sales dataset of the tenant whose credential is named ``label``."""
        found = self.sales_tenants.get(label or "")
        return self.sales if found is None else found[1]

    def sales_login(self, public_key: object, private_key: object) -> SalesCredentials | None:
        """The Sales tenant whose key pair this is, else ``None``."""
        for creds, _ in self.sales_tenants.values():
            if creds.public_key == public_key and creds.private_key == private_key:
                return creds
        return None

    @property
    def lead_business(self) -> str:
        """The id of the lead business (used when ``X-Business`` is absent)."""
        return self.business_ids[0]


def tenant_credentials(first: SalesCredentials, index: int) -> SalesCredentials:
    """The key pair of Sales tenant ``index`` (0 is ``first`` itself)."""
    if index == 0:
        return first
    return SalesCredentials(
        f"{first.public_key}-{index}", f"{first.private_key}-{index}", f"{first.label}-{index}"
    )


STATE: web.AppKey[State] = web.AppKey("sage_sandbox_state", State)


# Per-request storage keys: aiohttp >= 3.13 warns about str keys, older ones lack RequestKey.
_RequestKey: Any = getattr(web, "RequestKey", None)
TENANT: Any = _RequestKey("sage_sandbox_tenant", str) if _RequestKey else "sage_sandbox_tenant"
BUSINESS: Any = (
    _RequestKey("sage_sandbox_business", str) if _RequestKey else "sage_sandbox_business"
)
