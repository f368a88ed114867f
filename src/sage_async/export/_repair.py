"""
Make a full Accounting export exact when the collection changed during the run.

Strictly private. Accounting pages by offset: a record deleted (or added) while a run reads the
collection shifts every later record by one position, so a page fetched after the change
starts one record further on and a record at the page boundary is never delivered. A later
incremental run would not recover it (it did not change). ``$total`` changing during the run
tells that this may have happened; then :func:`recover` runs a cheap **id-only pass** (the list
without ``attributes``: each record is only ``id``, ``displayed_as`` and ``$path``, a fraction
of the bytes), finds the ids the staging file does not hold, fetches each with ``get`` and
appends it. A record deleted before it could be fetched is skipped (it is gone). The pass is
repeated while ``$total`` keeps changing during it, at most :data:`PASSES` times.

Memory stays flat however large the collection: the exported ids and the missing ids live in
a SQLite file beside the ``.part`` file (``<name>.jsonl.part.ids``), deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import orjson

from sage_async._accounting_resource import AccountingResource
from sage_async._errors import NotFoundError
from sage_async._pagination import record_id
from sage_async.export._part import PartFile


__all__ = ["FETCH_BATCH", "PASSES", "IdStore", "recover"]

PASSES: Final = 3  # id-only passes at most, while $total keeps changing during them
FETCH_BATCH: Final = 16  # missing records fetched concurrently (the governor paces them)
LOAD_CHUNK: Final = 5_000  # lines of the staging file read between two event-loop turns
Write = Callable[[list[dict[str, Any]]], int]  # returns how many it wrote


class IdStore:
    """
    Two sets of ids in a SQLite file: ``exported`` (in the staging file) and ``missing``.

    Args:
        path: the database file (replaced if it exists; deleted by :meth:`close`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.unlink(missing_ok=True)
        self._db = sqlite3.connect(path)
        # A scratch file rebuilt from the .part file on every use: durability buys nothing.
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE exported (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("CREATE TABLE missing (id TEXT PRIMARY KEY) WITHOUT ROWID")

    def load(self, part: Path) -> Iterator[int]:
        """
        Add the id of every record in a JSON Lines file to ``exported``, yielding the lines
        read after each chunk, so that the caller can give the event loop a turn in between
        (a million lines take seconds, and a Ctrl-C must not wait for them).
        """
        read = 0
        with open(part, "rb") as handle:
            while chunk := list(itertools.islice(handle, LOAD_CHUNK)):
                ids = [record_id(orjson.loads(line)) for line in chunk if line.strip()]
                self.add_exported(i for i in ids if i is not None)
                read += len(chunk)
                yield read

    def exported(self, ident: Any) -> bool:
        """Whether ``ident`` is in the staging file."""
        row = self._db.execute("SELECT 1 FROM exported WHERE id = ?", (str(ident),)).fetchone()
        return row is not None

    def add_exported(self, ids: Iterable[Any]) -> None:
        """Note ids now in the staging file."""
        self._db.executemany("INSERT OR IGNORE INTO exported VALUES (?)", ((str(i),) for i in ids))

    def add_missing(self, ids: Iterable[Any]) -> None:
        """Note ids listed by the API that the staging file lacks."""
        self._db.executemany("INSERT OR IGNORE INTO missing VALUES (?)", ((str(i),) for i in ids))

    def take_missing(self, limit: int) -> list[str]:
        """Remove and return up to ``limit`` missing ids."""
        rows = self._db.execute("SELECT id FROM missing LIMIT ?", (limit,)).fetchall()
        ids = [str(row[0]) for row in rows]
        self._db.executemany("DELETE FROM missing WHERE id = ?", ((i,) for i in ids))
        return ids

    def close(self) -> None:
        """Close and delete the database."""
        self._db.close()
        self.path.unlink(missing_ok=True)


async def recover(
    resource: AccountingResource[Any, Any],
    filters: Mapping[str, Any],
    part: PartFile,
    write: Write,
    *,
    concurrency: int | None,
) -> int:
    """
    Append to ``part`` (through ``write``) every record the collection lists but the file
    lacks; return how many were appended.

    Args:
        resource: the Accounting resource.
        filters: the main pass's list parameters (``attributes`` is dropped).
        part: the staging file (synced first, so that it can be read).
        write: appends records to ``part`` and counts them.
        concurrency: pages in flight in the id-only pass.
    """
    part.sync()
    store = IdStore(part.path.with_name(part.path.name + ".ids"))
    try:
        for _ in store.load(part.path):
            await asyncio.sleep(0)
        light = {k: v for k, v in filters.items() if k != "attributes"}
        recovered = 0
        for _ in range(PASSES):
            changed = await _scan(resource, light, store, concurrency)
            recovered += await _fetch_missing(resource, store, write)
            if not changed:
                break
        return recovered
    finally:
        store.close()


async def _scan(
    resource: AccountingResource[Any, Any],
    filters: Mapping[str, Any],
    store: IdStore,
    concurrency: int | None,
) -> bool:
    """The id-only pass: note the listed ids the file lacks; return whether $total changed."""
    stream = resource.pages(raw=True, ordered=False, concurrency=concurrency, **filters)
    try:
        async for page in stream:
            ids = [i for item in page.items if (i := record_id(item)) is not None]
            store.add_missing([i for i in ids if not store.exported(i)])
    finally:
        await stream.aclose()
    return stream.stats.total_changed


async def _fetch_missing(
    resource: AccountingResource[Any, Any], store: IdStore, write: Write
) -> int:
    """Fetch the missing records in small concurrent batches and append them."""
    appended = 0
    while batch := store.take_missing(FETCH_BATCH):
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_get(resource, ident)) for ident in batch]
        found = [record for task in tasks if (record := task.result()) is not None]
        fresh = [r for r in found if not store.exported(record_id(r))]
        appended += write(fresh)
        store.add_exported([record_id(r) for r in fresh])
    return appended


async def _get(resource: AccountingResource[Any, Any], ident: str) -> dict[str, Any] | None:
    with contextlib.suppress(NotFoundError):  # deleted since the id-only pass listed it
        return await resource.get(ident, raw=True)
    return None
