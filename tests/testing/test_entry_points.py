"""The process entry point (python -m sage_async.testing) and the pytest plugin."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from sage_async.testing import Sandbox
from sage_async.testing.__main__ import _apply_rate_limit, _parser

from .conftest import get_json


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


async def test_module_runs_prints_urls_and_stops_on_sigterm(http: aiohttp.ClientSession) -> None:
    """`python -m sage_async.testing --port 0` prints its URLs, serves, and exits on SIGTERM."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sage_async.testing",
        "--port",
        "0",
        "--sales-records",
        "10",
        "--rate-limit",
        "sales:13/s",
        stdout=asyncio.subprocess.PIPE,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 20)).decode() for _ in range(3)]
        sales_url = lines[1].split()[-1]
        assert sales_url.startswith("http://127.0.0.1:")
        assert "password=sandbox-private-key" in lines[2]
        body = {"username": "sandbox-public-key", "password": "sandbox-private-key"}
        async with http.post(f"{sales_url}/login", json=body) as resp:
            token = (await resp.json())["token"]
        status, rows, _ = await get_json(
            http, f"{sales_url}/accounts", headers={"X-Session-Key": token}
        )
        assert (status, len(rows)) == (200, 10)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0


def test_rate_limit_option_parsing() -> None:
    """--rate-limit takes api:N/s or api:N/min and combines both units for one API."""
    sandbox = Sandbox()
    _apply_rate_limit(sandbox, "accounting:200/min")
    _apply_rate_limit(sandbox, "accounting:10/s")
    limit = sandbox.faults.limits["accounting"]
    assert (limit.per_second, limit.per_minute) == (10, 200)
    with pytest.raises(SystemExit):
        _apply_rate_limit(sandbox, "sales:fast")
    assert _parser().parse_args([]).port == 8080


@pytest.mark.parametrize(
    "ini", ["[pytest]\nasyncio_mode = auto\n", "[pytest]\n"], ids=["auto", "strict"]
)
def test_pytest_plugin_fixture(tmp_path: Path, ini: str) -> None:
    """
    A user's test suite enabling the plugin gets a started `sage_sandbox` per test, in
    pytest-asyncio's auto mode and in its default strict mode (no marker on the test).
    """
    (tmp_path / "pytest.ini").write_text(ini)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["sage_async.testing.pytest_plugin"]\n')
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import aiohttp
            import pytest

            @pytest.mark.sage_sandbox_options(sales_records=3, seed=4)
            async def test_it(sage_sandbox):
                creds = sage_sandbox.sales_credentials
                body = {"username": creds.public_key, "password": creds.private_key}
                async with aiohttp.ClientSession() as http:
                    async with http.post(sage_sandbox.sales_url + "/login", json=body) as r:
                        token = (await r.json())["token"]
                    async with http.get(
                        sage_sandbox.sales_url + "/accounts", headers={"X-Session-Key": token}
                    ) as r:
                        assert len(await r.json()) == 3
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
