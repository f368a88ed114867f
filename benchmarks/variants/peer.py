"""
A generated peer: the client ``openapi-python-client`` generates from the project's own
``openapi/*.yaml`` (into a temporary directory at bench time, see ``benchmarks/_peer.py``),
paged as its users would: one sequential loop over its generated ``sync_detailed`` function,
which decodes each page into the generated attrs models (httpx underneath).

Sales: ``page=0, 1, ...`` with ``count=300`` until an empty list. Accounting: ``page=1, 2, ...``
with ``items_per_page=200, attributes="all"`` until ``$next`` is null.

At concurrency C > 1 (equal concurrency with the library's c16 rows) the same calls run on a
pool of C threads, one generated client (one httpx connection pool) per thread, as a user of a
synchronous client would parallelise it: Accounting reads ``$total`` from page 1 and hands pages
2..last to the pool; Sales has no total, so each thread takes the next page number until a
short (or empty) page shows where the end is (as the raw ceiling does).
"""

from __future__ import annotations

import importlib
import itertools
import math
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
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

    def authenticated(token: str) -> Any:
        return client_mod.AuthenticatedClient(
            base_url=job.base_url,
            token=token,
            prefix="",
            auth_header_name="X-Session-Key",
            timeout=TIMEOUT,
        )

    def fetch(client: Any, page: int, outcome: Outcome) -> list[Any]:
        response = list_accounts.sync_detailed(
            client=client, page=page, count=size, x_fm_entity_count=size
        )
        items: list[Any] = check(response, outcome, f"accounts page {page}")
        if items:
            assert type(items[0]) is account_cls
        return items

    def run() -> Outcome:
        outcome = Outcome()
        body = models.LoginRequest(username=SALES_PUBLIC_KEY, password=SALES_PRIVATE_KEY)
        with client_mod.Client(base_url=job.base_url, timeout=TIMEOUT) as anonymous:
            token = check(login.sync_detailed(client=anonymous, body=body), outcome, "login").token
        if job.concurrency > 1:
            return pooled(token, outcome)
        with authenticated(token) as client:
            page = 0
            while True:
                items = fetch(client, page, outcome)
                if not items:
                    return outcome
                outcome.records += len(items)
                page += 1

    def pooled(token: str, outcome: Outcome) -> Outcome:
        numbers, lock = itertools.count(), threading.Lock()
        end = math.inf

        def worker() -> None:
            nonlocal end
            with authenticated(token) as client:
                while True:
                    with lock:
                        page = next(numbers)
                        if page > end:
                            return
                    items = fetch(client, page, outcome)
                    with lock:
                        outcome.records += len(items)
                        if len(items) < size:
                            end = min(end, page)

        run_pool(worker, job.concurrency)
        return outcome

    return run


def run_pool(worker: Callable[[], None], threads: int) -> None:
    """Run ``worker`` on ``threads`` threads; the first failure is raised."""
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()


def accounting(job: Job) -> Callable[[], Outcome]:
    package = "sage_peer_accounting"
    client_mod = load(package)
    list_stock_items = load(f"{package}.api.stock_items.list_stock_items")
    item_cls = load(f"{package}.models").StockItem
    size = PAGE_SIZE["accounting"]
    business = job.business or load(f"{package}.types").UNSET

    def client() -> Any:
        return client_mod.AuthenticatedClient(
            base_url=job.base_url, token=job.token or "", timeout=TIMEOUT
        )

    def fetch(session: Any, page: int, outcome: Outcome) -> Any:
        response = list_stock_items.sync_detailed(
            client=session,
            page=page,
            items_per_page=size,
            attributes="all",
            x_business=business,
        )
        data = check(response, outcome, f"stock_items page {page}")
        assert type(data.items[0]) is item_cls
        return data

    def run() -> Outcome:
        outcome = Outcome()
        with client() as session:
            page = 1
            while True:
                data = fetch(session, page, outcome)
                outcome.records += len(data.items)
                if job.concurrency > 1:
                    return pooled(data, outcome)
                if not data.next_:
                    return outcome
                page += 1

    def pooled(first: Any, outcome: Outcome) -> Outcome:
        last = math.ceil(first.total / first.items_per_page)
        pages: Iterator[int] = iter(range(2, last + 1))
        lock = threading.Lock()

        def worker() -> None:
            with client() as session:
                while True:
                    with lock:
                        page = next(pages, None)
                    if page is None:
                        return
                    data = fetch(session, page, outcome)
                    with lock:
                        outcome.records += len(data.items)

        run_pool(worker, job.concurrency)
        return outcome

    return run


def prepare(job: Job) -> Callable[[], Outcome]:
    if not job.peer_dir:
        raise RuntimeError("no generated peer (openapi-python-client) in this run")
    sys.path.insert(0, job.peer_dir)
    return sales(job) if job.api == "sales" else accounting(job)
