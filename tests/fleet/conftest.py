"""
Fixtures of the fleet tests: the sandbox in a child process (the Dask worker processes reach
it on loopback) and one ``LocalCluster`` with worker processes, shared by the module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from sage_async.cli._login import load_tokens, save_tokens
from sage_async.testing import Sandbox
from sage_async.testing._process import SandboxProcess


distributed = pytest.importorskip("distributed")

SEED = 13
TENANTS = 4  # per API
RECORDS = 1500
RESOURCES = {"sales": ["accounts", "contacts"], "accounting": ["contacts"]}
SPENT = "spent"  # the expired access token the fleet's token stores start with


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[SandboxProcess]:
    """The sandbox, in its own process: 5 Sales tenants and 5 businesses."""
    process = SandboxProcess(
        seed=SEED, sales_tenants=TENANTS + 1, businesses=TENANTS + 1, records=RECORDS
    )
    with process:
        yield process


@pytest.fixture(scope="session")
def reference() -> Sandbox:
    """The same sandbox, not started: its data (same seed and sizes) to compare ids with."""
    return Sandbox(
        seed=SEED, sales_tenants=TENANTS + 1, businesses=TENANTS + 1,
        sales_records=RECORDS, accounting_records=RECORDS,
    )  # fmt: skip


@pytest.fixture(scope="session")
def fleet_env(
    sandbox_process: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The credentials' environment variables (set before the worker processes start)."""
    env = sandbox_process.fleet_files(
        tmp_path_factory.mktemp("env"), sales=TENANTS + 1, accounting=0, resources=RESOURCES
    )
    env["FLEET_WRONG_PRIVATE"] = "not-the-private-key"
    return env


@pytest.fixture(scope="session")
def dask_client(fleet_env: dict[str, str]) -> Iterator[Any]:
    """A LocalCluster of 2 worker processes (8 threads each) and its client."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in fleet_env.items():
            patch.setenv(name, value)
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=8, processes=True, dashboard_address=":0",
                silence_logs=40,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):  # fmt: skip
            yield client


def write_fleet(
    sandbox_process: SandboxProcess, directory: Path, *, defaults: str = "", extra: str = ""
) -> Path:
    """
    Write a fleet of TENANTS Sales and TENANTS Accounting tenants; return the file. The token
    stores hold an expired access token, as a store written the day before would: each
    Accounting tenant refreshes (and rotates its refresh token) before its first page.
    """
    directory.mkdir(parents=True, exist_ok=True)
    sandbox_process.fleet_files(
        directory, sales=TENANTS, accounting=TENANTS, resources=RESOURCES,
        defaults=defaults, extra_tenants=extra,
    )  # fmt: skip
    for store in directory.glob("acc-*.tokens.json"):
        tokens = load_tokens(store)
        save_tokens(store, attrs.evolve(tokens, access_token=SPENT, expires_at=time.time() - 60))
    return directory / "fleet.toml"


def exported_ids(path: Path) -> list[Any]:
    """The ids of the records of a JSON Lines export file, in file order."""
    from sage_async._json import loads

    with open(path, "rb") as handle:
        return [loads(line)["id"] for line in handle if line.strip()]


def check_exact(out: Path, reference: Sandbox, tenants: int = TENANTS) -> None:
    """Every tenant's files hold its own records, each exactly once."""
    from sage_async._json import dumps, loads

    for i in range(tenants):
        for resource in RESOURCES["sales"]:
            expected = sorted(reference.ids("sales", resource, tenant=i))
            actual = exported_ids(out / f"sales-{i}" / f"{resource}.jsonl")
            assert expected == sorted(actual), f"sales-{i} {resource}"
            # Sales ids are 1..n in every tenant: the records themselves tell tenants apart.
            col = reference.collection("sales", resource, tenant=i)
            with open(out / f"sales-{i}" / f"{resource}.jsonl", "rb") as handle:
                seeded = (loads(line) for line in handle)
                first = next(r for r in seeded if int(r["id"]) <= RECORDS)  # not a created one
            assert loads(dumps(col.get(int(first["id"]) - 1))) == first, f"sales-{i} {resource}"
        business = reference.business_ids[i]
        for resource in RESOURCES["accounting"]:
            expected = sorted(map(str, reference.ids("accounting", resource, business=business)))
            actual = exported_ids(out / f"acc-{i}" / f"{resource}.jsonl")
            assert expected == sorted(map(str, actual)), f"acc-{i} {resource}"


__all__ = ["RECORDS", "RESOURCES", "TENANTS", "check_exact", "exported_ids", "write_fleet"]
