"""Ctrl-C (a real SIGINT) on the CLI during the fetch and during a CSV conversion, then resume."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sage_async


SRC = str(Path(sage_async.__file__).resolve().parents[1])


def command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sage_async", "export", "sales", "accounts", "--sandbox",
            "--records", "8000", "--seed", "5", "--out", str(out), "--quiet",
            *extra]  # fmt: skip


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def interrupt_when(path: Path, process: subprocess.Popen[bytes]) -> float:
    """Send SIGINT once ``path`` exists; return when it was sent."""
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    return time.monotonic()


def stop(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, err.decode()


def csv_ids(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


@pytest.mark.parametrize("moment", ["fetch", "convert"])
def test_sigint_stops_soon_with_one_line_and_resume_completes(moment: str, tmp_path: Path) -> None:
    """
    SIGINT while pages are fetched (after the first checkpoint) or while the staged records are
    converted to CSV (the hidden temporary file exists) ends the process within a few
    seconds with exit 130, one message line and no traceback, no temporary file left; a
    ``--resume`` then writes a CSV with every record exactly once.
    """
    out = tmp_path / "out"
    rate = ["--rate", "20"] if moment == "fetch" else []
    process = subprocess.Popen(command(out, "--format", "csv", *rate), env=environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    trigger = out / ("checkpoint.json" if moment == "fetch" else ".accounts.csv.tmp")
    sent = interrupt_when(trigger, process)
    status, err = stop(process)
    waited = time.monotonic() - sent
    if status == 0:
        pytest.skip("the run finished before the signal arrived (machine too fast)")
    assert 130 == status, err
    assert waited < 10
    assert "Traceback" not in err
    assert 1 == len([line for line in err.splitlines() if line.startswith("sage-async:")]), err
    assert [] == sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp"))
    resumed = subprocess.run(command(out, "--format", "csv", "--resume"), env=environment(),
                             capture_output=True, timeout=120)  # fmt: skip
    assert 0 == resumed.returncode, resumed.stderr.decode()
    ids = csv_ids(out / "accounts.csv")
    assert 8_000 == len(ids) == len(set(ids))


# Real processes or a whole database sync: seconds each (still part of the default run).
pytestmark = pytest.mark.slow
