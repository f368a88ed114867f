"""
The fleet on a LocalCluster with worker processes, against the sandbox in its own process:
every tenant exact, a wrong credential failing alone, incremental runs, a worker killed.
"""

from __future__ import annotations

import asyncio
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from sage_async import SalesClient
from sage_async._json import loads
from sage_async.fleet import export_fleet
from sage_async.testing import Sandbox
from sage_async.testing._process import SandboxProcess

from .conftest import TENANTS, check_exact, exported_ids, write_fleet


pytestmark = pytest.mark.slow

WRONG = """
[[tenants]]
label = "wrong"
api = "sales"
base_url = {url}
resources = ["accounts"]
public_key_env = "FLEET_SALES_PUBLIC_4"
private_key_env = "FLEET_WRONG_PRIVATE"
retries = 1
"""


def _wrong(sandbox_process: SandboxProcess) -> str:
    return WRONG.format(url=f'"{sandbox_process.info["sales_url"]}"')


def test_fleet_exports_every_tenant_exactly_once(
    sandbox_process: SandboxProcess, reference: Sandbox, dask_client: Any, tmp_path: Path
) -> None:
    """
    A fleet of 4 Sales and 4 Accounting tenants exports each tenant's own records exactly
    once into out/<label>/, and the fleet manifest reports each with its counts.
    """
    fleet = write_fleet(
        sandbox_process, tmp_path / "conf", defaults="rate = 50\nper = 1.0\nconcurrency = 4"
    )
    manifest = export_fleet(fleet, tmp_path / "out", client=dask_client)
    check_exact(tmp_path / "out", reference)
    assert "complete" == manifest.status
    written = loads((tmp_path / "out" / "fleet-manifest.json").read_bytes())
    assert 2 * TENANTS == written["tenants_complete"]
    for tenant in written["tenants"]:
        assert "complete" == tenant["status"]
        assert tenant["requests"] > 0
        assert 1 == tenant["attempts"]
        assert tenant["label"] + "/manifest.json" == tenant["manifest"]
    assert manifest.records == written["records"] == sum(t["records"] for t in written["tenants"])


def test_rotated_refresh_tokens_are_persisted_per_tenant(
    sandbox_process: SandboxProcess, dask_client: Any, tmp_path: Path
) -> None:
    """
    Each Accounting tenant starts with an expired access token and refreshes: its token
    store then holds the rotated refresh token (the old one is spent), still mode 0600.
    """
    fleet = write_fleet(
        sandbox_process, tmp_path / "conf", defaults="rate = 50\nper = 1.0\nconcurrency = 4"
    )
    before = {
        i: loads((tmp_path / "conf" / f"acc-{i}.tokens.json").read_bytes()) for i in range(TENANTS)
    }
    manifest = export_fleet(fleet, tmp_path / "out", client=dask_client)
    assert manifest.ok
    for i in range(TENANTS):
        store = tmp_path / "conf" / f"acc-{i}.tokens.json"
        after = loads(store.read_bytes())
        assert before[i]["refresh_token"] != after["refresh_token"]
        assert 0o600 == stat.S_IMODE(store.stat().st_mode)


def test_wrong_credentials_fail_alone_with_a_clear_message(
    sandbox_process: SandboxProcess,
    reference: Sandbox,
    dask_client: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    One tenant holding a wrong private key is failed in the manifest with the API's refusal;
    every other tenant completes, and the progress lines count it as failed.
    """
    fleet = write_fleet(
        sandbox_process, tmp_path / "conf", defaults="rate = 50\nper = 1.0\nconcurrency = 4",
        extra=_wrong(sandbox_process),
    )  # fmt: skip
    manifest = export_fleet(fleet, tmp_path / "out", client=dask_client, progress=sys.stderr)
    assert "partial" == manifest.status
    written = loads((tmp_path / "out" / "fleet-manifest.json").read_bytes())
    by_label = {t["label"]: t for t in written["tenants"]}
    assert "failed" == by_label["wrong"]["status"]
    assert "Invalid credentials" in by_label["wrong"]["error"]
    assert "not-the-private-key" not in str(written)
    assert 2 * TENANTS == written["tenants_complete"]
    check_exact(tmp_path / "out", reference)
    assert "1 failed" in capsys.readouterr().err.splitlines()[-1]


async def _create_account(sandbox_process: SandboxProcess) -> int:
    keys = sandbox_process.info["sales"][0]
    async with SalesClient(
        public_key=keys["public_key"], private_key=keys["private_key"],
        base_url=sandbox_process.info["sales_url"], rate=50,
    ) as client:  # fmt: skip
        created = await client.accounts.create({"name": "Newco", "branchId": 1, "salesRepId1": 1})
    return int(created.id)


def test_incremental_tenants_export_only_changes_on_the_next_run(
    sandbox_process: SandboxProcess, reference: Sandbox, dask_client: Any, tmp_path: Path
) -> None:
    """
    With since = "auto", the second fleet run exports only what changed since the first:
    the one account created in tenant sales-0, nothing for the others.
    """
    fleet = write_fleet(
        sandbox_process, tmp_path / "conf", defaults='rate = 50\nper = 1.0\nsince = "auto"'
    )
    first = export_fleet(fleet, tmp_path / "out", client=dask_client)
    assert first.ok
    assert first.records > 0
    created = asyncio.run(_create_account(sandbox_process))
    mirrored = reference.create("sales", "accounts", {"name": "Newco"})  # keep the copy equal
    assert created == mirrored["id"]
    second = export_fleet(fleet, tmp_path / "out", client=dask_client)
    assert second.ok
    tenant_dir = tmp_path / "out" / "sales-0"
    (delta,) = tenant_dir.glob("accounts.delta-*.jsonl")  # an incremental run's own file
    assert [created] == exported_ids(delta)
    assert created not in exported_ids(tenant_dir / "accounts.jsonl")
    assert {"sales-0": 1} == {t.label: t.records for t in second.tenants if t.records}


def test_a_finished_run_leaves_no_task_for_dask_to_compute_again(
    sandbox_process: SandboxProcess, dask_client: Any, tmp_path: Path
) -> None:
    """
    Once a fleet run returned (a tenant failed, so its task raised), the client wants none of
    its tasks any more: a worker that dies later cannot make Dask export a tenant again.
    """
    fleet = write_fleet(
        sandbox_process, tmp_path / "conf", defaults="rate = 50\nper = 1.0\nconcurrency = 4",
        extra=_wrong(sandbox_process),
    )  # fmt: skip
    manifest = export_fleet(fleet, tmp_path / "out", client=dask_client)
    assert ["failed"] == [t.status for t in manifest.tenants if t.label == "wrong"]
    wanted = [key for key, count in dask_client.refcount.items() if count and "fleet" in str(key)]
    assert [] == wanted
