"""A refresh token from the environment survives its rotation: later runs and --resume work."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import sage_async
from sage_async.cli import main


SRC = str(Path(sage_async.__file__).resolve().parents[1])


@pytest.fixture
def server() -> Iterator[dict[str, str]]:
    """A sandbox process (one business, a few records); its URLs and ready-made credentials."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "sage_async.testing", "--port", "0", "--businesses", "1",
         "--accounting-records", "450"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(12)]
        text = "".join(lines)

        def find(pattern: str) -> str:
            match = re.search(pattern, text)
            assert match, text
            return match.group(1)

        yield {
            "accounting": find(r"Accounting v3\.1:\s+(\S+)"),
            "token": find(r"OAuth token URL:\s+(\S+)"),
            "client_id": find(r"client_id=(\S+)"),
            "client_secret": find(r"client_secret=(\S+)"),
            "refresh": find(r"ready-made refresh token: (\S+)"),
            "business": find(r"businesses: (\S+)"),
        }
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def test_rotated_refresh_token_is_kept_and_preferred_by_later_runs(
    server: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Two runs and a --resume with the same SAGE_ACCOUNTING_REFRESH_TOKEN all succeed: the first
    keeps the rotated token in the default store (0600), later runs use it and say so once;
    no token appears on stdout, stderr or in the manifest.
    """
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.delenv("APPDATA", raising=False)  # Windows would prefer it
    monkeypatch.delenv("SAGE_ACCOUNTING_TOKENS", raising=False)
    monkeypatch.delenv("SAGE_ACCOUNTING_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("SAGE_ACCOUNTING_CLIENT_ID", server["client_id"])
    monkeypatch.setenv("SAGE_ACCOUNTING_CLIENT_SECRET", server["client_secret"])
    monkeypatch.setenv("SAGE_ACCOUNTING_REFRESH_TOKEN", server["refresh"])
    monkeypatch.setenv("SAGE_ACCOUNTING_BUSINESS_ID", server["business"])
    out = tmp_path / "out"
    argv = ["export", "accounting", "stock_items", "--out", str(out), "--quiet",
            "--base-url", server["accounting"], "--token-url", server["token"]]  # fmt: skip
    outputs = []
    for extra in ([], ["--since", "auto"], ["--resume"]):
        status = main([*argv, *extra])
        captured = capsys.readouterr()
        assert 0 == status, captured.err
        outputs.append(captured.out + captured.err + (out / "manifest.json").read_text())
    stores = list((config / "sage-async").iterdir())
    assert 1 == len(stores)
    assert 0o600 == stat.S_IMODE(stores[0].stat().st_mode)
    assert 0o700 == stat.S_IMODE(stores[0].parent.stat().st_mode)
    kept = json.loads(stores[0].read_text())
    assert kept["refresh_token"] != server["refresh"]
    assert 450 == len((out / "stock_items.jsonl").read_text().splitlines())
    assert "newer refresh token kept in" not in outputs[0]
    for text in outputs[1:]:
        assert 1 == text.count("newer refresh token kept in")
    for text in outputs:
        for secret in (server["refresh"], kept["refresh_token"], kept["access_token"],
                       server["client_secret"]):  # fmt: skip
            assert secret not in text


# Real processes or a whole database sync: seconds each (still part of the default run).
pytestmark = pytest.mark.slow
