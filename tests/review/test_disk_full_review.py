"""A full disk at other moments: during conversion, the watermark save, the id-only pass."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from sage_async import ExportError
from sage_async.export import Progress, _formats, _repair, export
from sage_async.export._watermark import WatermarkStore
from sage_async.testing import Sandbox

from .conftest import accounting, sales


def no_space(*args: Any, **kwargs: Any) -> NoReturn:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def csv_text(path: Path) -> str:
    return (path / "accounts.csv").read_text(encoding="utf-8")


def staged(path: Path) -> list[str]:
    return sorted(p.name for p in path.glob("*.part"))


def leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.endswith((".tmp", ".ids")))


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=21, sales_records={"accounts": 900},
                       accounting_records={"stock_items": 2_000}, businesses=1) as sb:  # fmt: skip
        yield sb


async def test_disk_full_during_csv_conversion_then_resume(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The CSV conversion meets a full disk half-way: the run is partial with a one-line error,
    no temporary file stays, the staged records are kept; ``resume`` with space again writes
    the CSV with every record once.
    """
    real = _formats._write_csv

    def half_then_full(target: Path, *args: Any) -> None:
        target.write_text("id\n1\n")
        no_space()

    monkeypatch.setattr(_formats, "_write_csv", half_then_full)
    async with sales(sandbox) as client:
        manifest = await export(client, "accounts", out_dir=tmp_path, format="csv")
        assert "partial" == manifest.status
        error = manifest.resources[0].error
        assert error is not None
        assert "No space left on device" in error
        assert "\n" not in error
        assert [] == leftovers(tmp_path)
        assert not (tmp_path / "accounts.csv").exists()
        monkeypatch.setattr(_formats, "_write_csv", real)
        manifest = await export(client, "accounts", out_dir=tmp_path, format="csv", resume=True)
    assert manifest.ok
    ids = [row["id"] for row in csv.DictReader(io.StringIO(csv_text(tmp_path)))]
    assert 900 == len(ids) == len(set(ids))
    assert [] == leftovers(tmp_path) + staged(tmp_path)


async def test_disk_full_when_saving_watermarks_is_one_clear_error(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The watermark file cannot be written at the end of an incremental run: a one-line
    disk error (in the manifest or as ExportError), and no temporary file stays.
    """
    monkeypatch.setattr(WatermarkStore, "put", no_space)
    async with sales(sandbox) as client:
        try:
            manifest = await export(client, "accounts", out_dir=tmp_path, since="auto")
        except ExportError as exc:
            message = str(exc)
        else:
            assert not manifest.ok
            message = manifest.resources[0].error or ""
            written = json.loads((tmp_path / "manifest.json").read_text())
            assert "complete" != written["status"]
    assert "No space left on device" in message
    assert 1 == len(message.splitlines())
    assert [] == leftovers(tmp_path)


async def test_disk_full_during_the_id_only_pass_leaves_no_id_store(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A full disk while the id-only pass stores ids: a one-line error, and the SQLite scratch
    file (``.ids``) is removed.
    """

    def full(self: Any, ids: Any) -> NoReturn:
        no_space()

    monkeypatch.setattr(_repair.IdStore, "add_missing", full)
    deleted = False

    def mutate(progress: Progress) -> None:
        nonlocal deleted
        if progress.pages == 3 and not progress.done and not deleted:
            for ident in sandbox.ids("accounting", "stock_items")[5:25]:
                sandbox.delete("accounting", "stock_items", ident)
            deleted = True

    async with accounting(sandbox, business_id=sandbox.lead_business) as client:
        try:
            manifest = await export(client, "stock_items", out_dir=tmp_path, concurrency=2,
                                    progress=mutate)  # fmt: skip
        except ExportError as exc:
            message = str(exc)
        else:
            assert not manifest.ok
            message = manifest.resources[0].error or ""
    assert deleted
    assert "No space left on device" in message
    assert 1 == len(message.splitlines())
    assert [] == leftovers(tmp_path)
