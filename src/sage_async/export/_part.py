"""
The staging file every stream writes: JSON Lines in ``<name>.jsonl.part``.

Strictly private. Records are appended as one JSON object per line (wire field names, money as
exact numbers). :meth:`PartFile.sync` flushes and fsyncs and returns the durable size, which the
checkpoint stores; a resumed run truncates the file back to that size, so records written after
the last checkpoint (whose pages the checkpoint does not name) are dropped and fetched again.
Only when the stream completes does the file become the output (``_formats.finalize``), so a
crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from sage_async._errors import ExportError
from sage_async._json import _default


__all__ = ["PartFile"]


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
        self.durable = self._file.tell()

    def write(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Append records, one JSON object per line; return the bytes written."""
        # orjson directly (no wrapper call per record): raw pages hold only JSON types, and
        # ``_default`` still writes a Decimal as an exact number.
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        data = b"".join([dumps(record, default=_default, option=option) for record in records])
        self._file.write(data)
        return len(data)

    def sync(self) -> int:
        """Flush and fsync; return the durable size (what the checkpoint stores)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self.durable = self._file.tell()
        return self.durable

    def close(self) -> None:
        """Close the file (without syncing: call :meth:`sync` first to keep what was written)."""
        self._file.close()

    @property
    def closed(self) -> bool:
        """Whether the file is closed."""
        return self._file.closed
