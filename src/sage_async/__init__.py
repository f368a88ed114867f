"""
sage-async: an asyncio client for the Sage Sales Management v4 and Accounting v3.1 APIs.

The public surface is re-exported here; every module behind it is private. Models live in
:mod:`sage_async.models.sales` and :mod:`sage_async.models.accounting`, filters in
:mod:`sage_async.filters`, the sandbox in :mod:`sage_async.testing`.
"""

from __future__ import annotations

from typing import Any

from ._accounting_client import ACCOUNTING_URL, LEGACY_URL, AccountingClient
from ._accounting_resource import AccountingListParams, AccountingResource
from ._client import ClientState
from ._converter import Converter
from ._drift import DriftReport, DriftRow
from ._errors import *  # noqa: F403
from ._errors import __all__ as _errors_all
from ._oauth import Pkce, TokenSet, authorization_url, make_pkce
from ._page import Page
from ._pagination import PageStream, RecordStream, RunStats
from ._resource import Resource
from ._retry import RetryEvent, RetryPolicy, set_testing
from ._sales_client import SALES_URL, SalesClient
from ._sales_resource import SalesListParams, SalesResource
from ._throttle import GovernorRegistry, RateGovernor, ThrottleEvent
from ._transport import Timeouts
from ._types import UNSET, Model, Unset
from .filters import F, Where


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
    if name == "__version__":
        from importlib.metadata import version

        return version("sage-async")
    raise AttributeError(f"module 'sage_async' has no attribute {name!r}")
