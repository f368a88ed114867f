"""Exports against the sandbox: complete, exactly once, under faults, resumable, incremental."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sage_async import (
    AccountingClient,
    InvalidFilterError,
    RetryEvent,
    SalesClient,
    UnknownFieldError,
    UsageError,
)
from sage_async.export import Progress, export
from sage_async.testing import Sandbox

from .conftest import ids_of, names_in, read_jsonl


async def test_full_sales_export_equals_the_sandbox_data(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """Every record once, nothing else: ids and count equal the sandbox's, files in place."""
    events: list[Progress] = []
    async with sales_client() as client:
        manifest = await export(
            client, ["accounts", "contacts"], out_dir=tmp_path, progress=events.append
        )
    assert manifest.ok
    for name in ("accounts", "contacts"):
        ids = ids_of(tmp_path / f"{name}.jsonl")
        assert sorted(sandbox.ids("sales", name)) == sorted(ids)
        assert len(ids) == len(set(ids))
    assert [] == names_in(tmp_path, "*.part")
    assert not (tmp_path / "checkpoint.json").exists()
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert "complete" == written["status"]
    assert [3000, 1000] == [r["records"] for r in written["resources"]]
    assert 10 == written["resources"][0]["pages"]
    assert "accounts.jsonl" == written["resources"][0]["outputs"][0]
    assert written["resources"][0]["deleted"] > 0  # soft-deleted rows stay in the stream
    assert events[-1].done
    assert 1000 == events[-1].records


async def test_full_accounting_export_equals_the_sandbox_data(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], tmp_path: Path
) -> None:
    """Accounting: full records (attributes=all), every id once, $total reported."""
    async with accounting_client(business_id=sandbox.lead_business) as client:
        manifest = await export(client, "stock_items", out_dir=tmp_path, format="jsonl")
    assert manifest.ok
    records = read_jsonl(tmp_path / "stock_items.jsonl")
    assert sorted(sandbox.ids("accounting", "stock_items")) == sorted(r["id"] for r in records)
    assert len(records) == len({r["id"] for r in records})
    assert "item_code" in records[0]  # full records, not summaries
    stream = manifest.resources[0].streams[0]
    assert 2000 == stream.total_first == stream.total_last
    assert 10 == stream.pages


async def test_export_under_faults_loses_and_duplicates_nothing(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """900 bursts, 429s, connection resets and 502 HTML pages: same ids, retries counted."""
    sandbox.faults.error_900(path="/accounts", every=3, times=6)
    sandbox.faults.status(429, api="sales", path="/accounts", every=5, times=3, retry_after=0)
    sandbox.faults.reset(api="sales", path="/accounts", every=7, times=3)
    sandbox.faults.html_502(api="sales", path="/accounts", every=4, times=3)
    seen: list[Any] = []
    async with sales_client(on_event=seen.append) as client:
        manifest = await export(client, ["accounts"], out_dir=tmp_path, concurrency=6)
        assert client.on_event is not None
        assert seen.append == client.on_event  # the user's hook is restored
    ids = ids_of(tmp_path / "accounts.jsonl")
    assert sorted(sandbox.ids("sales", "accounts")) == sorted(ids)
    assert len(ids) == len(set(ids))
    report = manifest.to_json()["resources"][0]
    assert report["retries"] >= 10
    assert report["throttled"] >= 1
    retries = [event for event in seen if isinstance(event, RetryEvent)]
    assert len(retries) == report["retries"]  # every retry still reached the user's hook


async def test_accounting_export_under_faults_is_exact(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], tmp_path: Path
) -> None:
    """Accounting pages under 429, 503, resets and HTML 502: exactly the sandbox's ids."""
    sandbox.faults.status(429, api="accounting", path="/stock_items", every=4, times=3,
                          retry_after=0)  # fmt: skip
    sandbox.faults.status(503, api="accounting", path="/stock_items", every=5, times=2)
    sandbox.faults.reset(api="accounting", path="/stock_items", every=6, times=2)
    sandbox.faults.html_502(api="accounting", path="/stock_items", every=3, times=2)
    async with accounting_client() as client:
        manifest = await export(client, ["stock_items"], out_dir=tmp_path, concurrency=4)
    ids = ids_of(tmp_path / "stock_items.jsonl")
    assert sorted(sandbox.ids("accounting", "stock_items")) == sorted(ids)
    assert len(ids) == len(set(ids))
    assert manifest.resources[0].streams[0].retries >= 5


async def _interrupted_then_resumed(
    sandbox: Sandbox,
    make: Callable[..., Any],
    out: Path,
    resources: list[str],
    *,
    after_pages: int,
    **kw: Any,
) -> None:
    """
    Cancel an export once ``after_pages`` pages were checkpointed, then resume it; the
    resumed session must not fetch the checkpointed pages again.
    """
    async with make() as client:
        checkpointed = asyncio.Event()

        def progress(event: Progress) -> None:
            if event.pages >= after_pages:
                checkpointed.set()

        task = asyncio.create_task(
            export(client, resources, out_dir=out, progress=progress, flush_pages=3, **kw)
        )
        await checkpointed.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (out / "checkpoint.json").exists()
        assert names_in(out, "*.part")
        manifest = json.loads((out / "manifest.json").read_text())
        assert "partial" == manifest["status"]
        checkpoint = json.loads((out / "checkpoint.json").read_text())
        done = {
            (state["resource"], page)
            for state in checkpoint["streams"].values()
            for page in range(state["pages"]["first"], state["pages"]["prefix"])
        }
        assert len(done) >= after_pages - 3  # flushed every 3 pages
    sandbox.log.clear()
    async with make() as client:
        resumed = await export(client, resources, out_dir=out, resume=True, **kw)
    assert resumed.ok
    refetched = {
        (entry.path.strip("/"), int(entry.query.get("page", -1)))
        for entry in sandbox.log
        # (the one-item deleted_since probe after the pass is not a page of the export)
        if entry.method == "GET" and entry.status == 200 and "deleted_since" not in entry.query
    }
    assert set() == done & refetched


async def test_cancelled_sales_export_resumes_to_the_uninterrupted_output(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """Cancel mid-run, resume: the same records as an uninterrupted run, each once."""
    sandbox.faults.latency(0.01, api="sales", path="/accounts")
    await _interrupted_then_resumed(
        sandbox, sales_client, tmp_path / "resumed", ["contacts", "accounts"], after_pages=4,
        concurrency=3,
    )  # fmt: skip
    async with sales_client() as client:
        await export(client, ["contacts", "accounts"], out_dir=tmp_path / "straight")
    for name in ("contacts", "accounts"):
        resumed = sorted((tmp_path / "resumed" / f"{name}.jsonl").read_text().splitlines())
        straight = sorted((tmp_path / "straight" / f"{name}.jsonl").read_text().splitlines())
        assert straight == resumed
        assert len(resumed) == len(set(resumed))


async def test_cancelled_accounting_csv_export_resumes_exactly(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], tmp_path: Path
) -> None:
    """The same holds for Accounting pages and the CSV format (byte-identical files)."""
    sandbox.faults.latency(0.01, api="accounting", path="/stock_items")
    await _interrupted_then_resumed(
        sandbox, accounting_client, tmp_path / "resumed", ["stock_items"], after_pages=3,
        concurrency=2, format="csv",
    )  # fmt: skip
    async with accounting_client() as client:
        await export(client, ["stock_items"], out_dir=tmp_path / "straight", format="csv")
    resumed = (tmp_path / "resumed" / "stock_items.csv").read_text().splitlines()
    straight = (tmp_path / "straight" / "stock_items.csv").read_text().splitlines()
    assert straight[0] == resumed[0]
    assert sorted(straight[1:]) == sorted(resumed[1:])
    assert 2001 == len(resumed)


async def test_resume_refuses_a_different_query(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """A checkpoint of one query cannot be continued with another (format, where, ...)."""
    sandbox.faults.status(400, api="sales", path="/contacts")  # contacts fails: partial
    async with sales_client() as client:
        first = await export(client, ["accounts", "contacts"], out_dir=tmp_path)
        assert "partial" == first.status
        assert "complete" == first.resources[0].status
        assert "failed" == first.resources[1].status
        assert (tmp_path / "checkpoint.json").exists()
        with pytest.raises(UsageError, match="another query"):
            await export(client, ["accounts", "contacts"], out_dir=tmp_path, resume=True,
                         where="id > 5")  # fmt: skip
        with pytest.raises(UsageError, match="format"):
            await export(client, ["accounts", "contacts"], out_dir=tmp_path, resume=True,
                         format="csv")  # fmt: skip
        sandbox.faults.clear()
        sandbox.log.clear()
        done = await export(client, ["accounts", "contacts"], out_dir=tmp_path, resume=True)
    assert done.ok
    assert [] == sandbox.log.filter(api="sales", path="/accounts")  # not fetched again
    assert sorted(sandbox.ids("sales", "contacts")) == sorted(ids_of(tmp_path / "contacts.jsonl"))


async def test_incremental_sales_run_picks_exactly_the_changed_and_deleted_ids(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """After updates, soft deletes and a create, since=auto writes exactly those ids, once."""
    async with sales_client() as client:
        await export(client, ["accounts"], out_dir=tmp_path / "full", since="auto",
                     checkpoint=tmp_path / "state" / "checkpoint.json")  # fmt: skip
        sandbox.update("sales", "accounts", 17, {"name": "Renamed"})
        sandbox.update("sales", "accounts", 2900, {"phone": "555"})
        sandbox.delete("sales", "accounts", 40)
        created = sandbox.create("sales", "accounts", {"name": "New"})
        second = await export(client, ["accounts"], out_dir=tmp_path / "inc1", since="auto",
                              checkpoint=tmp_path / "state" / "checkpoint.json")  # fmt: skip
        third = await export(client, ["accounts"], out_dir=tmp_path / "inc2", since="auto",
                             checkpoint=tmp_path / "state" / "checkpoint.json")  # fmt: skip
    records = read_jsonl(tmp_path / "inc1" / second.resources[0].streams[0].output)
    assert sorted([17, 40, 2900, created["id"]]) == sorted(r["id"] for r in records)
    assert [40] == [r["id"] for r in records if r["deleted"]]
    assert second.resources[0].streams[0].since is not None
    assert second.resources[0].streams[0].skipped >= 1  # the boundary records of run 1
    assert [] == ids_of(tmp_path / "inc2" / third.resources[0].streams[0].output)
    assert third.ok


async def test_incremental_accounting_run_writes_upserts_and_deletes_apart(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], tmp_path: Path
) -> None:
    """updated_or_created_since and deleted_since go to two files, exactly the changed ids."""
    ids = sandbox.ids("accounting", "stock_items")
    async with accounting_client() as client:
        await export(client, ["stock_items"], out_dir=tmp_path, since="auto")
        assert not (tmp_path / "stock_items.deleted.jsonl").exists()
        sandbox.update("accounting", "stock_items", ids[3], {"description": "changed"})
        sandbox.delete("accounting", "stock_items", ids[5])
        sandbox.delete("accounting", "stock_items", ids[1999])
        created = sandbox.create("accounting", "stock_items", {"description": "new"})
        manifest = await export(client, ["stock_items"], out_dir=tmp_path, since="auto")
        upserts, deletes = manifest.to_json()["resources"][0]["outputs"]
        stamp = upserts.split(".")[1]
        assert (f"stock_items.{stamp}.jsonl", f"stock_items.deleted.{stamp}.jsonl") == (
            upserts,
            deletes,
        )
        assert sorted([ids[3], created["id"]]) == sorted(ids_of(tmp_path / upserts))
        deleted = read_jsonl(tmp_path / deletes)
        assert sorted([ids[5], ids[1999]]) == sorted(r["id"] for r in deleted)
        assert all(r["deleted_at"] for r in deleted)
        again = await export(client, ["stock_items"], out_dir=tmp_path, since="auto")
    last_upserts, last_deletes = again.to_json()["resources"][0]["outputs"]
    assert [] == ids_of(tmp_path / last_upserts)
    assert [] == ids_of(tmp_path / last_deletes)
    assert again.ok
    # Every run's files stay: the full export, then each delta, listed in order.
    assert 2000 == len(ids_of(tmp_path / "stock_items.jsonl"))
    assert sorted([ids[3], created["id"]]) == sorted(ids_of(tmp_path / upserts))
    runs = again.to_json()["runs"]
    assert ["full", "delta", "delta"] == [run["kind"] for run in runs]
    assert [["stock_items.jsonl"], [upserts, deletes], [last_upserts, last_deletes]] == [
        run["files"]["stock_items"] for run in runs
    ]


async def test_bad_input_is_refused_before_any_request(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """Unknown resource, bad where, unwritable directory: UsageError, no request, no file."""
    async with sales_client() as client:
        with pytest.raises(UnknownFieldError, match="did you mean 'accounts'"):
            await export(client, ["acounts"], out_dir=tmp_path / "a")
        with pytest.raises(InvalidFilterError, match="position"):
            await export(client, ["accounts"], out_dir=tmp_path / "b", where="name = 'x' AND")
        with pytest.raises(UnknownFieldError):
            await export(client, ["accounts"], out_dir=tmp_path / "c", where="nosuch = 1")
        blocker = tmp_path / "file"
        blocker.write_text("")
        with pytest.raises(UsageError, match="cannot write to output directory"):
            await export(client, ["accounts"], out_dir=blocker / "sub")
        with pytest.raises(UsageError, match="aware"):
            await export(client, ["accounts"], out_dir=tmp_path / "d", since="yesterday")
    assert [] == list(sandbox.log)
    assert ["file"] == names_in(tmp_path)


async def test_validate_reports_drift_from_the_models(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """
    With validate=True the manifest carries the converter's drift report: an int flag and an
    undeclared key count; a `Z_` custom field (open key in the spec) does not.
    """
    sandbox.update("sales", "accounts", 3, {"deleted": 0, "Z_custom": "x", "surprise": 1})
    async with sales_client() as client:
        manifest = await export(client, ["accounts"], out_dir=tmp_path, validate=True)
    assert 2 == manifest.resources[0].drift
    assert "Account" in manifest.drift
