"""
Durable file operations: atomic JSON documents and the output directory check.

Strictly private. A document is written to a temporary file beside its target, flushed and
fsynced, then renamed over the target with :func:`os.replace` (atomic on POSIX and Windows), and
the directory is fsynced so that the rename itself survives a power cut. A reader therefore sees
the old document or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sage_async._errors import UsageError
from sage_async._json import dumps, loads


__all__ = [
    "check_directory", "disk_error", "fsync_directory", "read_json", "write_json_atomic",
]  # fmt: skip


def fsync_directory(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (a no-op where directories cannot sync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, document: Any) -> None:
    """
    Write ``document`` as JSON to ``path``: temporary file, fsync, :func:`os.replace`.

    On any failure (a full disk: ``OSError`` ENOSPC) the temporary file is removed and the
    target keeps its previous content.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(dumps(document, newline=True))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def disk_error(exc: OSError, where: Path) -> str:
    """One line for a failed file operation (``No space left on device``, ...)."""
    reason = exc.strerror or type(exc).__name__
    name = exc.filename if isinstance(exc.filename, str) else str(where)
    return f"cannot write {name}: {reason}"


def read_json(path: Path) -> Any | None:
    """
    Read a JSON document, or ``None`` when the file does not exist.

    Raises:
        UsageError: the file exists but is not JSON (it was not written by this module).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return loads(data)
    except ValueError as exc:
        raise UsageError(f"{path} is not a valid JSON document ({exc}); delete it") from exc


def check_directory(path: Path) -> Path:
    """
    Create ``path`` if needed and prove that files can be created and renamed in it.

    Raises:
        UsageError: the directory cannot be created or written (the reason is in the message).
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".sage-async-probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot write to output directory {str(path)!r}: {reason}") from exc
    return path
