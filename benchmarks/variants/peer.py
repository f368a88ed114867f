"""
A generated peer: the client ``openapi-python-client`` generates from the project's own
``openapi/*.yaml`` (into a temporary directory at bench time, see ``benchmarks/_peer.py``),
paged as its users would: one sequential loop over its generated ``sync_detailed`` function,
which decodes each page into the generated attrs models (httpx underneath).

Sales: ``page=0, 1, ...`` with ``count=300`` until an empty list. Accounting: ``page=1, 2, ...``
with ``items_per_page=200, attributes="all"`` until ``$next`` is null.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks._job import PAGE_SIZE, HttpStatusError, Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY


TIMEOUT = httpx.Timeout(120.0)


def load(name: str) -> Any:
    return importlib.import_module(name)


def check(response: Any, outcome: Outcome, what: str) -> Any:
    status = int(response.status_code)
    if status == 429:
        outcome.status_429 += 1
    if status != 200:
        raise HttpStatusError(status, what)
    return response.parsed


def sales(job: Job) -> Callable[[], Outcome]:
    package = "sage_peer_sales"
    client_mod = load(package)
    login = load(f"{package}.api.authentication.login")
    list_accounts = load(f"{package}.api.accounts.list_accounts")
    models = load(f"{package}.models")
    account_cls = models.Account
    size = PAGE_SIZE["sales"]

    def run() -> Outcome:
        outcome = Outcome()
        body = models.LoginRequest(username=SALES_PUBLIC_KEY, password=SALES_PRIVATE_KEY)
        with client_mod.Client(base_url=job.base_url, timeout=TIMEOUT) as anonymous:
            token = check(login.sync_detailed(client=anonymous, body=body), outcome, "login").token
        with client_mod.AuthenticatedClient(
            base_url=job.base_url,
            token=token,
            prefix="",
            auth_header_name="X-Session-Key",
            timeout=TIMEOUT,
        ) as client:
            page = 0
            while True:
                response = list_accounts.sync_detailed(
                    client=client, page=page, count=size, x_fm_entity_count=size
                )
                items = check(response, outcome, f"accounts page {page}")
                if not items:
                    return outcome
                assert type(items[0]) is account_cls
                outcome.records += len(items)
                page += 1

    return run


def accounting(job: Job) -> Callable[[], Outcome]:
    package = "sage_peer_accounting"
    client_mod = load(package)
    list_stock_items = load(f"{package}.api.stock_items.list_stock_items")
    item_cls = load(f"{package}.models").StockItem
    size = PAGE_SIZE["accounting"]
    business = job.business or load(f"{package}.types").UNSET

    def run() -> Outcome:
        outcome = Outcome()
        with client_mod.AuthenticatedClient(
            base_url=job.base_url, token=job.token or "", timeout=TIMEOUT
        ) as client:
            page = 1
            while True:
                response = list_stock_items.sync_detailed(
                    client=client,
                    page=page,
                    items_per_page=size,
                    attributes="all",
                    x_business=business,
                )
                data = check(response, outcome, f"stock_items page {page}")
                assert type(data.items[0]) is item_cls
                outcome.records += len(data.items)
                if not data.next_:
                    return outcome
                page += 1

    return run


def prepare(job: Job) -> Callable[[], Outcome]:
    if not job.peer_dir:
        raise RuntimeError("no generated peer (openapi-python-client) in this run")
    sys.path.insert(0, job.peer_dir)
    return sales(job) if job.api == "sales" else accounting(job)
