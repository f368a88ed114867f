"""
Type-checked, never executed: every public signature used the way users use it.

``nox -s typecheck`` runs mypy --strict on this file; a change that breaks the public typing
breaks the build.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sage_async
from sage_async import (
    UNSET,
    AccountingClient,
    APIError,
    Converter,
    DriftReport,
    F,
    InvalidQueryError,
    Page,
    RateLimitError,
    RecordStream,
    RetryEvent,
    RetryPolicy,
    RunStats,
    SageError,
    SalesClient,
    ThrottleEvent,
    Timeouts,
    TokenSet,
    Unset,
    Where,
    make_pkce,
)
from sage_async.filters import order_by, parse
from sage_async.models.accounting import StockItem, StockItemWrite
from sage_async.models.sales import (
    Account,
    AccountWrite,
    CalendarItem,
    CreatedResponse,
    ResourceIndexEntry,
    ValueList,
    ValueListWrite,
)


def errors(exc: SageError) -> str:
    if isinstance(exc, RateLimitError):
        wait: float | None = exc.retry_after
        return f"{wait}"
    if isinstance(exc, InvalidQueryError):
        return f"{exc.where} {exc.order}"
    if isinstance(exc, APIError):
        status: int = exc.status
        codes: tuple[str, ...] = exc.codes
        return f"{status} {codes} {exc.method} {exc.path}"
    return str(exc)


def sentinel(value: int | Unset) -> int:
    return 0 if value is UNSET else value


def on_event(event: RetryEvent | ThrottleEvent) -> None:
    if isinstance(event, RetryEvent):
        print(event.attempt, event.wait)


async def service() -> None:
    async with SalesClient(
        public_key="pk",
        private_key="sk",
        timeouts=Timeouts(connect=5, read=30, total=60),
        retry=RetryPolicy(max_attempts=3),
        rate=13,
        on_event=on_event,
    ) as client:
        account: Account = await client.accounts.get(42)
        name: str | Unset | None = account.name
        page: Page[Account] = await client.accounts.list(
            where=client.accounts.fields.date_updated > datetime(2025, 1, 1, tzinfo=UTC),
            order=order_by(client.accounts.fields.id),
            page=0,
            page_size=100,
        )
        accounts: list[Account] = page.items
        created: CreatedResponse = await client.accounts.create(
            AccountWrite(name="Acme", branch_id=1, sales_rep_id1=2)
        )
        await client.accounts.update(42, {"name": "Acme Ltd"})
        await client.accounts.delete(42)
        print(name, accounts, created)


async def exporter() -> None:
    async with AccountingClient(
        client_id="cid",
        client_secret="secret",
        refresh_token="stored",
        business_id="b1",
        on_token_refresh=lambda tokens: None,
    ) as client:
        item: StockItem = await client.stock_items.get("abc")
        price: Decimal | Unset | None = item.cost_price  # null on real records too
        records: RecordStream[StockItem] = client.stock_items.iterate(
            updated_or_created_since=datetime(2025, 1, 1, tzinfo=UTC),
            attributes="all",
            concurrency=8,
            max_items=1000,
        )
        async for record in records:
            print(record.item_code, price)
        stats: RunStats = records.stats
        changed: bool = stats.total_changed
        async for raw_page in client.stock_items.pages(raw=True, ordered=False):
            first: dict[str, object] = raw_page.items[0]
            print(first, changed)
        raw_item: dict[str, object] = await client.stock_items.get("abc", raw=True)
        print(raw_item)
        await client.stock_items.create(StockItemWrite(item_code="SKU", description="d"))
        tokens: TokenSet | None = client.tokens
        print(tokens, make_pkce().challenge)


def filters() -> str:
    expr: Where = (F.name.like("Acme%") & (F.deleted == False)) | F.id.in_([1, 2])  # noqa: E712
    assert parse(str(expr)) == expr
    return expr.render()


def converter() -> DriftReport:
    conv = Converter(strict=False)
    item: StockItem = conv.structure({"id": "x"}, StockItem)
    conv.unstructure(item)
    return conv.drift


version: str = sage_async.__version__


async def typed_parameters(acc: AccountingClient) -> None:
    # Each resource accepts exactly its own list and get parameters.
    page: Page[StockItem] = await acc.stock_items.list(
        search="x", updated_or_created_since="2025-01-31T00:00:00Z", attributes="all"
    )
    raw: Page[dict[str, object]] = await acc.stock_items.list(raw=True, out_of_stock=True)
    codes: list[str | Unset | None] = [
        i.item_code async for i in acc.stock_items.iterate(active=True)
    ]
    await acc.currencies.list(out_of_stock=True)  # type: ignore[call-overload]
    item = await acc.stock_items.get("key", attributes=["item_code"])
    print(page, raw, item, codes)


async def sales_meta(sales: SalesClient) -> None:
    roles: list[Any] = await sales.users.related("roles", 7, where="id > 1", lang="es")
    fields: dict[str, Any] = await sales.accounts.schema()
    index: list[ResourceIndexEntry] = await sales.resource_index()
    raw_index: list[dict[str, Any]] = await sales.resource_index(raw=True)
    lists: list[ValueList] = await sales.value_lists.list()
    rows: list[dict[str, Any]] = await sales.value_lists.rows("Z_tblSources", page=1)
    made: CreatedResponse = await sales.value_lists.create(ValueListWrite(database_name="Z_x"))
    event: CalendarItem = await sales.calendar.get(1)
    print(roles, fields, index, raw_index, lists, rows, made, event)
