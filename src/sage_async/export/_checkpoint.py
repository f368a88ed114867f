"""
Checkpoints of export runs: which pages are durable in which ``.part`` file, for what query.

Strictly private; :class:`PageSet`, :class:`StreamState`, :class:`Checkpoint` and
:class:`CheckpointStore` are re-exported from :mod:`sage_async.export`.

Pages of a concurrent run complete out of order, so the resumable position is not one page
number but **the contiguous completed prefix plus the finished pages beyond it** (PEERS §4.4):
``{"prefix": 41, "beyond": [43, 47]}`` means every page below 41 and pages 43 and 47 are done.
The file is JSON, written atomically (temporary file, fsync, ``os.replace``) after each durable
flush of a sink, so it never names a page whose records are not on disk::

    {
      "version": 1, "api": "sales", "tenant": "sales:3f2a...", "format": "jsonl",
      "started": "2025-01-01T00:00:00+00:00", "resources": ["accounts"],
      "streams": {
        "accounts": {
          "resource": "accounts", "kind": "upserts", "output": "accounts.jsonl",
          "part": "accounts.jsonl.part",
          "query": {"page_size": 300, "filters": {"order": "id"}, "since": null},
          "pages": {"first": 0, "prefix": 41, "beyond": [43, 47]},
          "offset": 3620112, "records": 12900, "finished": false, "complete": false,
          "counters": {"requests": 52, "retries": 3, ...}, "tracker": {...}, "report": null
        }
      }
    }
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import attrs

from sage_async._errors import UsageError
from sage_async._json import dumps
from sage_async.export._fs import read_json, write_bytes_atomic


__all__ = ["VERSION", "Checkpoint", "CheckpointStore", "PageSet", "StreamState"]

VERSION: Final = 1


@attrs.define
class PageSet:
    """
    Completed page numbers as a contiguous prefix plus the finished pages beyond it.

    Attributes:
        first: the API's first page number (Sales 0, Accounting 1).
        prefix: every page from ``first`` up to ``prefix - 1`` is done.
        beyond: done pages above the prefix (completed out of order).
    """

    first: int = 0
    prefix: int = attrs.field(default=attrs.Factory(lambda self: self.first, takes_self=True))
    beyond: set[int] = attrs.field(factory=set)

    def __attrs_post_init__(self) -> None:
        self.beyond = {n for n in self.beyond if n >= self.prefix}
        self._compact()

    def add(self, number: int) -> None:
        """Mark page ``number`` done; the prefix grows over every page that closes a gap."""
        if number < self.prefix:
            return
        self.beyond.add(number)
        self._compact()

    def _compact(self) -> None:
        while self.prefix in self.beyond:
            self.beyond.remove(self.prefix)
            self.prefix += 1

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and (
            self.first <= number < self.prefix or number in self.beyond
        )

    def __len__(self) -> int:
        return self.prefix - self.first + len(self.beyond)

    def numbers(self) -> frozenset[int]:
        """Every done page number (what ``pages(skip=...)`` takes)."""
        return frozenset(range(self.first, self.prefix)) | frozenset(self.beyond)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: ``{"first": 0, "prefix": 41, "beyond": [43, 47]}``."""
        return {"first": self.first, "prefix": self.prefix, "beyond": sorted(self.beyond)}

    @classmethod
    def from_json(cls, data: Any) -> PageSet:
        """Read the JSON form back (``beyond`` pages below the prefix are folded in)."""
        beyond: Iterable[int] = data.get("beyond", ())
        return cls(first=int(data["first"]), prefix=int(data["prefix"]), beyond=set(beyond))


@attrs.define
class StreamState:
    """
    The durable progress of one output stream (a resource's upserts, or its deletes).

    Attributes:
        resource: the resource name.
        kind: ``"upserts"`` or ``"deleted"``.
        output: the final file name (in the output directory).
        part: the staging file name (JSON Lines) until the stream completes.
        query: what the stream asks for; a resume refuses a different query.
        pages: the completed pages.
        offset: the size of the ``.part`` file after the last durable flush.
        records: records durably written.
        finished: every page was fetched (only the final rename/conversion may be missing).
        complete: the output file is in place.
        counters: requests, retries, 429s, cancellations and duplicates, across sessions.
        tracker: the incremental-sync accumulator at the last flush (see ``_watermark``).
        report: the stream's final report once complete.
    """

    resource: str
    kind: str
    output: str
    part: str
    query: dict[str, Any]
    pages: PageSet
    offset: int = 0
    records: int = 0
    finished: bool = False
    complete: bool = False
    counters: dict[str, int] = attrs.field(factory=dict)
    tracker: dict[str, Any] | None = None
    report: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the state."""
        data = attrs.asdict(self, recurse=False)
        data["pages"] = self.pages.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any) -> StreamState:
        """Read the JSON form back."""
        fields = {f.name for f in attrs.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["pages"] = PageSet.from_json(data["pages"])
        return cls(**values)


@attrs.define
class Checkpoint:
    """
    The resumable state of one export run.

    Attributes:
        api: ``"sales"`` or ``"accounting"``.
        tenant: the tenant label (never a key).
        format: the output format.
        started: when the run first started (ISO-8601, UTC): caps the watermarks it sets.
        resources: the resources the run exports, in order.
        streams: the state of each stream, by stream name (``stock_items.deleted``).
    """

    api: str
    tenant: str
    format: str
    started: str
    resources: list[str]
    streams: dict[str, StreamState] = attrs.field(factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the checkpoint."""
        return {
            "version": VERSION,
            "api": self.api,
            "tenant": self.tenant,
            "format": self.format,
            "started": self.started,
            "resources": list(self.resources),
            "streams": {name: state.to_json() for name, state in self.streams.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """
        Read the JSON form back.

        Raises:
            UsageError: the document is not a checkpoint of this version.
        """
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise UsageError("the checkpoint was written by another version; delete it")
        try:
            return cls(
                api=data["api"],
                tenant=data["tenant"],
                format=data["format"],
                started=data["started"],
                resources=list(data["resources"]),
                streams={k: StreamState.from_json(v) for k, v in data["streams"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(f"the checkpoint is damaged ({exc!r}); delete it") from exc


@attrs.define
class CheckpointStore:
    """A checkpoint file: load, save atomically, remove."""

    path: Path

    def load(self) -> Checkpoint | None:
        """
        Return the stored checkpoint, or ``None`` when there is none.

        Raises:
            UsageError: the file is not a readable checkpoint.
        """
        data = read_json(self.path)
        return None if data is None else Checkpoint.from_json(data)

    def save(self, checkpoint: Checkpoint) -> None:
        """Write the checkpoint atomically (temporary file, fsync, ``os.replace``)."""
        self.write(self.encode(checkpoint))

    def encode(self, checkpoint: Checkpoint) -> bytes:
        """The checkpoint's bytes as :meth:`save` writes them (a snapshot to write later)."""
        return dumps(checkpoint.to_json(), newline=True)

    def write(self, data: bytes) -> None:
        """Write bytes from :meth:`encode` atomically (from any thread)."""
        write_bytes_atomic(self.path, data)

    def remove(self) -> None:
        """Delete the checkpoint (the run completed)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
