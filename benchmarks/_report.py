"""Write ``benchmarks/RESULTS.md``: machine, versions, method, targets, a table per scenario."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import attrs

from benchmarks._job import PAGE_SIZE
from benchmarks._runner import Run
from benchmarks._scenarios import APIS, LABELS, Scenario, Settings
from benchmarks._stats import Key, Row, ratio, summarise
from benchmarks._targets import Check, checks


PACKAGES = (
    "sage-async",
    "aiohttp",
    "orjson",
    "attrs",
    "cattrs",
    "requests",
    "httpx",
    "openapi-python-client",
)


@attrs.frozen
class Context:
    """Everything about the run that is not a measurement."""

    settings: Settings
    scenarios: tuple[Scenario, ...]
    command: str
    started: dt.datetime
    finished: dt.datetime
    load_before: str
    load_after: str
    peer_note: str
    export_note: str
    server_note: str


def machine() -> list[str]:
    model, cores = "unknown", os.cpu_count() or 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "unknown"
    return [f"CPU: {model}, {cores} logical cores", f"RAM: {ram}", f"OS: {platform.platform()}"]


def versions() -> str:
    found = [f"Python {platform.python_version()}"]
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def git_revision() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def spread(row: Row) -> str:
    return f"{num(row.low)}-{num(row.high)}"


def problems(row: Row) -> str:
    notes = []
    if row.errors:
        notes.append(f"{len(row.errors)} failed: {row.errors[0][:120]}")
    if row.short:
        notes.append(f"{row.short} runs with a wrong record count")
    return "; ".join(notes)


def scenario_table(scenario: Scenario, rows: dict[Key, Row]) -> list[str]:
    lines = [f"## {scenario.title}", ""]
    if scenario.name == "rate":
        return lines + rate_table(scenario, rows)
    lines += [
        "| API | variant | conc | records/s median | min-max | client CPU µs/rec "
        "| server CPU µs/rec | peak RSS MiB | x ceiling c16 | x naive | n | problems |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for api in APIS:
        naive = rows.get((scenario.name, api, "naive", 1))
        ceiling = rows.get((scenario.name, api, "ceiling", 16))
        for variant in scenario.variants:
            row = rows.get((scenario.name, api, variant.key, variant.concurrency))
            if row is None:
                continue
            lines.append(
                f"| {api} | {LABELS[variant.key]} | {variant.concurrency} | {num(row.median)} "
                f"| {spread(row)} | {num(row.cpu_us, 1)} | {num(row.server_us, 1)} "
                f"| {num(row.rss_mib)} | {times(ratio(row, ceiling))} "
                f"| {times(ratio(row, naive))} | {row.n} | {problems(row)} |"
            )
    return [*lines, "", *conversion_table(scenario, rows)]


def conversion_table(scenario: Scenario, rows: dict[Key, Row]) -> list[str]:
    """The CLI export by format: the whole run and the conversion from the staging file."""
    found = []
    for api in APIS:
        jsonl = rows.get((scenario.name, api, "export", 16))
        for key, fmt in (("export", "JSONL"), ("export_csv", "CSV"), ("export_parquet", "Parquet")):
            row = rows.get((scenario.name, api, key, 16))
            if row is None or not row.n or not row.median:
                continue
            whole = (row.expected or 0) / row.median if row.expected else None
            convert = row.extras.get("convert_s")
            found.append(
                f"| {api} | {fmt} | {num(row.median)} | {num(whole, 2)} | {num(convert, 2)} "
                f"| {times(ratio(row, jsonl))} | {num(row.rss_mib)} |"
            )
    if not found:
        return []
    return [
        "CLI export by format (same run): the CSV and Parquet files are converted from the JSON "
        "Lines staging file after the fetch (in a worker thread); the conversion column is the "
        "time spent in that step (median over rounds).",
        "",
        "| API | format | records/s median | whole export s | conversion s | x JSONL export "
        "| peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
        *found,
        "",
    ]


def rate_table(scenario: Scenario, rows: dict[Key, Row]) -> list[str]:
    lines = [
        "Ceiling = rate x page size: Sales 13/s x 300 = 3,900 records/s; Accounting "
        "200/60 s x 200 = 666.7 records/s. sage-async runs with the plan's rate and its default "
        "concurrency sizing; Accounting runs rotate over 4 businesses (the limit is per "
        "business) and a business is reused only after its 60 s window has passed. A run of P "
        "pages needs only P-1 rate intervals (the first request is not paced), so a short run "
        "can show a fraction up to P/(P-1).",
        "",
        "| API | variant | records/s median | min-max | ceiling records/s | fraction of ceiling "
        "| 429s answered (sandbox log, all runs) | n | problems |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for api in APIS:
        ceiling = ceiling_rate(api)
        for variant in scenario.variants:
            row = rows.get((scenario.name, api, variant.key, variant.concurrency))
            if row is None:
                continue
            lines.append(
                f"| {api} | {LABELS[variant.key]} | {num(row.median, 1)} | "
                f"{num(row.low, 1)}-{num(row.high, 1)} | {num(ceiling, 1)} "
                f"| {row.median / ceiling:.3f} | {row.status_429} | {row.n} | {problems(row)} |"
            )
    return [*lines, ""]


def ceiling_rate(api: str) -> float:
    return 13 * PAGE_SIZE["sales"] if api == "sales" else 200 / 60 * PAGE_SIZE["accounting"]


def million_table(rows: dict[Key, Row]) -> list[str]:
    lines = [
        "| API | variant | records/s median | peak RSS MiB median | max | n | problems |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, row in sorted(rows.items()):
        if key[0] == "million":
            lines.append(
                f"| {key[1]} | {LABELS[key[2]]} | {num(row.median)} | {num(row.rss_mib)} "
                f"| {num(row.rss_max)} | {row.n} | {problems(row)} |"
            )
    return lines


def target_table(found: list[Check]) -> list[str]:
    lines = ["| target | source | measured | result |", "|---|---|---|---|"]
    for check in found:
        lines.append(f"| {check.target} | {check.source} | {check.measured} | {check.mark} |")
    return lines


def write(path: Path, context: Context, runs: list[Run]) -> None:
    rows = summarise(r for r in runs if r.scenario not in ("decode", "idle"))
    decode = next((r for r in runs if r.scenario == "decode"), None)
    idle = next((r for r in runs if r.scenario == "idle"), None)
    found = checks(rows, decode, idle)
    s = context.settings
    lines = [
        "# sage-async benchmark results",
        "",
        f"Generated by `{context.command}` on {context.started:%Y-%m-%d %H:%M} UTC "
        f"({(context.finished - context.started).total_seconds() / 60:.1f} min), "
        f"at commit {git_revision()}.",
        "",
        *(
            [
                f"> **Smoke run** ({s.rounds} round(s), {s.records:,} records at 0 ms): the "
                "figures are indicative only; small record counts also cap the latency "
                "speed-ups (see the notes).",
                "",
            ]
            if s.rounds < 5 or s.records < 100_000
            else []
        ),
        "## Machine and versions",
        "",
        *(f"- {line}" for line in machine()),
        f"- Load average before / after: {context.load_before} / {context.load_after}",
        f"- {versions()}",
        "",
        "## Method",
        "",
        f"- {s.rounds} interleaved round(s); each round runs every variant once in a shuffled "
        "order. Medians and min-max are over rounds; ratios (x ceiling, x naive) are the median "
        "of per-round ratios, so each pair was measured minutes apart, not hours.",
        "- The sandbox (`sage_async.testing`) runs as a separate process, one per scenario. "
        f"{context.server_note}",
        "- Every measurement is a fresh client process (`python -m benchmarks._client`). "
        "Imports and generated-code loading are outside the timer; the timer covers the whole "
        "export: session creation, Sales login, connections and every page. Records are "
        "counted and dropped (streaming). Client CPU is the process's user+sys time inside the "
        "timer per record (`resource.getrusage`); server CPU is the sandbox's `/proc/<pid>/stat` "
        "delta around the run per record; peak RSS is the client's `VmHWM` (`/proc/self/status`): "
        "`ru_maxrss` is not usable here because on Linux it survives `exec`, so a child started "
        "by `subprocess` reports at least the runner's own peak.",
        f"- Collections: Sales `accounts` (page size 300, about 1.25 KB per record) and "
        f"Accounting `stock_items` with `attributes=all` (page size 200, about 2.5 KB per "
        f"record). Records: {s.records:,} per API at 0 ms, {s.latency_records:,} under "
        f"latency, {s.rate_sales_records:,} (Sales) / {s.rate_accounting_records:,} "
        f"(Accounting) under rate limits.",
        "- Raw ceilings: the fair ceiling (the `x ceiling` column and the targets) pauses "
        "the cyclic GC while parsing a large body, as the library does (`sage_async._json`); "
        "the plain row is the earlier ceiling, parsing with the collector running.",
        "- 429s are counted by the sandbox (its request log, by status, read around each run "
        "through `benchmarks/_serve.py`), not reported by the clients.",
        f"- Generated peer: {context.peer_note}; at c16 its calls run on a pool of 16 threads "
        "(one client each), for equal concurrency with the library's c16 rows.",
        f"- CLI export: {context.export_note}",
        "- Figures from one machine shared by client and server (and, unless the load average "
        "says otherwise, by other work): compare rows of the same run, not runs.",
        "",
        "## Targets",
        "",
        *target_table(found),
        "",
    ]
    for scenario in context.scenarios:
        if scenario.name == "million":
            lines += [f"## {scenario.title}", "", *million_table(rows), ""]
        else:
            lines += scenario_table(scenario, rows)
    if decode is not None:
        lines += ["## Decode micro-benchmark (`benchmarks/decode.py`)", "", "```"]
        extra = decode.result.get("extra", {})
        lines += [str(extra.get("printed", decode.result.get("error", ""))).rstrip(), "```", ""]
    notes = [check for check in found if check.bound]
    if notes:
        lines += ["## What bounds the misses", ""]
        lines += [f"- **{check.target}** ({check.source}): {check.bound}" for check in notes]
        lines.append("")
    path.write_text("\n".join(lines))
