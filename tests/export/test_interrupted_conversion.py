"""Ctrl-C during a CSV conversion stops it promptly; a conversion that finished counts."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sage_async import SalesClient
from sage_async.export import Progress, _formats, _runner, export

from .conftest import names_in


async def run_interrupted(client: SalesClient, out: Path) -> float:
    """Run a CSV export cancelled (as Ctrl-C does) once its pages are in; return the seconds
    from the cancel to the end of the export."""
    holder: list[asyncio.Task[Any]] = []
    cancelled: list[float] = []

    def progress(event: Progress) -> None:
        if event.done:
            cancelled.append(time.monotonic())
            holder[0].cancel()

    job = asyncio.ensure_future(export(client, "accounts", out_dir=out, format="csv",
                                       progress=progress))  # fmt: skip
    holder.append(job)
    with pytest.raises(asyncio.CancelledError):
        await job
    return time.monotonic() - cancelled[0]


async def test_cancel_during_conversion_stops_it_and_leaves_no_file(
    sales_client: Callable[..., SalesClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The conversion thread sees the stop at its next batch: it stops converting at once (not
    when the whole file is done), removes its temporary file, and the final name never
    appears; the checkpoint keeps the fetched pages, and a resume converts and completes.
    """
    calls = [0]
    real = _formats.flatten

    def slow(record: Any, layout: Any) -> dict[str, Any]:
        calls[0] += 1
        time.sleep(0.001)  # 3,000 records: 3 s per pass unless stopped
        return real(record, layout)

    monkeypatch.setattr(_formats, "flatten", slow)
    async with sales_client() as client:
        assert await run_interrupted(client, tmp_path) < 1.5
        stopped_at = calls[0]
        await asyncio.sleep(0.3)
        assert stopped_at == calls[0]  # nothing keeps converting in the background
        assert not (tmp_path / "accounts.csv").exists()
        assert [] == names_in(tmp_path, ".*.tmp")
        state = json.loads((tmp_path / "checkpoint.json").read_text())["streams"]["accounts"]
        assert (True, False) == (state["finished"], state["complete"])
        monkeypatch.setattr(_formats, "flatten", real)
        manifest = await export(client, "accounts", out_dir=tmp_path, format="csv", resume=True)
    assert manifest.ok
    assert 3001 == len((tmp_path / "accounts.csv").read_text().splitlines())


async def test_a_conversion_that_finished_despite_the_cancel_is_recorded_complete(
    sales_client: Callable[..., SalesClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    When the conversion ends before it sees the stop, the stream is recorded complete: the
    resume does not convert it again and the run completes.
    """
    conversions = [0]
    real = _formats.finalize

    def unstoppable(*args: Any, stop: Any = None) -> None:
        conversions[0] += 1
        time.sleep(0.2)  # the cancel arrives meanwhile; this conversion ignores it
        real(*args)

    monkeypatch.setattr(_runner, "finalize", unstoppable)
    async with sales_client() as client:
        await run_interrupted(client, tmp_path)
        state = json.loads((tmp_path / "checkpoint.json").read_text())["streams"]["accounts"]
        assert state["complete"]
        assert (tmp_path / "accounts.csv").exists()
        assert [] == names_in(tmp_path, "*.part")
        manifest = await export(client, "accounts", out_dir=tmp_path, format="csv", resume=True)
    assert manifest.ok
    assert 1 == conversions[0]
    assert 3001 == len((tmp_path / "accounts.csv").read_text().splitlines())
