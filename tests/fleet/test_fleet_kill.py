"""A worker process killed in the middle of a fleet run: every tenant still ends exact."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sage_async.cli._login import load_tokens
from sage_async.fleet import FleetManifest, export_fleet
from sage_async.testing import Sandbox
from sage_async.testing._process import SandboxProcess

from .conftest import SPENT, TENANTS, check_exact, write_fleet


@pytest.mark.slow
def test_a_killed_worker_leaves_every_tenant_complete_and_exact(
    sandbox_process: SandboxProcess, reference: Sandbox, dask_client: Any, tmp_path: Path
) -> None:
    """
    SIGKILL one worker process while tenants are exporting (slowly: 8 requests/s each): Dask
    runs its tenants again on the other worker (or the restarted one), each resumes from its
    checkpoint, and every tenant's files hold its records exactly once.
    """
    fleet = write_fleet(
        sandbox_process, tmp_path / "conf", defaults="rate = 8\nper = 1.0\nconcurrency = 4"
    )
    out = tmp_path / "out"
    result: dict[str, FleetManifest] = {}
    runner = threading.Thread(
        target=lambda: result.update(manifest=export_fleet(fleet, out, client=dask_client))
    )
    runner.start()
    victim = _busy_worker_once_parts_exist(dask_client, out, tmp_path / "conf")
    pids = dask_client.run(os.getpid)
    os.kill(pids[victim], signal.SIGKILL)
    runner.join(120)
    assert not runner.is_alive()
    manifest = result["manifest"]
    assert ["complete"] * (2 * TENANTS) == [t.status for t in manifest.tenants]
    assert any(t.attempts >= 2 for t in manifest.tenants)  # some tenant was re-run
    check_exact(out, reference)


def _busy_worker_once_parts_exist(client: Any, out: Path, conf: Path) -> str:
    """
    The address of a worker running tenants, once some tenant has flushed records and every
    Accounting tenant has refreshed its token. A kill between the token endpoint's rotation
    and the worker receiving the answer spends the stored refresh token (the one window the
    client cannot close, docs/fleet.md); this test is about resuming pages, so it kills after.
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        refreshed = all(
            load_tokens(store).access_token != SPENT for store in conf.glob("acc-*.tokens.json")
        )
        parts = [p for p in out.glob("*/*.part") if p.stat().st_size > 0] if refreshed else []
        busy = {w: len(tasks) for w, tasks in client.processing().items() if tasks}
        if parts and busy:
            return max(busy, key=lambda w: busy[w])
        time.sleep(0.05)
    raise AssertionError("no tenant started writing within 60 s")
