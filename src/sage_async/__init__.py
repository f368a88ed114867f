"""
sage-async: an asyncio client for the Sage Sales Management v4 and Accounting v3.1 APIs.

The public surface is re-exported here; every module behind it is private. Models live in
:mod:`sage_async.models.sales` and :mod:`sage_async.models.accounting`, filters in
:mod:`sage_async.filters`, the sandbox in :mod:`sage_async.testing`.

The two clients (and their generated models) load on first use, so a program that talks to one
API does not pay the import time and memory of the other's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._client import ClientState
from ._converter import Converter
from ._drift import DriftReport, DriftRow
from ._errors import *  # noqa: F403
from ._errors import __all__ as _errors_all
from ._oauth import Pkce, TokenSet, authorization_url, make_pkce
from ._page import Page
from ._pagination import PageStream, RecordStream, RunStats
from ._registry import GovernorRegistry
from ._resource import Resource
from ._retry import RetryEvent, RetryPolicy, set_testing
from ._throttle import RateGovernor, ThrottleEvent
from ._transport import Timeouts
from ._types import UNSET, Model, Unset
from .filters import F, Where


if TYPE_CHECKING:
    from ._accounting_client import ACCOUNTING_URL, LEGACY_URL, AccountingClient
    from ._accounting_resource import AccountingListParams, AccountingResource
    from ._sales_client import SALES_URL, SalesClient
    from ._sales_resource import SalesListParams, SalesResource

#: Names loaded on first access, and the private module each comes from.
_LAZY = {
    "ACCOUNTING_URL": "_accounting_client",
    "LEGACY_URL": "_accounting_client",
    "AccountingClient": "_accounting_client",
    "AccountingListParams": "_accounting_resource",
    "AccountingResource": "_accounting_resource",
    "SALES_URL": "_sales_client",
    "SalesClient": "_sales_client",
    "SalesListParams": "_sales_resource",
    "SalesResource": "_sales_resource",
}

__all__ = [
    *_errors_all,
    "ACCOUNTING_URL",
    "LEGACY_URL",
    "SALES_URL",
    "UNSET",
    "AccountingClient",
    "AccountingListParams",
    "AccountingResource",
    "ClientState",
    "Converter",
    "DriftReport",
    "DriftRow",
    "F",
    "GovernorRegistry",
    "Model",
    "Page",
    "PageStream",
    "Pkce",
    "RateGovernor",
    "RecordStream",
    "Resource",
    "RetryEvent",
    "RetryPolicy",
    "RunStats",
    "SalesClient",
    "SalesListParams",
    "SalesResource",
    "ThrottleEvent",
    "Timeouts",
    "TokenSet",
    "Unset",
    "Where",
    "authorization_url",
    "make_pkce",
    "set_testing",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("sage-async")
        except PackageNotFoundError:  # a source tree on sys.path, not an installed package
            return "0+unknown"
    raise AttributeError(f"module 'sage_async' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
