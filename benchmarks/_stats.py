"""Medians, min-max and within-run ratios over the measured runs."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

import attrs

from benchmarks._runner import Run


Key = tuple[str, str, str, int]  # scenario, api, variant, concurrency


@attrs.frozen
class Row:
    """The runs of one variant in one scenario and API, summarised."""

    key: Key
    rates: dict[int, float]  # round -> records/s (successful runs only)
    cpu_us: float  # median client CPU per record
    server_us: float  # median server CPU per record
    rss_mib: float  # median peak RSS
    rss_max: float
    status_429: int
    errors: tuple[str, ...]
    short: int  # runs that returned fewer/more records than the collection holds
    n: int
    expected: int = 0  # records in the collection
    extras: dict[str, float] = attrs.field(factory=dict)  # medians of numeric run extras

    @property
    def median(self) -> float:
        return statistics.median(self.rates.values()) if self.rates else 0.0

    @property
    def low(self) -> float:
        return min(self.rates.values(), default=0.0)

    @property
    def high(self) -> float:
        return max(self.rates.values(), default=0.0)


def summarise(runs: Iterable[Run]) -> dict[Key, Row]:
    grouped: dict[Key, list[Run]] = {}
    for run in runs:
        key = (run.scenario, run.api, run.variant, run.concurrency)
        grouped.setdefault(key, []).append(run)
    rows = {}
    for key, group in grouped.items():
        good = [r for r in group if not r.result.get("error") and r.result.get("records")]
        rates = {r.round: r.result["records"] / r.result["seconds"] for r in good}
        cpu = [1e6 * r.result["cpu_seconds"] / r.result["records"] for r in good]
        server = [1e6 * r.server_cpu / r.result["records"] for r in good]
        rss = [r.result.get("maxrss_kib", 0) / 1024 for r in good]
        rows[key] = Row(
            key=key,
            rates=rates,
            cpu_us=statistics.median(cpu) if cpu else 0.0,
            server_us=statistics.median(server) if server else 0.0,
            rss_mib=statistics.median(rss) if rss else 0.0,
            rss_max=max(rss, default=0.0),
            status_429=sum(int(r.result.get("status_429", 0)) for r in group),
            errors=tuple(str(r.result["error"]) for r in group if r.result.get("error")),
            short=sum(1 for r in good if r.result["records"] != r.expected),
            n=len(good),
            expected=max((r.expected for r in group), default=0),
            extras=numeric_medians(r.result.get("extra", {}) for r in good),
        )
    return rows


def numeric_medians(extras: Iterable[dict[str, object]]) -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for extra in extras:
        for name, value in extra.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                values.setdefault(name, []).append(float(value))
    return {name: statistics.median(found) for name, found in values.items()}


def ratio(row: Row | None, reference: Row | None) -> float | None:
    """Median over rounds of ``row / reference`` (each round pairs runs made minutes apart)."""
    if row is None or reference is None:
        return None
    pairs = [row.rates[n] / reference.rates[n] for n in row.rates if reference.rates.get(n)]
    return statistics.median(pairs) if pairs else None
