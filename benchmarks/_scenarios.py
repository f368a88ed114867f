"""
The scenarios: what each sandbox process serves and which variants run against it.

=============  ================================================================================
``cpu``        0 ms latency, ``--records`` each API: records/s and client CPU per record.
``lat50``      50 ms injected latency, ``--latency-records``: records/s against concurrency.
``lat300``     300 ms injected latency, same.
``rate``       Sandbox rate limits 13/s (Sales) and 200/min (Accounting) plus ``--rate-latency-ms``:
               fraction of the rate-limit ceiling, 429s.
``million``    (``--full``) 1,000,000 records streamed by sage-async: peak RSS.
``decode``     The decode micro-benchmark (``benchmarks/decode.py``) in a fresh process.
=============  ================================================================================
"""

from __future__ import annotations

from typing import Literal

import attrs

from benchmarks._job import Api
from benchmarks._sandbox import ServerOptions


APIS: tuple[Api, ...] = ("sales", "accounting")
LABELS = {
    "naive": "a naive sequential (requests, r.json())",
    "ceiling": "b raw ceiling, fair (aiohttp pool + orjson dicts, GC paused while parsing)",
    "ceiling_plain": "b' raw ceiling, plain (GC running while parsing: the earlier ceiling)",
    "ceiling_jsonl": "b'' fair raw ceiling + JSONL file (orjson.dumps per record): export bound",
    "peer": "c generated peer (openapi-python-client; c>1: a thread pool)",
    "model": "d sage-async iterate() models",
    "raw": "d sage-async iterate(raw=True)",
    "export": "e sage-async export CLI -> JSONL",
    "export_csv": "e' sage-async export CLI -> CSV (fetch + conversion)",
    "export_parquet": "e' sage-async export CLI -> Parquet (fetch + conversion)",
}
Warmup = Literal["all", "shapes", "index", "none"]


@attrs.frozen
class Variant:
    key: str
    concurrency: int = 1

    @property
    def label(self) -> str:
        return LABELS[self.key]


@attrs.frozen
class Scenario:
    """
    One sandbox configuration and the variants measured against it.

    ``warmup``: ``all`` runs every job once untimed first (fills the sandbox's page cache with
    each variant's exact request shapes); ``shapes`` fetches every page in each known request
    shape on a fast pool (cheap under latency); ``index`` fetches only the first page of each
    shape (builds the sandbox's sorted index for ``order=id``, nothing else: a million records
    do not fit any cache); ``none`` (rate limits: a warm-up would spend the budget).
    """

    name: str
    title: str
    server: ServerOptions
    variants: tuple[Variant, ...]
    records: dict[str, int]
    limited: bool = False
    warmup: Warmup = "all"
    rounds: int = 5


@attrs.frozen
class Settings:
    rounds: int = 5
    records: int = 100_000
    latency_records: int = 20_000
    latencies: tuple[int, ...] = (50, 300)
    concurrencies: tuple[int, ...] = (1, 8, 16, 32)
    rate_sales_records: int = 100_000
    rate_accounting_records: int = 20_000
    rate_latency_ms: float = 50.0
    million: int = 1_000_000
    full: bool = False
    only: tuple[str, ...] = ()
    page_cache_mb: int = 1536
    decode_rounds: int = 7
    decode_pages: int = 100
    seed: int = 0

    @classmethod
    def quick(cls) -> Settings:
        return cls(
            rounds=1,
            records=10_000,
            latency_records=6_000,
            rate_sales_records=6_000,
            rate_accounting_records=4_000,
            million=100_000,
            decode_rounds=3,
            decode_pages=20,
        )


def scenarios(s: Settings, *, export: bool) -> list[Scenario]:
    exporting = (Variant("export", 16),) if export else ()
    converting = (Variant("export_csv", 16), Variant("export_parquet", 16)) if export else ()
    cpu = Scenario(
        "cpu",
        "0 ms latency (CPU-bound)",
        ServerOptions(s.records, s.records, page_cache_mb=s.page_cache_mb, seed=s.seed),
        (
            Variant("naive"),
            Variant("ceiling", 16),
            Variant("ceiling_plain", 16),
            *(Variant("ceiling_jsonl", 16) for _ in exporting),
            Variant("peer"),
            Variant("peer", 16),
            Variant("model", 16),
            Variant("raw", 16),
            *exporting,
            *converting,
        ),
        {"sales": s.records, "accounting": s.records},
        rounds=s.rounds,
    )
    found = [cpu]
    for latency in s.latencies:
        pools = tuple(c for c in s.concurrencies if c > 1)
        found.append(
            Scenario(
                f"lat{latency}",
                f"{latency} ms injected latency (latency-bound)",
                ServerOptions(
                    s.latency_records,
                    s.latency_records,
                    latency_ms=latency,
                    page_cache_mb=s.page_cache_mb,
                    seed=s.seed,
                ),
                (
                    Variant("naive"),
                    Variant("peer"),
                    *(Variant("ceiling", c) for c in pools),
                    *(Variant("model", c) for c in s.concurrencies),
                    Variant("raw", 16),
                ),
                {"sales": s.latency_records, "accounting": s.latency_records},
                warmup="shapes",
                rounds=s.rounds,
            )
        )
    found.append(
        Scenario(
            "rate",
            f"rate limits 13/s (Sales) and 200/min (Accounting), {s.rate_latency_ms:g} ms latency",
            ServerOptions(
                s.rate_sales_records,
                s.rate_accounting_records,
                latency_ms=s.rate_latency_ms,
                rate_limits=("sales:13/s", "accounting:200/min"),
                businesses=4,
                page_cache_mb=s.page_cache_mb,
                seed=s.seed,
            ),
            (Variant("model"), *(Variant("export") for _ in exporting)),
            {"sales": s.rate_sales_records, "accounting": s.rate_accounting_records},
            limited=True,
            warmup="none",
            rounds=s.rounds,
        )
    )
    if s.full:
        found.append(
            Scenario(
                "million",
                f"{s.million:,} records streamed (memory)",
                ServerOptions(s.million, s.million, page_cache_mb=0, seed=s.seed),
                (Variant("model", 16), Variant("raw", 16), *exporting),
                {"sales": s.million, "accounting": s.million},
                warmup="index",
                rounds=min(s.rounds, 3),
            )
        )
    if s.only:
        found = [scenario for scenario in found if scenario.name in s.only]
    return found
