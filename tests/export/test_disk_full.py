"""A full disk: one clear error, the manifest when it can be written, no temporary file left."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

from sage_async import ExportError, SalesClient
from sage_async.cli import main
from sage_async.export import export
from sage_async.export._fs import write_json_atomic
from sage_async.export._part import PartFile


def no_space(*args: Any, **kwargs: Any) -> NoReturn:
    """What a write to a full disk raises."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def leftovers(path: Path) -> list[str]:
    """Temporary and staging files left in ``path``."""
    return sorted(p.name for p in path.iterdir() if p.name.endswith((".tmp", ".ids")))


def test_write_json_atomic_removes_its_temporary_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target keeps its old content and no ``.<name>.<pid>.tmp`` stays behind."""
    target = tmp_path / "manifest.json"
    write_json_atomic(target, {"old": True})
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        write_json_atomic(target, {"new": True})
    assert {"old": True} == json.loads(target.read_text())
    assert ["manifest.json"] == sorted(p.name for p in tmp_path.iterdir())


async def test_disk_full_while_staging_fails_the_resource_and_writes_the_manifest(
    sales_client: Callable[..., SalesClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The staging file cannot be synced: the run stops with a partial manifest naming the
    disk error in one line, the checkpoint is kept, no temporary file is left.
    """
    monkeypatch.setattr(PartFile, "sync", no_space)
    async with sales_client() as client:
        manifest = await export(client, ["accounts", "contacts"], out_dir=tmp_path,
                                flush_pages=2)  # fmt: skip
    assert "partial" == manifest.status
    error = manifest.resources[0].error
    assert error is not None
    assert "No space left on device" in error
    assert "\n" not in error
    assert "pending" == manifest.resources[1].status  # the run stopped: the disk is full
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert "partial" == written["status"]
    assert [] == leftovers(tmp_path)


async def test_disk_full_everywhere_raises_one_line_and_leaves_no_temporary_file(
    sales_client: Callable[..., SalesClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing can be written, not even the checkpoint: an ExportError of one line."""
    monkeypatch.setattr(os, "fsync", no_space)
    async with sales_client() as client:
        with pytest.raises(ExportError) as caught:
            await export(client, "accounts", out_dir=tmp_path)
    assert "No space left on device" in str(caught.value)
    assert 1 == len(str(caught.value).splitlines())
    assert [] == leftovers(tmp_path)


@pytest.mark.parametrize("broken", ["part", "everything"])
def test_cli_disk_full_exits_1_with_one_error_line(
    broken: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CLI: exit 1, one ``sage-async: error:`` line, no traceback, no temporary file."""
    if broken == "part":
        monkeypatch.setattr(PartFile, "sync", no_space)
    else:
        real = os.fsync
        monkeypatch.setattr(os, "fsync", no_space)
    out = tmp_path / "out"
    status = main(["export", "sales", "accounts", "--sandbox", "--records", "900", "--out",
                   str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert 1 == status
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("sage-async: error:")]
    assert 1 == len(errors), err
    assert "No space left on device" in errors[0]
    assert [] == leftovers(out)
    if broken == "part":
        assert "partial" == json.loads((out / "manifest.json").read_text())["status"]
    else:
        monkeypatch.setattr(os, "fsync", real)
        assert not (out / "manifest.json").exists()
