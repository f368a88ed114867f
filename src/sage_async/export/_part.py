"""
The staging file every stream writes: JSON Lines in ``<name>.jsonl.part``.

Strictly private. Records are appended as one JSON object per line (wire field names, money as
exact numbers). :meth:`PartFile.sync` flushes and fsyncs and returns the durable size, which the
checkpoint stores; a resumed run truncates the file back to that size, so records written after
the last checkpoint (whose pages the checkpoint does not name) are dropped and fetched again.
Only when the stream completes does the file become the output (``_formats.finalize``), so a
crash never leaves a half-written file under the final name.

The bytes reach the file in a writer thread: the copy into the kernel (and the file system's
block allocation) releases the GIL, so it runs on another core while the event loop parses the
next page. Writes stay in order (one thread), at most :data:`MAX_PENDING` chunks wait (then the
caller waits: the disk sets the pace, memory stays flat), and :meth:`PartFile.sync` writes
everything queued before it fsyncs, so a checkpoint never names bytes that are not in the file.
A failed write is raised by the next ``write``, ``sync`` or ``close``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import orjson

from sage_async._errors import ExportError
from sage_async._json import _default


__all__ = ["MAX_PENDING", "PartFile"]

#: Chunks (pages) queued for the writer thread before ``write`` waits for the oldest.
MAX_PENDING = 8


class PartFile:
    """
    An append-only JSON Lines staging file with durable sync points.

    Args:
        path: the ``.part`` file.
        resume_at: continue an interrupted stream: truncate the file to this size and append.
            ``None`` starts a new file (an existing one is emptied).

    Raises:
        ExportError: resuming, the file is missing or shorter than the checkpoint says.
    """

    def __init__(self, path: Path, *, resume_at: int | None = None) -> None:
        self.path = path
        self._file: IO[bytes]
        if resume_at is None:
            self._file = open(path, "wb")  # noqa: SIM115 - closed by close()
        else:
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                size = -1
            if size < resume_at:
                raise ExportError(
                    f"cannot resume: {path.name} is missing or shorter than the checkpoint "
                    f"({max(size, 0)} < {resume_at} bytes); run again without resume"
                )
            self._file = open(path, "r+b")  # noqa: SIM115 - closed by close()
            self._file.truncate(resume_at)
            self._file.seek(resume_at)
        self.durable = self._end = self._file.tell()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sage-async-part")
        self._pending: deque[Future[Any]] = deque()
        self._failed: BaseException | None = None

    def write(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Append records, one JSON object per line; return the bytes written."""
        # orjson directly (no wrapper call per record): raw pages hold only JSON types, and
        # ``_default`` still writes a Decimal as an exact number.
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        return self._append(
            b"".join([dumps(record, default=_default, option=option) for record in records])
        )

    def write_lines(self, lines: list[bytes]) -> int:
        """Append records given as their JSON bytes (one line each); return the bytes written."""
        return self._append(b"\n".join(lines) + b"\n" if lines else b"")

    @property
    def written(self) -> int:
        """The file's size once every queued write has landed."""
        return self._end

    def sync_then(self, after: Callable[[], None]) -> Future[None]:
        """
        Queue a durable point without waiting for it: in the writer thread, after the writes
        queued so far, flush and fsync (the file is then :attr:`written` bytes long) and call
        ``after`` (e.g. write the checkpoint naming that size). A failure is raised by the next
        ``write``, ``sync`` or ``close`` as well as by the returned future.
        """
        self._raise_failure()
        size = self._end

        def durable_point() -> None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self.durable = size
            after()

        job = self._writer.submit(durable_point)
        self._pending.append(job)
        return job

    def _append(self, data: bytes) -> int:
        self._raise_failure()
        pending = self._pending
        while len(pending) >= MAX_PENDING:
            self._settle(pending.popleft())
        if data:
            pending.append(self._writer.submit(self._file.write, data))
            self._end += len(data)
        return len(data)

    def sync(self) -> int:
        """Write what is queued, flush and fsync; return the durable size (for the checkpoint)."""
        self._drain()
        self._file.flush()
        os.fsync(self._file.fileno())
        self.durable = self._end
        return self.durable

    def close(self) -> None:
        """
        Write what is queued and close the file (without an fsync: call :meth:`sync` first to
        make it durable). The file is closed even when a write failed; the failure is raised.
        """
        try:
            if not self._file.closed:
                self._drain()
        finally:
            self._writer.shutdown(wait=True)
            self._file.close()

    def _drain(self) -> None:
        pending = self._pending
        while pending:
            self._settle(pending.popleft())
        self._raise_failure()

    def _settle(self, job: Future[Any]) -> None:
        if job.cancelled():
            return  # a durable point cancelled before it ran (writes are never cancelled)
        try:
            job.result()
        except BaseException as exc:
            # Later chunks would land after a hole: every later write is refused as well.
            if self._failed is None:
                self._failed = exc
            raise

    def _raise_failure(self) -> None:
        if self._failed is not None:
            raise self._failed

    @property
    def closed(self) -> bool:
        """Whether the file is closed."""
        return self._file.closed
