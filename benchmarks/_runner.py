"""
Run the scenarios: one sandbox process per scenario, one fresh client process per measurement,
interleaved rounds in a shuffled order, the server's CPU read around every run.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import attrs

from benchmarks._job import Api, Job
from benchmarks._sandbox import ROOT, SandboxProcess
from benchmarks._scenarios import APIS, Scenario, Variant


RUN_TIMEOUT = 1800.0
#: Seconds a rate-limit window needs to forget a run: per API, per tenant.
WINDOW = {"sales": 1.5, "accounting": 61.0}


@attrs.define
class Run:
    """One measured client run (a row of ``results.json``)."""

    scenario: str
    api: str
    variant: str
    concurrency: int
    round: int
    expected: int
    result: dict[str, Any]
    server_cpu: float
    wall: float


def run_client(job: Job, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
    """Run one job in a fresh interpreter and return its JSON report."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks._client", job.to_json()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"records": 0, "seconds": timeout, "error": f"timed out after {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"records": 0, "seconds": 0.0, "error": f"exit {done.returncode}: {tail}"}
    report: dict[str, Any] = json.loads(lines[-1])
    return report


class Runner:
    """Runs scenarios and collects :class:`Run` rows; ``log`` gets one line per run."""

    def __init__(self, *, peer_dir: str | None, log: Callable[[str], None], seed: int = 0) -> None:
        self.peer_dir = peer_dir
        self.log = log
        self.seed = seed
        self.runs: list[Run] = []

    def scenario(self, scenario: Scenario) -> None:
        jobs = [(api, variant) for api in APIS for variant in scenario.variants]
        with SandboxProcess(scenario.server) as sandbox:
            token = sandbox.accounting_token()
            self.log(f"[{scenario.name}] sandbox on port {sandbox.port}: {scenario.title}")
            self._warm(scenario, sandbox, token, jobs)
            last_used: dict[tuple[str, str | None], float] = {}
            turn = 0
            for number in range(1, scenario.rounds + 1):
                order = list(jobs)
                random.Random(f"{self.seed}:{scenario.name}:{number}").shuffle(order)
                for api, variant in order:
                    business = None
                    if scenario.limited and api == "accounting":
                        # 200/min is per business: rotate, so one run's window never
                        # spills into the next run's budget.
                        business = sandbox.business_ids[turn % len(sandbox.business_ids)]
                        turn += 1
                    if scenario.limited:
                        key = (api, business)
                        idle = time.monotonic() - last_used.get(key, -1e9)
                        if idle < WINDOW[api]:
                            time.sleep(WINDOW[api] - idle)
                    run = self._measure(scenario, sandbox, token, api, variant, number, business)
                    last_used[(api, business)] = time.monotonic()
                    self.runs.append(run)
                    self.log(describe(run))

    def _job(
        self,
        scenario: Scenario,
        sandbox: SandboxProcess,
        token: str,
        api: Api,
        variant: Variant,
        business: str | None,
        work_dir: str | None,
    ) -> Job:
        return Job(
            variant=variant.key,
            api=api,
            base_url=sandbox.sales_url if api == "sales" else sandbox.accounting_url,
            token=token if api == "accounting" else None,
            business=business,
            concurrency=variant.concurrency,
            limited=scenario.limited,
            peer_dir=self.peer_dir,
            work_dir=work_dir,
            records=scenario.records[api],
        )

    def _measure(
        self,
        scenario: Scenario,
        sandbox: SandboxProcess,
        token: str,
        api: Api,
        variant: Variant,
        number: int,
        business: str | None,
    ) -> Run:
        work = tempfile.mkdtemp(prefix="sage-bench-")
        try:
            job = self._job(scenario, sandbox, token, api, variant, business, work)
            counts0 = sandbox.status_counts()
            cpu0, wall0 = sandbox.cpu_seconds(), time.perf_counter()
            result = run_client(job)
            wall = time.perf_counter() - wall0
            server_cpu = sandbox.cpu_seconds() - cpu0
            counts = sandbox.status_counts()
            # 429s from the server's request log (the run is alone against this sandbox); what
            # the client itself reported is kept beside it.
            result["status_429_client"] = result.get("status_429", 0)
            result["status_429"] = counts.get(f"{api} 429", 0) - counts0.get(f"{api} 429", 0)
            result["server_requests"] = sum(counts.values()) - sum(counts0.values())
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return Run(
            scenario=scenario.name,
            api=api,
            variant=variant.key,
            concurrency=variant.concurrency,
            round=number,
            expected=scenario.records[api],
            result=result,
            server_cpu=server_cpu,
            wall=wall,
        )

    def _warm(
        self,
        scenario: Scenario,
        sandbox: SandboxProcess,
        token: str,
        jobs: list[tuple[Api, Variant]],
    ) -> None:
        if scenario.warmup == "none":
            return
        started = time.perf_counter()
        if scenario.warmup == "all":
            for api, variant in jobs:
                self._measure(scenario, sandbox, token, api, variant, 0, None)
        else:
            for api in APIS:
                job = self._job(scenario, sandbox, token, api, Variant("naive"), None, None)
                pages = 1 if scenario.warmup == "index" else None
                result = run_client(attrs.evolve(job, variant="warm", warm_pages=pages))
                if result.get("error"):
                    self.log(f"  warm-up {api}: {result['error']}")
        self.log(
            f"  warm-up ({scenario.warmup}) {time.perf_counter() - started:.1f} s, "
            f"server RSS {sandbox.rss_mib():.0f} MiB"
        )

    def idle(self) -> Run:
        """Peak RSS of a process that imports sage-async and opens both clients, no data."""
        result = run_client(Job(variant="idle"))
        run = Run("idle", "-", "idle", 1, 1, 0, result, 0.0, 0.0)
        self.runs.append(run)
        self.log(f"[idle] imports + clients: {result.get('maxrss_kib', 0) / 1024:.0f} MiB")
        return run

    def decode(self, rounds: int, pages: int) -> Run:
        job = Job(variant="decode", decode_rounds=rounds, decode_pages=pages)
        started = time.perf_counter()
        result = run_client(job)
        run = Run("decode", "-", "decode", 1, 1, 0, result, 0.0, time.perf_counter() - started)
        self.runs.append(run)
        extra = result.get("extra", {})
        self.log(f"[decode] {extra.get('printed', result.get('error', '')).strip()}")
        return run


def describe(run: Run) -> str:
    r = run.result
    records, seconds = r.get("records", 0), r.get("seconds", 0.0)
    rate = records / seconds if seconds else 0.0
    text = (
        f"  r{run.round} {run.api:<10} {run.variant:<7} c{run.concurrency:<2} "
        f"{records:>8,} rec {seconds:7.2f} s {rate:>10,.0f} rec/s "
        f"cpu {1e6 * r.get('cpu_seconds', 0.0) / max(records, 1):6.1f} us/rec "
        f"rss {r.get('maxrss_kib', 0) / 1024:5.0f} MiB 429s {r.get('status_429', 0)}"
    )
    if r.get("error"):
        text += f"  ERROR {r['error']}"
    elif records != run.expected:
        text += f"  (expected {run.expected:,})"
    return text
