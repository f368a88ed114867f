"""Two real processes exporting into one --out: the second refuses (or waits), nothing is mixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sage_async
from sage_async import GovernorRegistry, SalesClient
from sage_async._errors import UsageError
from sage_async.export import export
from sage_async.export._lock import LOCK_NAME, export_lock
from sage_async.testing import Sandbox


SRC = str(Path(sage_async.__file__).resolve().parents[1])
RECORDS = 4_500  # 15 pages of 300: at --rate 3 (6) the first run takes about 5 s (2.5 s)


def command(out: Path, *extra: str) -> list[str]:
    """The CLI export command against its own in-process sandbox (same seed, same data)."""
    return [sys.executable, "-m", "sage_async", "export", "sales", "accounts", "--sandbox",
            "--records", str(RECORDS), "--seed", "3", "--out", str(out), "--quiet",
            *extra]  # fmt: skip


def environment() -> dict[str, str]:
    """The child's environment: this checkout first on the path."""
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until the first run has written ``path`` (it holds the lock by then)."""
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, "the first run ended before writing its checkpoint"
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)


def finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Wait for a process; return its exit status and stderr."""
    _, err = process.communicate(timeout=120)
    return process.returncode, err.decode()


def test_second_process_into_the_same_out_refuses_and_the_first_output_is_exact(
    tmp_path: Path,
) -> None:
    """
    A second export started into the --out a running export writes to exits 2 at once with
    one line naming the directory; the first completes with every id exactly once.
    """
    out = tmp_path / "out"
    first = subprocess.Popen(command(out, "--rate", "3"), env=environment(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(out / "checkpoint.json", first)
        second = subprocess.run(command(out, "--rate", "500"), env=environment(),
                                capture_output=True, timeout=60)  # fmt: skip
        assert first.poll() is None, "the premise: the first run still holds the lock"
        first_status, first_err = finish(first)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    err = second.stderr.decode()
    assert 2 == second.returncode, err
    assert "Traceback" not in err
    assert [f"sage-async: error: another export is writing to {out.resolve()}; wait for it to "
            "finish or choose another --out"] == err.strip().splitlines()[1:]  # fmt: skip
    assert 0 == first_status, first_err
    ids = [json.loads(line)["id"] for line in (out / "accounts.jsonl").read_text().splitlines()]
    assert RECORDS == len(ids) == len(set(ids))
    assert "complete" == json.loads((out / "manifest.json").read_text())["status"]
    assert not (out / "checkpoint.json").exists()


def test_second_process_with_wait_runs_after_the_first(tmp_path: Path) -> None:
    """With --wait the second export waits for the lock, then runs to completion itself."""
    out = tmp_path / "out"
    first = subprocess.Popen(command(out, "--rate", "6"), env=environment(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(out / "checkpoint.json", first)
        second = subprocess.Popen(command(out, "--wait", "60"), env=environment(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        first_status, first_err = finish(first)
        second_status, second_err = finish(second)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert (0, 0) == (first_status, second_status), first_err + second_err
    ids = [json.loads(line)["id"] for line in (out / "accounts.jsonl").read_text().splitlines()]
    assert RECORDS == len(ids) == len(set(ids))


async def test_export_refuses_a_locked_directory_and_waits_with_lock_timeout(
    tmp_path: Path,
) -> None:
    """
    In process: export() raises UsageError while the directory is locked, times out after
    lock_timeout, and runs once the lock is free; the checkpoint directory is locked too.
    """
    out, elsewhere = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    elsewhere.mkdir()
    async with Sandbox(seed=1, sales_records=30, businesses=1) as sb:
        keys = sb.sales_credentials
        async with SalesClient(public_key=keys.public_key, private_key=keys.private_key,
                               base_url=sb.sales_url, rate=1000.0,
                               registry=GovernorRegistry()) as client:  # fmt: skip
            async with export_lock([out], wait=None):
                with pytest.raises(UsageError, match="another export is writing to"):
                    await export(client, "accounts", out_dir=out)
                begun = time.monotonic()
                with pytest.raises(UsageError, match=r"\(waited 0.2 s\)"):
                    await export(client, "accounts", out_dir=out, lock_timeout=0.2)
                assert 0.2 <= time.monotonic() - begun < 2
            async with export_lock([elsewhere], wait=None):
                with pytest.raises(UsageError, match="another export is writing to"):
                    await export(client, "accounts", out_dir=out,
                                 checkpoint=elsewhere / "checkpoint.json")  # fmt: skip
            manifest = await export(client, "accounts", out_dir=out)
    assert manifest.ok
    assert (out / LOCK_NAME).exists()


# Real processes or a whole database sync: seconds each (still part of the default run).
pytestmark = pytest.mark.slow
