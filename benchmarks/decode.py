"""
Decode speed: a 200-item page of full stock items into models versus ``orjson.loads`` to dicts.

Run: ``python -m benchmarks.decode`` (or ``nox -s bench``). Prints records/s for both paths and
their ratio, median and min-max over interleaved rounds, once with money as JSON numbers and once
as JSON strings (the form the live Accounting API mostly sends, issue 14). Issue 2's target,
models >= 0.40x dicts, is retired (the eager attrs floor is lower); it stays measured.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from sage_async._converter import Converter
from sage_async.models.accounting import StockItem


def link(kind: str, n: int) -> dict[str, Any]:
    return {"id": f"{kind}{n:08x}", "displayed_as": f"{kind} {n}", "$path": f"/{kind}/{n:08x}"}


def stock_item(n: int, money: str = "numbers") -> dict[str, Any]:
    """
    One stock item as Accounting returns it with ``attributes=all`` (every documented field).

    ``money="strings"`` sends money and quantities as JSON strings (``"12.34"``), as the live
    API does; ``"numbers"`` as JSON numbers.
    """
    item = _stock_item(n)
    if money == "strings":
        for key in MONEY:
            item[key] = str(item[key])
        for price in item["sales_prices"]:
            price["price"] = str(price["price"])
    return item


MONEY = (
    "cost_price", "reorder_level", "reorder_quantity", "weight", "weight_converted",
    "quantity_in_stock", "last_cost_price", "last_cost_price_stock_value", "average_cost_price",
    "average_cost_price_stock_value",
)  # fmt: skip


def _stock_item(n: int) -> dict[str, Any]:
    day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
    stamp = f"{day}T{n % 24:02d}:{n % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z"
    return {
        "id": f"{n:032x}",
        "displayed_as": f"Widget {n}",
        "$path": f"/stock_items/{n:032x}",
        "created_at": stamp,
        "updated_at": stamp,
        "deleted_at": None,
        "deletable": True,
        "deactivatable": True,
        "used_on_recurring_invoice": False,
        "active": n % 7 != 0,
        "item_code": f"SKU-{n:06d}",
        "description": f"Widget number {n}, blue",
        "notes": None,
        "purchase_description": f"Widget {n} from supplier",
        "source_guid": None,
        "location": f"Aisle {n % 40}",
        "barcode": f"{5000000000000 + n}",
        "supplier_part_number": f"SP-{n}",
        "measurement_unit": "each",
        "sales_ledger_account": link("ledger_accounts", 4000),
        "sales_tax_rate": link("tax_rates", 1),
        "purchase_ledger_account": link("ledger_accounts", 5000),
        "purchase_tax_rate": link("tax_rates", 1),
        "usual_supplier": link("contacts", n % 500),
        "cost_price": round(1 + n % 997 / 7, 2),
        "reorder_level": n % 50,
        "reorder_quantity": 10 + n % 20,
        "weight": round(0.1 + n % 30 / 10, 1),
        "weight_converted": round(0.2 + n % 30 / 5, 1),
        "quantity_in_stock": n % 300,
        "last_cost_price": round(1 + n % 991 / 7, 2),
        "last_cost_price_stock_value": round(n % 300 * 1.5, 2),
        "average_cost_price": round(1 + n % 983 / 7, 2),
        "average_cost_price_stock_value": round(n % 300 * 1.25, 2),
        "cost_price_last_updated": day,
        "sales_prices": [
            {
                "id": f"sp{n}a",
                "displayed_as": "Selling Price",
                "created_at": stamp,
                "updated_at": stamp,
                "price_name": "Selling Price",
                "price": round(2 + n % 997 / 5, 2),
                "price_includes_tax": False,
                "product_sales_price_type": link("product_sales_price_types", 1),
            }
        ],
    }


def page_bytes(size: int = 200, money: str = "numbers") -> bytes:
    envelope = {
        "$total": 100_000,
        "$page": 1,
        "$next": "/stock_items?page=2&items_per_page=200",
        "$back": None,
        "$itemsPerPage": size,
        "$items": [stock_item(n, money) for n in range(size)],
    }
    return orjson.dumps(envelope)


def measure(fn: Callable[[], object], pages: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(pages):
        fn()
    return time.perf_counter() - start


def main(rounds: int = 7, pages: int = 100) -> dict[str, float]:
    bodies = {"numbers": page_bytes(), "strings": page_bytes(money="strings")}
    converter = Converter()

    def dicts() -> object:
        return orjson.loads(bodies["numbers"])["$items"]

    def models(money: str) -> Callable[[], object]:
        body = bodies[money]
        return lambda: converter.structure_list(orjson.loads(body)["$items"], StockItem)

    variants = {"dicts": dicts, "models": models("numbers"), "models/str": models("strings")}
    for fn in variants.values():
        fn()  # compile the hooks outside the timer
    assert not converter.drift, str(converter.drift)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    records = pages * 200
    for _ in range(rounds):
        for name, fn in variants.items():
            rates[name].append(records / measure(fn, pages))
    for name, values in rates.items():
        print(
            f"{name:>10}: {statistics.median(values):>10,.0f} records/s "
            f"(min {min(values):,.0f}, max {max(values):,.0f}; "
            f"{1e6 / statistics.median(values):.2f} us/record)"
        )
    out = {name: statistics.median(values) for name, values in rates.items()}
    for name in ("models", "models/str"):
        ratios = [m / d for m, d in zip(rates[name], rates["dicts"])]
        out[f"ratio {name}"] = statistics.median(ratios)
        print(
            f"  ratio: {name} / dicts = {out[f'ratio {name}']:.2f}x "
            "(target >= 0.40x: retired, kept measured)"
        )
    sizes = {money: f"{len(body):,}" for money, body in bodies.items()}
    print(f"  page bytes: {sizes['numbers']} (numbers), {sizes['strings']} (strings)")
    return out


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
