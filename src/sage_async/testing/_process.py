"""
The sandbox in a child process, and a fleet file for its tenants: for the fleet tests and
benchmark, whose Dask worker processes reach the sandbox on loopback.

::

    with SandboxProcess(sales_tenants=4, businesses=4, records=500) as sb:
        env = sb.fleet_files(tmp_path, sales=4, accounting=4)   # writes fleet.toml, tokens
        os.environ.update(env)                                 # before the workers start

Strictly private.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from sage_async._json import loads


__all__ = ["SandboxProcess"]


class SandboxProcess:
    """
    ``python -m sage_async.testing --json`` run as a child process.

    Args:
        seed: the data seed.
        sales_tenants: Sales tenants.
        businesses: Accounting businesses.
        records: records per resource (and business).
        latency_ms: latency added to every request.
        rate_limits: ``--rate-limit`` values (``sales:4/s``), each per tenant.
        page_cache_mb: the rendered-page cache budget (``None``: the sandbox's default).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        sales_tenants: int = 1,
        businesses: int = 1,
        records: int = 100,
        latency_ms: float = 0.0,
        rate_limits: tuple[str, ...] = (),
        page_cache_mb: int | None = None,
    ) -> None:
        self.args = [
            sys.executable, "-m", "sage_async.testing", "--json", "--port", "0",
            "--seed", str(seed), "--sales-tenants", str(sales_tenants),
            "--businesses", str(businesses), "--sales-records", str(records),
            "--accounting-records", str(records), "--latency-ms", str(latency_ms),
        ]  # fmt: skip
        for limit in rate_limits:
            self.args += ["--rate-limit", limit]
        if page_cache_mb is not None:
            self.args += ["--page-cache-mb", str(page_cache_mb)]
        self.process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> None:
        """Start the child and read its description (raises when it does not come up)."""
        # our own interpreter and module, with arguments built from numbers above
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE)  # noqa: S603
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the sandbox process exited before describing itself")
        self.info = loads(line)

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None:
            return
        process, self.process = self.process, None
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.stop()

    def new_tokens(self) -> dict[str, Any]:
        """
        A fresh token pair from the child, through its OAuth flow (authorize, then exchange
        the code): each fleet file gets refresh tokens no earlier run has spent.
        """
        info = self.info
        query = urllib.parse.urlencode(
            {"client_id": info["client_id"], "redirect_uri": info["redirect_uri"],
             "response_type": "code"}
        )  # fmt: skip

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{info['authorize_url']}?{query}", timeout=10)
            raise RuntimeError("the sandbox did not redirect with a code")
        except urllib.error.HTTPError as redirect:
            location = redirect.headers["Location"]
            redirect.close()
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        form = urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code, "client_id": info["client_id"],
             "client_secret": info["client_secret"], "redirect_uri": info["redirect_uri"]}
        ).encode()  # fmt: skip
        with urllib.request.urlopen(info["token_url"], data=form, timeout=10) as answer:  # noqa: S310
            body: dict[str, Any] = loads(answer.read())
        return body

    def fleet_files(
        self,
        directory: Path,
        *,
        sales: int,
        accounting: int,
        resources: dict[str, list[str]],
        defaults: str = "",
        extra_tenants: str = "",
    ) -> dict[str, str]:
        """
        Write ``directory/fleet.toml`` (tenants ``sales-i`` and ``acc-i``) and a token store
        per Accounting tenant; return the environment variables the workers need.

        Args:
            directory: where the fleet file and token stores go.
            sales: Sales tenants (the first ``sales`` key pairs).
            accounting: Accounting tenants (the first ``accounting`` businesses).
            resources: resources to export by API.
            defaults: lines added to ``[defaults]``.
            extra_tenants: TOML appended (more ``[[tenants]]``).
        """
        from sage_async import TokenSet
        from sage_async.cli._login import save_tokens

        info = self.info
        env = {"FLEET_CLIENT_ID": info["client_id"], "FLEET_CLIENT_SECRET": info["client_secret"]}
        lines = ["[defaults]", defaults, ""]
        for i, keys in enumerate(info["sales"][:sales]):
            env[f"FLEET_SALES_PUBLIC_{i}"] = keys["public_key"]
            env[f"FLEET_SALES_PRIVATE_{i}"] = keys["private_key"]
            lines += [
                "[[tenants]]", f'label = "sales-{i}"', 'api = "sales"',
                f"base_url = {json.dumps(info['sales_url'])}",
                f"resources = {json.dumps(resources['sales'])}",
                f'public_key_env = "FLEET_SALES_PUBLIC_{i}"',
                f'private_key_env = "FLEET_SALES_PRIVATE_{i}"', "",
            ]  # fmt: skip
        for i, business in enumerate(info["businesses"][:accounting]):
            store = directory / f"acc-{i}.tokens.json"
            save_tokens(store, TokenSet.from_response(self.new_tokens()))
            lines += [
                "[[tenants]]", f'label = "acc-{i}"', 'api = "accounting"',
                f"base_url = {json.dumps(info['accounting_url'])}",
                f"token_url = {json.dumps(info['token_url'])}",
                f"business = {json.dumps(business['id'])}",
                f"resources = {json.dumps(resources['accounting'])}",
                'client_id_env = "FLEET_CLIENT_ID"', 'client_secret_env = "FLEET_CLIENT_SECRET"',
                f'tokens = "{store.name}"', "",
            ]  # fmt: skip
        (directory / "fleet.toml").write_text("\n".join(lines) + extra_tenants, encoding="utf-8")
        return env
