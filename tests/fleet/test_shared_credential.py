"""
Tenants of a fleet that share one Sales credential, run in one worker process: each task in
its own thread and event loop (as Dask runs them), all paced by one governor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from sage_async.fleet._spec import TenantSpec
from sage_async.fleet._task import run_tenant, stagger
from sage_async.testing import Sandbox
from sage_async.testing._process import SandboxProcess

from .conftest import exported_ids


pytestmark = pytest.mark.slow

RATE = 8  # the credential's limit, per second (the sandbox's window and the tenants' rate)
RECORDS = 1200  # 4 full pages of 300 and an empty one per resource
RESOURCES = ("accounts", "contacts", "opportunities", "products")


@pytest.fixture(scope="module")
def limited_sandbox() -> Iterator[SandboxProcess]:
    """The sandbox in its own process, every Sales credential limited to RATE requests/s."""
    with SandboxProcess(
        seed=7, sales_tenants=1, records=RECORDS, latency_ms=20,
        rate_limits=(f"sales:{RATE}/s",),
    ) as process:  # fmt: skip
        yield process


def _tenants(process: SandboxProcess) -> tuple[list[TenantSpec], dict[str, str]]:
    """One tenant per resource, every one of them with the same key pair."""
    keys = process.info["sales"][0]
    env = {"SHARED_PUBLIC": keys["public_key"], "SHARED_PRIVATE": keys["private_key"]}
    common: dict[str, Any] = {
        "api": "sales", "retries": 0, "concurrency": 16, "rate": RATE, "per": 1.0,
        "base_url": process.info["sales_url"],
        "public_key_env": "SHARED_PUBLIC", "private_key_env": "SHARED_PRIVATE",
    }  # fmt: skip
    specs = [
        TenantSpec(label=f"shared-{resource}", resources=(resource,), **common)
        for resource in RESOURCES
    ]
    return specs, env


def test_tenants_sharing_a_credential_in_one_worker_share_its_rate(
    limited_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """
    Four tenants with one Sales key pair, each run by ``run_tenant`` in its own thread (its own
    event loop, concurrency 16) in one process, all complete with every record exactly once,
    in about the time the credential's one rate needs, and meet at most a few 429s: they pace
    through one shared governor instead of each sending at the full rate.
    """
    specs, env = _tenants(limited_sandbox)
    # Per tenant: a login and 5 pages (the last one empty), all through the one rate.
    needed = len(specs) * (1 + RECORDS // 300 + 1)
    bound = needed / RATE
    results: dict[str, Any] = {}

    def run(spec: TenantSpec) -> None:
        try:
            results[spec.label] = run_tenant(spec, str(tmp_path), env)
        except BaseException as exc:  # reported below, not lost in the thread
            results[spec.label] = {"error": repr(exc)}

    threads = [threading.Thread(target=run, args=(spec,)) for spec in specs]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(bound + 60)
    elapsed = time.monotonic() - started
    assert [] == [t.name for t in threads if t.is_alive()], "a tenant hangs"
    assert {s.label: "complete" for s in specs} == {
        label: r.get("status", r.get("error")) for label, r in results.items()
    }
    reference = Sandbox(seed=7, sales_records=RECORDS)
    for spec in specs:
        (resource,) = spec.resources
        expected = sorted(reference.ids("sales", resource))
        assert expected == sorted(exported_ids(tmp_path / spec.label / f"{resource}.jsonl"))
    throttled = sum(r["throttled"] for r in results.values())
    assert throttled <= 2, results
    assert elapsed <= 2 * bound + 5, (elapsed, bound)


def test_a_later_run_in_the_same_worker_may_give_the_credential_another_rate(
    limited_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """
    The worker's shared governors last while tasks run: once none is running, a later task
    (the next fleet run on a long-lived cluster) may give the same credential another rate.
    """
    specs, env = _tenants(limited_sandbox)
    first = run_tenant(specs[0], str(tmp_path / "first"), env)
    slower = attrs.evolve(specs[0], rate=RATE / 2)
    second = run_tenant(slower, str(tmp_path / "second"), env)
    assert ("complete", "complete") == (first["status"], second["status"]), second


def test_tenants_start_spread_over_one_request_interval() -> None:
    """
    The start offsets of 20 tenants lie within one request interval, fixed by their labels
    (the same tenant always gets the same offset), and spread over it rather than bunched:
    every quarter of the interval holds some of them.
    """
    interval = 0.2625
    offsets = [stagger(f"sales-{i}", interval) for i in range(20)]
    assert offsets == [stagger(f"sales-{i}", interval) for i in range(20)]
    assert all(0 <= offset < interval for offset in offsets)
    assert {0, 1, 2, 3} == {int(4 * offset / interval) for offset in offsets}


def test_tasks_of_one_credential_with_different_rates_run_side_by_side(
    limited_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """
    Two tasks of one credential that declare different rates (two fleet runs at once, or a
    lost result Dask computes again) both complete in one worker instead of one failing on
    the other's governor.
    """
    specs, env = _tenants(limited_sandbox)
    pair = [specs[0], attrs.evolve(specs[1], rate=RATE / 2)]
    results: dict[str, Any] = {}

    def run(spec: TenantSpec) -> None:
        try:
            results[spec.label] = run_tenant(spec, str(tmp_path), env)
        except BaseException as exc:  # reported below, not lost in the thread
            results[spec.label] = {"status": repr(exc)}

    threads = [threading.Thread(target=run, args=(spec,)) for spec in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {s.label: "complete" for s in pair} == {
        label: r["status"] for label, r in results.items()
    }, results
