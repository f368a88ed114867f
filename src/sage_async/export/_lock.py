"""
One export at a time per output directory: an exclusive lock on ``<dir>/.sage-async.lock``.

Strictly private. Two runs writing into one directory would interleave their ``.part`` files
and overwrite each other's checkpoint, watermarks and manifest, so :func:`export_lock` holds an
exclusive lock (:mod:`filelock`: ``flock``/``fcntl`` on POSIX, ``LockFileEx`` on Windows) on the
output directory, and on the checkpoint's directory when that is another one, for the whole
run. The operating system releases it when the process ends, even on ``kill -9``, so a stale
lock file never blocks a resume; the file itself is left in place (deleting it would let a
waiting run and a new one both "hold" the lock).

A second run refuses at once with a :class:`~sage_async.UsageError`, or, given a timeout,
waits that long for the first run to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Final

from filelock import FileLock, Timeout

from sage_async._errors import UsageError


__all__ = ["LOCK_NAME", "export_lock"]

LOCK_NAME: Final = ".sage-async.lock"
POLL: Final = 0.05  # seconds between two attempts while waiting


@contextlib.asynccontextmanager
async def export_lock(directories: Iterable[Path], *, wait: float | None) -> AsyncIterator[None]:
    """
    Hold the export lock of every directory in ``directories`` (in a fixed order).

    Args:
        directories: the output directory and the checkpoint's directory.
        wait: ``None`` or ``0`` refuses at once when another run holds a lock; a positive
            number waits up to that many seconds (polling, so the event loop keeps running
            and the wait can be cancelled).

    Raises:
        UsageError: another export holds a lock (after ``wait`` seconds).
    """
    if wait is not None and not wait >= 0:
        raise UsageError(f"lock_timeout must be a non-negative number of seconds, not {wait!r}")
    deadline = time.monotonic() + (wait or 0.0)
    unique = sorted({directory.resolve() for directory in directories}, key=str)
    async with contextlib.AsyncExitStack() as stack:
        for directory in unique:
            # thread_local=False: the run may hop threads between acquire and release.
            lock = FileLock(directory / LOCK_NAME, thread_local=False)
            await _acquire(lock, directory, deadline, wait)
            stack.callback(lock.release)
        yield


async def _acquire(lock: FileLock, directory: Path, deadline: float, wait: float | None) -> None:
    while True:
        try:
            lock.acquire(timeout=0)
            return
        except Timeout:
            left = deadline - time.monotonic()
            if left <= 0:
                waited = f" (waited {wait:g} s)" if wait else ""
                raise UsageError(
                    f"another export is writing to {directory}{waited}; wait for it to finish "
                    "or choose another --out"
                ) from None
            await asyncio.sleep(min(POLL, left))
