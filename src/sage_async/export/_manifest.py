"""
The manifest of an export run: what was written, how it went, where each stream got to.

Strictly private; re-exported from :mod:`sage_async.export`. The manifest is returned by
:func:`~sage_async.export.export` and written to ``<out_dir>/manifest.json``. It names files,
counts and timestamps, never a credential.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import attrs

from sage_async._errors import ExportError
from sage_async.export._fs import write_json_atomic


__all__ = ["Manifest", "ResourceReport", "StreamReport"]

RunStatus = Literal["complete", "partial"]
ResourceStatus = Literal["complete", "failed", "pending"]


@attrs.define
class StreamReport:
    """
    One output stream of a resource: its upserts, or (Accounting) its deletes.

    Attributes:
        name: the stream name (``accounts``, ``stock_items.deleted``).
        kind: ``"upserts"`` or ``"deleted"``.
        output: the output file name (in the output directory), in place when ``complete``.
        complete: every page was written and the output file is in place.
        records: records written.
        pages: pages completed.
        requests: page requests started (cancelled speculative ones included).
        retries: retries of any request of the stream (login and token refreshes included).
        throttled: retries caused by HTTP 429.
        cancelled: page requests cancelled (beyond the end, or on interruption).
        duplicates: records dropped because a neighbouring page already had their id.
        skipped: records dropped because the previous run exported them (incremental runs).
        deleted: Sales: soft-deleted rows in the stream (``deleted: true``).
        recovered: full Accounting exports whose ``$total`` changed during the run: records
            the id-only pass found missing and fetched one by one (see ``total_last``).
        total_first: Accounting ``$total`` on the first page of the last session.
        total_last: Accounting ``$total`` on the latest page (differs when records were added
            or removed during the run: page-number pagination may then miss shifted records,
            which a full export recovers, see ``recovered``).
        since: the start of the window asked for (incremental runs), ISO-8601 UTC.
        watermark: the watermark reached (stored only when the resource completes).
        duration: seconds spent, across resumed sessions.
    """

    name: str
    kind: str
    output: str
    complete: bool = False
    records: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    cancelled: int = 0
    duplicates: int = 0
    skipped: int = 0
    deleted: int = 0
    recovered: int = 0
    total_first: int | None = None
    total_last: int | None = None
    since: str | None = None
    watermark: str | None = None
    duration: float = 0.0

    @property
    def total_changed(self) -> bool:
        """Whether ``$total`` changed during the run."""
        return self.total_first is not None and self.total_first != self.total_last


@attrs.define
class ResourceReport:
    """
    One resource of the run.

    Attributes:
        name: the resource name.
        status: ``complete``, ``failed`` (see ``error``) or ``pending`` (not reached).
        streams: the resource's streams (one, or two for Accounting incremental runs).
        error: what stopped the resource (an exception message: no secrets).
        drift: deviations from the models counted while validating (``validate=True``).
        error_kind: the class of the error (``AuthenticationError``, ``TransportError``, ...).
        resumable: whether running again with ``resume`` can help (not after the API refused
            the credentials or the user's permissions: those need fixing first).
    """

    name: str
    status: ResourceStatus = "pending"
    streams: list[StreamReport] = attrs.field(factory=list)
    error: str | None = None
    drift: int = 0
    error_kind: str | None = None
    resumable: bool = True

    def _sum(self, field: str) -> int:
        return sum(int(getattr(s, field)) for s in self.streams)

    @property
    def records(self) -> int:
        """Records written over every stream."""
        return self._sum("records")

    def to_json(self) -> dict[str, Any]:
        """The JSON form: totals over the streams, then each stream."""
        totals = {
            key: self._sum(key)
            for key in (
                "records", "pages", "requests", "retries", "throttled", "cancelled",
                "duplicates", "skipped", "deleted", "recovered",
            )
        }  # fmt: skip
        return {
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "error_kind": self.error_kind,
            "resumable": self.resumable,
            **totals,
            "total_changed": any(s.total_changed for s in self.streams),
            "drift": self.drift,
            "duration": round(sum(s.duration for s in self.streams), 3),
            "outputs": [s.output for s in self.streams],
            "watermark": next((s.watermark for s in self.streams if s.kind == "upserts"), None),
            "streams": [
                {**attrs.asdict(s), "duration": round(s.duration, 3)} for s in self.streams
            ],
        }


@attrs.define
class Manifest:
    """
    What an export run did.

    Attributes:
        api: ``"sales"`` or ``"accounting"``.
        tenant: the tenant label (a hash of the credential or business, never a key).
        format: the output format.
        out_dir: the output directory.
        status: ``complete`` when every resource completed, else ``partial`` (the checkpoint
            is kept and ``resume=True`` continues).
        started: when the run started (ISO-8601, UTC).
        finished: when it ended.
        duration: seconds this session took.
        resources: one report per resource, in the order asked.
        drift: the converter's drift report (``{model: {field: {kind: n}}}``) when the run
            validated records against the models.
        checkpoint: the checkpoint file, while one is kept (partial runs).
        replaced: completed output files of an earlier run this run wrote over (a new full
            export of a resource replaces the previous full export of it).
        runs: every completed run into this directory, oldest first: when it started, whether
            it exported everything (``full``) or only changes (``delta``), and its files. Apply
            a resource's files in this order (the last ``full`` one, then the later deltas)
            to rebuild its current state.
    """

    api: str
    tenant: str
    format: str
    out_dir: str
    status: RunStatus = "partial"
    started: str = ""
    finished: str = ""
    duration: float = 0.0
    resources: list[ResourceReport] = attrs.field(factory=list)
    drift: dict[str, Any] = attrs.field(factory=dict)
    checkpoint: str | None = None
    replaced: list[str] = attrs.field(factory=list)
    runs: list[dict[str, Any]] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """Whether every resource completed."""
        return self.status == "complete"

    @property
    def records(self) -> int:
        """Records written over every resource."""
        return sum(r.records for r in self.resources)

    def raise_for_status(self) -> None:
        """
        Raise when the run did not complete.

        Raises:
            ExportError: naming the resources that failed or were not reached.
        """
        if self.ok:
            return
        failed = [
            f"{r.name} ({r.error or r.status})" for r in self.resources if r.status != "complete"
        ]
        raise ExportError(f"export incomplete: {'; '.join(failed)}; resume to continue")

    def to_json(self) -> dict[str, Any]:
        """The JSON form written to ``manifest.json``."""
        return {
            "api": self.api,
            "tenant": self.tenant,
            "format": self.format,
            "out_dir": self.out_dir,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "duration": round(self.duration, 3),
            "records": self.records,
            "checkpoint": self.checkpoint,
            "resources": [r.to_json() for r in self.resources],
            "drift": self.drift,
            "replaced": self.replaced,
            "runs": self.runs,
        }

    def write(self, path: Path) -> None:
        """Write the manifest as JSON, atomically."""
        write_json_atomic(path, self.to_json())
