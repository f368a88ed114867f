"""A real SIGKILL of `python -m sage_async export ... --sandbox`, then --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sage_async
from sage_async.cli import main


SRC = str(Path(sage_async.__file__).resolve().parents[1])
RECORDS = 15_000  # 50 pages of 300


def command(out: Path, *extra: str) -> list[str]:
    """The export command; the in-process sandbox is seeded identically on every run."""
    return ["export", "sales", "accounts", "--sandbox", "--records", str(RECORDS), "--seed", "5",
            "--out", str(out), "--quiet", *extra]  # fmt: skip


def checkpointed_pages(out: Path) -> int:
    try:
        state = json.loads((out / "checkpoint.json").read_text())
    except (FileNotFoundError, ValueError):
        return 0
    pages = state["streams"]["accounts"]["pages"]
    return int(pages["prefix"]) - int(pages["first"]) + len(pages["beyond"])


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_export_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    """
    Kill -9 the CLI once a checkpoint names some pages; the final name never appears for the
    half-written file; --resume completes it, and the output equals an uninterrupted run's.
    """
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "sage_async", *command(killed, "--rate", "25")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while checkpointed_pages(killed) < 15:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
    assert -signal.SIGKILL == process.returncode
    assert not (killed / "accounts.jsonl").exists()
    part = killed / "accounts.jsonl.part"
    assert part.exists()
    done = checkpointed_pages(killed)
    assert 15 <= done < RECORDS // 300

    assert 0 == main(command(killed, "--resume"))
    straight = tmp_path / "straight"
    assert 0 == main(command(straight))

    resumed_lines = (killed / "accounts.jsonl").read_text().splitlines()
    straight_lines = (straight / "accounts.jsonl").read_text().splitlines()
    assert RECORDS == len(resumed_lines) == len(set(resumed_lines))
    assert sorted(straight_lines) == sorted(resumed_lines)
    manifest = json.loads((killed / "manifest.json").read_text())
    assert "complete" == manifest["status"]
    assert not part.exists()
    assert not (killed / "checkpoint.json").exists()


# Real processes or a whole database sync: seconds each (still part of the default run).
pytestmark = pytest.mark.slow
