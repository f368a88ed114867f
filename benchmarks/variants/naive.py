"""
Naive sequential paging with ``requests``: what most existing integrations do.

Sales: ``page=0, 1, ...`` with the page size in the ``count`` header, until an empty page.
Accounting: the first page, then follow ``$next`` until it is ``null``. ``r.json()`` to dicts.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from benchmarks._job import PAGE_SIZE, HttpStatusError, Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY


def check(response: requests.Response, outcome: Outcome) -> None:
    if response.status_code == 429:
        outcome.status_429 += 1
    if response.status_code != 200:
        raise HttpStatusError(response.status_code, response.url)


def sales(job: Job) -> Outcome:
    outcome = Outcome()
    with requests.Session() as session:
        login = session.post(
            f"{job.base_url}/login",
            json={"username": SALES_PUBLIC_KEY, "password": SALES_PRIVATE_KEY},
        )
        check(login, outcome)
        headers = {"X-Session-Key": login.json()["token"], "count": str(PAGE_SIZE["sales"])}
        page = 0
        while True:
            response = session.get(f"{job.base_url}/accounts?page={page}", headers=headers)
            check(response, outcome)
            items = response.json()
            if not items:
                return outcome
            outcome.records += len(items)
            page += 1


def accounting(job: Job) -> Outcome:
    outcome = Outcome()
    headers = {"Authorization": f"Bearer {job.token}"}
    if job.business:
        headers["X-Business"] = job.business
    url: str | None = (
        f"{job.base_url}/stock_items?page=1&items_per_page={PAGE_SIZE['accounting']}&attributes=all"
    )
    with requests.Session() as session:
        while url is not None:
            response = session.get(url, headers=headers)
            check(response, outcome)
            data = response.json()
            outcome.records += len(data["$items"])
            url = f"{job.base_url}{data['$next']}" if data["$next"] else None
    return outcome


def prepare(job: Job) -> Callable[[], Outcome]:
    return (lambda: sales(job)) if job.api == "sales" else (lambda: accounting(job))
