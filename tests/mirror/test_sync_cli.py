"""`sage-async sync`: the sandbox quickstart, usage errors, and a SIGKILL mid-run then a rerun."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import duckdb
import pytest

import sage_async
from mirror._mirror import assert_mirrors, table
from sage_async.cli import main
from sage_async.cli._sync import DEFAULT_DUCKDB
from sage_async.testing import Sandbox


SRC = str(Path(sage_async.__file__).resolve().parents[1])


def test_sync_sandbox_writes_duckdb_in_the_working_directory_and_summarises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    `sync sales accounts --sandbox` loads into ./sage_async.duckdb (dataset sales_sandbox) and
    prints inserted/updated/deleted per table; a second run inserts nothing.
    """
    monkeypatch.chdir(tmp_path)
    argv = ["sync", "sales", "accounts", "--sandbox", "--records", "400", "--quiet",
            "--pipelines-dir", str(tmp_path / "pipelines")]  # fmt: skip
    assert 0 == main(argv)
    err = capsys.readouterr().err
    with duckdb.connect(str(tmp_path / DEFAULT_DUCKDB), read_only=True) as db:
        row = db.execute(
            "SELECT count(*), count(DISTINCT id) FROM sales_sandbox.accounts"
        ).fetchone()
    assert row is not None
    count, distinct = row
    assert count == distinct
    assert 380 <= count < 400  # the sandbox soft-deletes a few percent of its seeded records
    assert f"accounts: {count:,} inserted, 0 updated, 0 deleted" in err
    assert 0 == main(argv)
    assert "accounts: 0 inserted," in capsys.readouterr().err


def test_sync_unknown_resource_is_one_usage_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown resource name exits 2 with one line suggesting the close name."""
    monkeypatch.chdir(tmp_path)
    assert 2 == main(["sync", "sales", "acounts", "--sandbox"])
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err)
    assert "did you mean accounts" in err[0]
    assert not (tmp_path / DEFAULT_DUCKDB).exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
async def test_sigkill_mid_sync_then_rerun_ends_equal_to_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Kill -9 a `sage-async sync` while it pages; change records; a rerun leaves the table equal
    to the sandbox (no duplicate ids, deleted rows gone).
    """
    async with Sandbox(seed=9, sales_records={"accounts": 3000}, businesses=1) as sb:
        keys = sb.sales_credentials
        env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "SAGE_SALES_PUBLIC_KEY": keys.public_key,
               "SAGE_SALES_PRIVATE_KEY": keys.private_key}  # fmt: skip
        argv = ["sync", "sales", "accounts", "--base-url", sb.sales_url, "--dataset", "killed",
                "--pipelines-dir", str(tmp_path / "pipelines"), "--quiet"]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sage_async", *argv, "--rate", "4", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with asyncio.timeout(60):
                while len(sb.log.filter(api="sales", path="/accounts")) < 4:
                    assert process.returncode is None
                    await asyncio.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert -signal.SIGKILL == process.returncode
        assert process.stderr is not None
        await process.stderr.read()

        ids = sb.ids("sales", "accounts")
        live = [i for i in ids if not sb.record("sales", "accounts", i)["deleted"]]
        sb.update("sales", "accounts", live[0], {"name": "Changed after the kill"})
        sb.delete("sales", "accounts", live[-1])
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        assert 0 == await asyncio.to_thread(main, argv)
        expected = {
            i: r for i in sb.ids("sales", "accounts")
            if (r := sb.record("sales", "accounts", i)) and not r["deleted"]
        }  # fmt: skip
        db = tmp_path / DEFAULT_DUCKDB
        tenant = table(db, "killed", "accounts")[0]["_sage_tenant"]
        assert tenant.startswith("sales:")
        assert_mirrors("killed", db, "sales", "accounts", expected, tenant)


# Real processes or a whole database sync: seconds each (still part of the default run).
pytestmark = pytest.mark.slow
