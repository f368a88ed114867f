"""
The sandbox as a separate server process: start, wait until it answers, mint tokens, stop.

The server's CPU time is read from ``/proc/<pid>/stat`` before and after each client run, so
the results can show what the server spent per record (it shares the machine's cores).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
from pathlib import Path
from typing import Any

import attrs


ROOT = Path(__file__).resolve().parent.parent
# The sandbox's documented default credentials (``sage_async.testing.Sandbox``).
SALES_PUBLIC_KEY = "sandbox-public-key"
SALES_PRIVATE_KEY = "sandbox-private-key"
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
REDIRECT_URI = "http://127.0.0.1/callback"


@attrs.frozen
class ServerOptions:
    """What one sandbox process serves: data size, latency, rate limits, cache budget."""

    sales_records: int
    accounting_records: int
    latency_ms: float = 0.0
    rate_limits: tuple[str, ...] = ()
    businesses: int = 3
    page_cache_mb: int = 1536
    seed: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(options: ServerOptions, port: int, stats_port: int) -> list[str]:
    module = "benchmarks._serve"  # sage_async.testing, plus its request log's status counts
    command = [sys.executable, "-m", module, "--port", str(port), "--seed", str(options.seed)]
    command += ["--stats-port", str(stats_port)]
    command += ["--sales-records", str(options.sales_records)]
    command += ["--accounting-records", str(options.accounting_records)]
    command += ["--businesses", str(options.businesses), "--access-ttl", "86400"]
    command += ["--page-cache-mb", str(options.page_cache_mb)]
    if options.latency_ms:
        command += ["--latency-ms", str(options.latency_ms)]
    for limit in options.rate_limits:
        command += ["--rate-limit", limit]
    return command


class SandboxProcess:
    """A running sandbox server process (use as a context manager)."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.port = free_port()
        self.stats_port = free_port()
        self.command = server_command(options, self.port, self.stats_port)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.proc: subprocess.Popen[bytes] | None = None
        self.business_ids: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sales_url(self) -> str:
        return f"{self.url}/sales/api/v4"

    @property
    def accounting_url(self) -> str:
        return f"{self.url}/accounting/v3.1"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    def __enter__(self) -> SandboxProcess:
        self.proc = subprocess.Popen(
            self.command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._log.seek(0)
                output = self._log.read().decode(errors="replace")
                self.close()
                raise RuntimeError(f"sandbox did not start: {self.command}\n{output}")
            time.sleep(0.1)
        self.business_ids = self._businesses()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def _answers(self) -> bool:
        try:
            status, _ = self.request("GET", "/sales/api/v4/accounts")
        except OSError:
            return False
        return status == 401

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, response

    def _json(self, method: str, path: str, body: str, headers: dict[str, str]) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request(method, path, body, headers)
        data = json.loads(conn.getresponse().read())
        conn.close()
        return data

    def accounting_token(self) -> str:
        """Run the OAuth code flow (the authorize endpoint redirects at once) for a token."""
        query = urllib.parse.urlencode(
            {
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "response_type": "code",
                "state": "bench",
            }
        )
        _, response = self.request("GET", f"/oauth/authorize?{query}")
        location = response.getheader("Location") or ""
        code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
        form = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        )
        tokens = self._json(
            "POST", "/oauth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        return str(tokens["access_token"])

    def _businesses(self) -> list[str]:
        token = self.accounting_token()
        data = self._json(
            "GET", "/accounting/v3.1/businesses", "", {"Authorization": f"Bearer {token}"}
        )
        items = data.get("$items", data) if isinstance(data, dict) else data
        return [str(item["id"]) for item in items]

    def status_counts(self) -> dict[str, int]:
        """
        Requests the server answered so far, by ``"<api> <status>"`` (``"sales 429"``), counted
        from its own request log (``benchmarks/_serve.py``), not reported by the clients.
        """
        conn = http.client.HTTPConnection("127.0.0.1", self.stats_port, timeout=60)
        try:
            conn.request("GET", "/counts")
            counts: dict[str, int] = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        return counts

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far."""
        if self.proc is None:
            return 0.0
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def rss_mib(self) -> float:
        """The server's current resident set (MiB)."""
        if self.proc is None:
            return 0.0
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0
