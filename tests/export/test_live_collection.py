"""A full Accounting export of a collection that changes during the run is still exact."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sage_async import AccountingClient
from sage_async.export import Progress, _repair, export
from sage_async.export._repair import IdStore
from sage_async.testing import Sandbox

from .conftest import ids_of, names_in


async def test_deletes_and_inserts_during_a_full_accounting_export_lose_nothing(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], tmp_path: Path
) -> None:
    """
    Records deleted near the start of the collection while pages are read shift every later
    record back; the run notices ``$total`` change, and an id-only pass fetches what the
    pages skipped: every record that existed throughout is in the file exactly once, and so
    is every record inserted before the id-only pass.
    """
    sandbox.faults.latency(0.005, api="accounting", path="/stock_items")
    before = sandbox.ids("accounting", "stock_items")
    deleted: set[object] = set()
    inserted: set[object] = set()

    def mutate(progress: Progress) -> None:
        """After 3 and after 6 pages: delete 40 early records, insert 5."""
        if progress.done or progress.pages not in (3, 6):
            return
        for ident in sandbox.ids("accounting", "stock_items")[20:60]:
            sandbox.delete("accounting", "stock_items", ident)
            deleted.add(ident)
        for n in range(5):
            record = sandbox.create("accounting", "stock_items", {"description": f"new {n}"})
            inserted.add(record["id"])

    async with accounting_client(business_id=sandbox.lead_business) as client:
        manifest = await export(client, "stock_items", out_dir=tmp_path, concurrency=2,
                                progress=mutate)  # fmt: skip
    assert manifest.ok
    assert 80 == len(deleted)
    ids = ids_of(tmp_path / "stock_items.jsonl")
    assert len(ids) == len(set(ids))  # exactly once
    survivors = set(before) - deleted
    assert set() == survivors - set(ids)  # nothing that existed throughout is missing
    assert set() == inserted - set(ids)
    assert set() == set(ids) - set(before) - inserted  # nothing made up
    stream = manifest.resources[0].streams[0]
    assert stream.total_changed
    assert stream.recovered > 0
    assert json.loads((tmp_path / "manifest.json").read_text())["resources"][0]["recovered"] > 0
    assert [] == names_in(tmp_path, "*.ids") + names_in(tmp_path, "*.part")


async def test_a_stable_collection_needs_no_id_only_pass(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], tmp_path: Path
) -> None:
    """
    $total unchanged and nothing deleted meanwhile (one deleted_since probe says so): no id-only
    pass, nothing recovered.
    """
    async with accounting_client(business_id=sandbox.lead_business) as client:
        manifest = await export(client, "stock_items", out_dir=tmp_path)
    assert manifest.ok
    assert 0 == manifest.resources[0].streams[0].recovered
    lists = [e for e in sandbox.log if e.method == "GET" and e.path.endswith("/stock_items")]
    probes = [e for e in lists if "deleted_since" in e.query]
    assert 1 == len(probes)
    assert "1" == probes[0].query["items_per_page"]
    assert all("attributes" in entry.query for entry in lists if entry not in probes)


def test_id_store_keeps_ids_on_disk_and_removes_its_file(tmp_path: Path) -> None:
    """
    The exported ids are read from the staging file into SQLite (not a Python set): lookups,
    the missing queue taken in batches without repeats, and the file gone after close().
    """
    part = tmp_path / "items.jsonl.part"
    part.write_text("".join(json.dumps({"id": f"{i:032x}", "n": i}) + "\n" for i in range(20_000)))
    store = IdStore(tmp_path / "items.jsonl.part.ids")
    try:
        assert [5_000, 10_000, 15_000, 20_000] == list(store.load(part))
        assert store.exported(f"{19_999:032x}")
        assert not store.exported("nope")
        store.add_missing(["a", "b", "c", "a"])
        taken = store.take_missing(2) + store.take_missing(2) + store.take_missing(2)
        assert ["a", "b", "c"] == sorted(taken)
        assert (tmp_path / "items.jsonl.part.ids").exists()
    finally:
        store.close()
    assert ["items.jsonl.part"] == names_in(tmp_path)


async def test_an_interrupted_id_only_pass_resumes_to_an_exact_file(
    sandbox: Sandbox,
    accounting_client: Callable[..., AccountingClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """
    Interrupted while fetching the missing records, the run keeps a consistent checkpoint;
    --resume runs the id-only pass again and the file holds every survivor exactly once.
    """
    before = sandbox.ids("accounting", "stock_items")
    deleted = set(before[20:60])

    def mutate(progress: Progress) -> None:
        if progress.pages == 3 and not progress.done:
            for ident in deleted:
                sandbox.delete("accounting", "stock_items", ident)

    async def interrupted(*args: Any) -> int:
        raise asyncio.CancelledError

    real = _repair._fetch_missing
    monkeypatch.setattr(_repair, "_fetch_missing", interrupted)
    async with accounting_client(business_id=sandbox.lead_business) as client:
        with pytest.raises(asyncio.CancelledError):
            await export(client, "stock_items", out_dir=tmp_path, concurrency=2,
                         progress=mutate)  # fmt: skip
        state = json.loads((tmp_path / "checkpoint.json").read_text())["streams"]["stock_items"]
        assert not state["finished"]
        monkeypatch.setattr(_repair, "_fetch_missing", real)
        manifest = await export(client, "stock_items", out_dir=tmp_path, resume=True)
    assert manifest.ok
    ids = ids_of(tmp_path / "stock_items.jsonl")
    assert len(ids) == len(set(ids))
    assert set(before) - deleted <= set(ids)
    assert manifest.resources[0].streams[0].recovered > 0
