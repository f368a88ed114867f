"""Full Accounting exports of a collection edited during the run: deletes and inserts anywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sage_async.export import Progress, _repair, export
from sage_async.testing import Sandbox

from .conftest import accounting


RECORDS = 4_000  # 20 pages of 200 (the page size exports use)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=13, accounting_records={"stock_items": RECORDS}, businesses=1) as sb:
        sb.faults.latency(0.002, api="accounting", path="/stock_items")
        yield sb


def exported(path: Path) -> list[Any]:
    import json

    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


class Editor:
    """Deletes early records and inserts new ones, remembering both."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.deleted: set[Any] = set()
        self.inserted: set[Any] = set()

    def delete_early(self, count: int) -> None:
        for ident in self.sb.ids("accounting", "stock_items")[10 : 10 + count]:
            self.sb.delete("accounting", "stock_items", ident)
            self.deleted.add(ident)

    def insert(self, count: int) -> None:
        for n in range(count):
            record = self.sb.create("accounting", "stock_items", {"description": f"late {n}"})
            self.inserted.add(record["id"])


async def run(sb: Sandbox, out: Path, progress: Any = None) -> list[Any]:
    async with accounting(sb, business_id=sb.lead_business) as client:
        manifest = await export(client, "stock_items", out_dir=out, concurrency=2,
                                progress=progress)  # fmt: skip
    assert manifest.ok
    return exported(out / "stock_items.jsonl")


def assert_exact(before: list[Any], ids: list[Any], editor: Editor) -> None:
    assert editor.deleted or editor.inserted  # the premise: the collection did change
    assert len(ids) == len(set(ids))  # exactly once
    assert set() == set(before) - editor.deleted - set(ids)  # no survivor missing
    assert set() == set(ids) - set(before) - editor.inserted  # nothing made up


async def test_as_many_inserts_as_deletes_lose_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    """
    40 early records deleted and 40 inserted after page 3: ``$total`` ends where it began, but
    offset pages still shifted; every record that existed throughout is exported once.
    """
    before = sandbox.ids("accounting", "stock_items")
    editor = Editor(sandbox)

    def mutate(progress: Progress) -> None:
        if progress.pages == 3 and not progress.done and not editor.deleted:
            editor.delete_early(40)
            editor.insert(40)

    assert_exact(before, await run(sandbox, tmp_path, mutate), editor)


async def test_deletes_late_in_the_run_lose_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    """Deletes of early records after 17 of 20 pages still leave an exact file."""
    before = sandbox.ids("accounting", "stock_items")
    editor = Editor(sandbox)

    def mutate(progress: Progress) -> None:
        if progress.pages == 17 and not progress.done and not editor.deleted:
            editor.delete_early(30)

    assert_exact(before, await run(sandbox, tmp_path, mutate), editor)


async def test_inserts_only_during_the_run_lose_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    """Inserts after page 3 (``$total`` grows): every original record and no invention."""
    before = sandbox.ids("accounting", "stock_items")
    editor = Editor(sandbox)

    def mutate(progress: Progress) -> None:
        if progress.pages == 3 and not progress.done and not editor.inserted:
            editor.insert(25)

    assert_exact(before, await run(sandbox, tmp_path, mutate), editor)


async def test_deletes_and_inserts_during_the_id_only_pass_lose_nothing(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Deletes early in the main pass start an id-only pass; more deletes and inserts while that
    pass lists ids shift its own pages too; the file is still exact and the run ends.
    """
    before = sandbox.ids("accounting", "stock_items")
    editor = Editor(sandbox)
    real_scan = _repair._scan
    scans = 0

    async def scan_with_edits(*args: Any) -> bool:
        nonlocal scans
        scans += 1
        if scans == 1:
            editor.delete_early(20)
            editor.insert(10)
        return await real_scan(*args)

    monkeypatch.setattr(_repair, "_scan", scan_with_edits)

    def mutate(progress: Progress) -> None:
        if progress.pages == 4 and not progress.done and not editor.deleted:
            editor.delete_early(20)

    ids = await run(sandbox, tmp_path, mutate)
    assert scans >= 1
    assert_exact(before, ids, editor)


async def test_a_record_deleted_before_its_recovery_fetch_is_skipped(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record the id-only pass listed but that is deleted before its fetch ends no run."""
    before = sandbox.ids("accounting", "stock_items")
    editor = Editor(sandbox)
    real_fetch = _repair._fetch_missing

    async def fetch_after_deleting(resource: Any, store: Any, write: Any) -> int:
        pending = store.take_missing(10_000)
        for ident in pending[:3]:
            sandbox.delete("accounting", "stock_items", ident)
            editor.deleted.add(ident)
        store.add_missing(pending)
        return await real_fetch(resource, store, write)

    monkeypatch.setattr(_repair, "_fetch_missing", fetch_after_deleting)

    def mutate(progress: Progress) -> None:
        if progress.pages == 4 and not progress.done and not editor.deleted:
            editor.delete_early(30)

    assert_exact(before, await run(sandbox, tmp_path, mutate), editor)
