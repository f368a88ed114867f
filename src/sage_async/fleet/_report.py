"""
Reports of a fleet run: :class:`TenantReport` per tenant, :class:`FleetManifest` for the run
(written atomically to ``<out>/fleet-manifest.json``). They hold counts, labels and error
messages, never a credential.

Strictly private; re-exported from :mod:`sage_async.fleet`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import attrs

from sage_async._errors import ExportError
from sage_async.export import Manifest
from sage_async.export._fs import write_json_atomic


__all__ = ["FleetManifest", "TenantReport"]

TenantStatus = Literal["complete", "failed", "pending"]
MANIFEST = "fleet-manifest.json"


@attrs.define
class TenantReport:
    """
    One tenant of a fleet run.

    Attributes:
        label: the tenant label (its directory under the output directory).
        api: ``"sales"`` or ``"accounting"``.
        status: ``complete``, ``failed`` (see ``error``) or ``pending`` (not run).
        records: records written (over every resource; resumed attempts included).
        requests: page requests sent.
        retries: retried requests (any cause).
        throttled: retries caused by HTTP 429.
        duration: seconds the last attempt took on its worker.
        attempts: attempts of the task in this run (Dask retries and re-runs after a worker
            died included).
        error: what stopped the tenant (no secrets).
        manifest: the tenant's export manifest, relative to the output directory.
    """

    label: str
    api: str
    status: TenantStatus = "pending"
    records: int = 0
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    duration: float = 0.0
    attempts: int = 0
    error: str | None = None
    manifest: str | None = None

    def absorb(self, manifest: Manifest) -> None:
        """Take the counts, status and first error of the tenant's export manifest."""
        streams = [s for r in manifest.resources for s in r.streams]
        self.records = manifest.records
        self.requests = sum(s.requests for s in streams)
        self.retries = sum(s.retries for s in streams)
        self.throttled = sum(s.throttled for s in streams)
        self.status = "complete" if manifest.ok else "failed"
        failed = [r for r in manifest.resources if r.status != "complete"]
        self.error = (
            "; ".join(f"{r.name}: {r.error or 'not reached'}" for r in failed) if failed else None
        )
        self.manifest = f"{self.label}/manifest.json"

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {**attrs.asdict(self), "duration": round(self.duration, 3)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TenantReport:
        """Read the JSON form back."""
        names = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@attrs.define
class FleetManifest:
    """
    What a fleet run did.

    Attributes:
        out_dir: the output directory.
        status: ``complete`` when every tenant completed, else ``partial``.
        started: when the run started (ISO-8601, UTC).
        finished: when it ended.
        duration: seconds.
        dashboard: the Dask dashboard link, when there was one.
        tenants: one report per tenant, in fleet-file order.
    """

    out_dir: str
    status: Literal["complete", "partial"] = "partial"
    started: str = ""
    finished: str = ""
    duration: float = 0.0
    dashboard: str | None = None
    tenants: list[TenantReport] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """Whether every tenant completed."""
        return self.status == "complete"

    @property
    def records(self) -> int:
        """Records written over every tenant."""
        return sum(t.records for t in self.tenants)

    def tenant(self, label: str) -> TenantReport:
        """
        The report of the tenant ``label``.

        Raises:
            KeyError: no such tenant.
        """
        for report in self.tenants:
            if report.label == label:
                return report
        raise KeyError(label)

    def raise_for_status(self) -> None:
        """
        Raise when a tenant did not complete.

        Raises:
            ExportError: naming the tenants that failed.
        """
        failed = [
            f"{t.label} ({t.error or t.status})" for t in self.tenants if t.status != "complete"
        ]
        if failed:
            raise ExportError(f"fleet export incomplete: {'; '.join(failed)}")

    def to_json(self) -> dict[str, Any]:
        """The JSON form written to ``fleet-manifest.json``."""
        count = {s: sum(t.status == s for t in self.tenants) for s in ("complete", "failed")}
        return {
            "out_dir": self.out_dir,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "duration": round(self.duration, 3),
            "dashboard": self.dashboard,
            "tenants_total": len(self.tenants),
            "tenants_complete": count["complete"],
            "tenants_failed": count["failed"],
            "records": self.records,
            "tenants": [t.to_json() for t in self.tenants],
        }

    def write(self) -> Path:
        """Write ``<out_dir>/fleet-manifest.json`` atomically; return its path."""
        path = Path(self.out_dir) / MANIFEST
        write_json_atomic(path, self.to_json())
        return path
