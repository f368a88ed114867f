"""
One tenant's whole export, as a Dask task: :func:`run_tenant` runs on a worker thread.

The task builds the tenant's client (credentials read on the worker, from the environment
variables and token store the fleet file names) and runs :func:`sage_async.export.export` in
its own event loop (``asyncio.run``) with ``resume=True``: a re-run (a Dask retry, a worker that
died, the next fleet run) continues from the tenant's checkpoint. An incomplete export raises
:class:`TenantIncomplete` so that Dask retries it; a configuration error (a missing variable, an
unreadable token store) is reported at once, since a retry cannot fix it.

Rate governors are shared by the tasks running in one worker process (:func:`_governors`):
tenants that use one credential (a Sales key pair, an Accounting business) pace through one
governor, from their own threads and event loops, instead of each sending at the full rate.

Strictly private.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sage_async import AccountingClient, GovernorRegistry, SalesClient
from sage_async._client import BaseClient
from sage_async._errors import UsageError
from sage_async._registry import GUARD
from sage_async.export import Manifest, export
from sage_async.export._fs import check_directory, write_json_atomic
from sage_async.fleet._report import TenantReport
from sage_async.fleet._spec import TenantSpec


__all__ = ["TenantIncomplete", "run_tenant"]

ATTEMPTS = "fleet-attempts.json"


#: The worker's governors (one per credential or business), by the rate the tenants declare.
_SHARED: dict[tuple[float | None, float | None], GovernorRegistry] = {}
_SHARED_LOCK = threading.Lock()
_running = 0  # tasks of this process using _SHARED


@contextlib.contextmanager
def _governors(tenant: TenantSpec) -> Iterator[GovernorRegistry]:
    """
    Lend one task the worker's registry for the tenant's declared rate: tenants of one
    credential and one rate share its governor. Two tasks of one credential with different
    rates (two fleet runs at once, a lost result Dask recomputes) pace apart rather than fail,
    and slow down on each other's 429s. When no task of the process runs any more, the
    registries are forgotten: a later fleet run may give a tenant another rate.
    """
    global _running
    with _SHARED_LOCK:
        _running += 1
        registry = _SHARED.setdefault((tenant.rate, tenant.per), GovernorRegistry(guard=GUARD))
    try:
        yield registry
    finally:
        with _SHARED_LOCK:
            _running -= 1
            if _running == 0:
                _SHARED.clear()


class TenantIncomplete(Exception):
    """
    Raised by a tenant task whose export did not complete, so that Dask retries it.

    ``args[0]`` is the report (a dict, picklable): the retry resumes from the checkpoint and
    the coordinator reports the last attempt's report when no retry is left.
    """

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(report)

    @property
    def report(self) -> dict[str, Any]:
        """The tenant report of the failed attempt."""
        return dict(self.args[0])

    def __str__(self) -> str:
        return str(self.args[0].get("error") or "export incomplete")


def run_tenant(
    tenant: TenantSpec, out: str, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """
    Export one tenant to ``<out>/<label>/``, resuming its checkpoint (the Dask task).

    Args:
        tenant: the tenant.
        out: the fleet's output directory (shared by every worker).
        env: where credentials are looked up (default: the worker's environment).

    Returns:
        The tenant report (``TenantReport.to_json()``), status ``complete``, or ``failed``
        for a configuration error.

    Raises:
        TenantIncomplete: the export did not complete (Dask retries the task).
    """
    directory = Path(out) / tenant.label
    started = time.monotonic()
    report = TenantReport(tenant.label, tenant.api)
    try:
        check_directory(directory)
        with _tenant_lock(directory), _governors(tenant) as registry:
            report.attempts = _count_attempt(directory)
            variables = os.environ if env is None else env
            manifest = asyncio.run(_export(tenant, directory, variables, registry))
    except UsageError as exc:
        report.status = "failed"
        report.error = str(exc).splitlines()[0]
        report.duration = time.monotonic() - started
        return report.to_json()
    report.absorb(manifest)
    report.duration = time.monotonic() - started
    if not manifest.ok:
        raise TenantIncomplete(report.to_json())
    return report.to_json()


@contextlib.contextmanager
def _tenant_lock(directory: Path) -> Iterator[None]:
    """
    Hold the tenant directory's lock: should a task ever run twice at once (a worker presumed
    dead but still running), the second waits, then resumes what the first left.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    with open(directory / ".fleet.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _count_attempt(directory: Path) -> int:
    """Count this attempt in ``fleet-attempts.json`` (reset when the last attempt completed)."""
    path = directory / ATTEMPTS
    attempts = 0
    with contextlib.suppress(OSError, ValueError):
        from sage_async._json import loads

        document = loads(path.read_bytes())
        if isinstance(document, dict) and not document.get("complete"):
            attempts = int(document.get("attempts", 0))
    write_json_atomic(path, {"attempts": attempts + 1, "complete": False})
    return attempts + 1


async def _export(
    tenant: TenantSpec, directory: Path, env: Mapping[str, str], registry: GovernorRegistry
) -> Manifest:
    client = _client(tenant, env, registry)
    since: datetime | str | None = tenant.since
    if tenant.since is not None and tenant.since != "auto":
        since = datetime.fromisoformat(tenant.since)
    async with client:
        await asyncio.sleep(stagger(tenant.label, client.governor.interval))
        manifest = await export(
            client, list(tenant.resources), out_dir=directory, format=tenant.format,
            since=since, resume=True, concurrency=tenant.concurrency,
        )  # fmt: skip
    if manifest.ok:
        write_json_atomic(directory / ATTEMPTS, {"attempts": 0, "complete": True})
    return manifest


def stagger(label: str, interval: float) -> float:
    """
    The tenant's start offset: a fraction of one request interval fixed by its label.

    Tenants submitted together would otherwise send in step (every tenant's n-th request at
    the same instant): their pages arrive together, their parsing holds the worker's GIL at the
    same moments, and the next requests of the others go out late by that much, late enough
    to land in the server's previous 1-second window (a 429). Spread over one interval, they
    take turns; the cost is at most one interval per tenant.
    """
    digest = hashlib.sha256(label.encode()).digest()
    return interval * int.from_bytes(digest[:4], "big") / 2**32


def _variable(tenant: TenantSpec, env: Mapping[str, str], key: str) -> str:
    name = getattr(tenant, key)
    value = env.get(name, "")
    if not value:
        raise UsageError(
            f"tenant {tenant.label!r}: environment variable {name} ({key}) is not set on the worker"
        )
    return value


def _client(tenant: TenantSpec, env: Mapping[str, str], registry: GovernorRegistry) -> BaseClient:
    extra: dict[str, Any] = {"registry": registry}
    if tenant.base_url:
        extra["base_url"] = tenant.base_url
    if tenant.api == "sales":
        if tenant.rate:
            extra["rate"] = tenant.rate / (tenant.per or 1.0)
        return SalesClient(
            public_key=_variable(tenant, env, "public_key_env"),
            private_key=_variable(tenant, env, "private_key_env"), **extra,
        )  # fmt: skip
    from sage_async.cli._login import load_tokens, save_tokens

    assert tenant.tokens is not None
    store = Path(tenant.tokens)
    if tenant.rate:
        extra.update(rate=tenant.rate, per=tenant.per or 1.0)
    if tenant.token_url:
        extra["token_url"] = tenant.token_url

    def persist(tokens: Any) -> None:
        # Written (fsync, 0600) before the new access token is used: a retry, or a worker that
        # dies right after, reads the rotated refresh token and never presents a spent one.
        save_tokens(store, tokens)

    return AccountingClient(
        client_id=_variable(tenant, env, "client_id_env"),
        client_secret=_variable(tenant, env, "client_secret_env"),
        tokens=load_tokens(store), business_id=tenant.business,
        on_token_refresh=persist, **extra,
    )  # fmt: skip
