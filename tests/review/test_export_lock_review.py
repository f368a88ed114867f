"""Concurrent exports sharing an output or a checkpoint directory: one runs, one refuses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sage_async import UsageError
from sage_async.export import export
from sage_async.testing import Sandbox

from .conftest import sales


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=8, sales_records={"accounts": 3_000, "contacts": 3_000}) as sb:
        sb.faults.latency(0.01, api="sales", path="/accounts")
        sb.faults.latency(0.01, api="sales", path="/contacts")
        yield sb


async def race(first: Any, second: Any) -> tuple[Any, Any]:
    """Start ``first``; once it holds the lock start ``second``; return both outcomes."""
    one = asyncio.create_task(first)
    await asyncio.sleep(0.05)
    results = await asyncio.gather(one, second, return_exceptions=True)
    return results[0], results[1]


async def test_exports_of_different_resources_into_one_out(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """
    An export of ``contacts`` started into the directory an ``accounts`` export writes to is
    refused with UsageError; the first finishes, and its manifest names only its resource.
    """
    async with sales(sandbox) as client:
        first, second = await race(
            export(client, "accounts", out_dir=tmp_path),
            export(client, "contacts", out_dir=tmp_path),
        )
    assert isinstance(second, UsageError)
    assert first.ok
    names = [r["name"] for r in json.loads((tmp_path / "manifest.json").read_text())["resources"]]
    assert ["accounts"] == names
    lines = (tmp_path / "accounts.jsonl").read_text().splitlines()
    assert 3_000 == len(lines) == len(set(lines))


async def test_exports_into_two_outs_with_one_checkpoint_directory(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """
    Two exports into different outputs whose ``checkpoint`` files share a directory (and so
    ``watermarks.json``): the second is refused, the first is exact.
    """
    state = tmp_path / "state"
    state.mkdir()
    async with sales(sandbox) as client:
        first, second = await race(
            export(client, "accounts", out_dir=tmp_path / "a", checkpoint=state / "a.json"),
            export(client, "contacts", out_dir=tmp_path / "b", checkpoint=state / "b.json"),
        )
    assert isinstance(second, UsageError)
    assert first.ok
    lines = (tmp_path / "a" / "accounts.jsonl").read_text().splitlines()
    assert 3_000 == len(lines) == len(set(lines))


async def test_checkpoint_inside_another_runs_output(sandbox: Sandbox, tmp_path: Path) -> None:
    """An export whose checkpoint lies in the output directory of a running export refuses."""
    async with sales(sandbox) as client:
        first, second = await race(
            export(client, "accounts", out_dir=tmp_path / "a"),
            export(client, "contacts", out_dir=tmp_path / "b",
                   checkpoint=tmp_path / "a" / "other.json"),
        )  # fmt: skip
    assert isinstance(second, UsageError)
    assert first.ok
