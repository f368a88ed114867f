"""
Decode speed: a 200-item page of full stock items into models versus ``orjson.loads`` to dicts.

Run: ``python -m benchmarks.decode`` (or ``nox -s bench``). Prints records/s for both paths and
their ratio, median and min-max over interleaved rounds. Issue 2's target: models >= 0.40x dicts.
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


def stock_item(n: int) -> dict[str, Any]:
    """One stock item as Accounting returns it with ``attributes=all`` (every documented field)."""
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


def page_bytes(size: int = 200) -> bytes:
    envelope = {
        "$total": 100_000,
        "$page": 1,
        "$next": "/stock_items?page=2&items_per_page=200",
        "$back": None,
        "$itemsPerPage": size,
        "$items": [stock_item(n) for n in range(size)],
    }
    return orjson.dumps(envelope)


def measure(fn: Callable[[], object], pages: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(pages):
        fn()
    return time.perf_counter() - start


def main(rounds: int = 7, pages: int = 100) -> dict[str, float]:
    body = page_bytes()
    converter = Converter()

    def dicts() -> object:
        return orjson.loads(body)["$items"]

    def models() -> object:
        return converter.structure_list(orjson.loads(body)["$items"], StockItem)

    models()  # compile the hooks outside the timer
    assert not converter.drift, str(converter.drift)
    rates: dict[str, list[float]] = {"dicts": [], "models": []}
    records = pages * 200
    for _ in range(rounds):
        for name, fn in (("dicts", dicts), ("models", models)):
            rates[name].append(records / measure(fn, pages))
    ratios = [m / d for m, d in zip(rates["models"], rates["dicts"])]
    for name, values in rates.items():
        print(
            f"{name:>7}: {statistics.median(values):>10,.0f} records/s "
            f"(min {min(values):,.0f}, max {max(values):,.0f}; "
            f"{1e6 / statistics.median(values):.2f} us/record)"
        )
    ratio = statistics.median(ratios)
    print(f"  ratio: models / dicts = {ratio:.2f}x (target >= 0.40x), page {len(body):,} bytes")
    medians = {name: statistics.median(values) for name, values in rates.items()}
    return {**medians, "ratio": ratio}


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
