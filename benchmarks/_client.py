"""
One measured client run, in a fresh process: ``python -m benchmarks._client '<job json>'``.

Imports and set-up happen before the timer; the timer covers the whole export (session
creation, Sales login, connection set-up and every page). The last line of stdout is one JSON
object: ``records``, ``seconds``, ``cpu_seconds`` (user+sys of this process inside the timer),
``maxrss_kib`` (``ru_maxrss`` of the process: the peak over its whole life), ``status_429``,
``error`` and variant-specific ``extra``.
"""

from __future__ import annotations

import gc
import importlib
import json
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from benchmarks._job import Job, Outcome


MODULES = {
    "naive": "benchmarks.variants.naive",
    "ceiling": "benchmarks.variants.ceiling",
    "ceiling_plain": "benchmarks.variants.ceiling",
    "ceiling_jsonl": "benchmarks.variants.ceiling",
    "peer": "benchmarks.variants.peer",
    "model": "benchmarks.variants.library",
    "raw": "benchmarks.variants.library",
    "export": "benchmarks.variants.export",
    "export_csv": "benchmarks.variants.export",
    "export_parquet": "benchmarks.variants.export",
    "decode": "benchmarks.variants.decode",
    "warm": "benchmarks.variants.warm",
    "idle": "benchmarks.variants.idle",
}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_kib() -> int:
    """The high-water mark of this process's resident set since ``exec`` (KiB)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(job: Job) -> dict[str, Any]:
    try:  # imports and generated-code loading: outside the timer
        module = importlib.import_module(MODULES[job.variant])
        prepare: Callable[[Job], Callable[[], Outcome]] = module.prepare
        run = prepare(job)
    except Exception as exc:
        return {
            "records": 0,
            "seconds": 0.0,
            "cpu_seconds": 0.0,
            "maxrss_kib": 0,
            "status_429": 0,
            "error": f"not run: {type(exc).__name__}: {exc}",
            "extra": {},
        }
    gc.collect()
    cpu0, t0 = cpu(), time.perf_counter()
    error = None
    outcome = Outcome()
    try:
        outcome = run()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    seconds = time.perf_counter() - t0
    spent = cpu() - cpu0
    if outcome.count_after is not None and error is None:
        outcome.records = outcome.count_after()
    return {
        "records": outcome.records,
        "seconds": seconds,
        "cpu_seconds": spent,
        "maxrss_kib": peak_rss_kib(),
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "status_429": outcome.status_429,
        "error": error,
        "extra": outcome.extra,
    }


def main() -> None:
    job = Job.from_json(sys.argv[1])
    result = measure(job)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
