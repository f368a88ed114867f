"""A record changed twice within one timestamp unit is exported again by incremental sync."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest

from sage_async import AccountingClient, GovernorRegistry, SalesClient
from sage_async._client import BaseClient
from sage_async._errors import UsageError
from sage_async.export import Watermark, WatermarkStore, export
from sage_async.testing import Sandbox, _tokens

from .conftest import FAST, read_jsonl


START = datetime(2025, 6, 2, 9, 30, 0, tzinfo=UTC)  # the sandbox clock starts here
RESOURCE = {"sales": ("accounts", "name"), "accounting": ("stock_items", "description")}


@contextlib.contextmanager
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop the sandbox clock for the edits, so that both land on the same timestamp."""
    instant = datetime.now(UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return instant

    with monkeypatch.context() as patch:
        patch.setattr(_tokens, "datetime", Frozen)
        yield


def client_for(api: str, sb: Sandbox) -> BaseClient:
    """A client of ``api`` pointed at the sandbox."""
    if api == "sales":
        keys = sb.sales_credentials
        return SalesClient(public_key=keys.public_key, private_key=keys.private_key,
                           base_url=sb.sales_url, rate=1000.0, retry=FAST,
                           registry=GovernorRegistry())  # fmt: skip
    oauth, tokens = sb.accounting_credentials, sb.accounting_tokens()
    return AccountingClient(
        client_id=oauth.client_id, client_secret=oauth.client_secret,
        access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        base_url=sb.accounting_url, token_url=sb.token_url, rate=1000.0, per=1.0,
        retry=FAST, registry=GovernorRegistry(),
    )  # fmt: skip


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_a_second_change_in_the_same_timestamp_unit_is_exported(
    api: Literal["sales", "accounting"], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Run B exports a record's first change; the record changes again within the same
    timestamp unit (same id, same cursor, other content); run C exports the second version,
    and run D, with nothing changed, exports nothing.
    """
    name, field = RESOURCE[api]
    sizes = {name: 40}
    async with Sandbox(seed=4, sales_records=sizes if api == "sales" else 10,
                       accounting_records=sizes if api == "accounting" else 10, businesses=1,
                       start_time=START) as sb:  # fmt: skip
        target = sb.ids(api, name)[7]
        async with client_for(api, sb) as client:

            async def run() -> list[dict[str, Any]]:
                manifest = await export(client, name, out_dir=tmp_path, since="auto")
                assert manifest.ok
                return read_jsonl(tmp_path / manifest.resources[0].streams[0].output)

            assert 40 == len(await run())  # run A: no watermark yet, everything
            with frozen(monkeypatch):
                first = sb.update(api, name, target, {field: "first change"})
                written_b = await run()
                second = sb.update(api, name, target, {field: "second change"})
            cursor = "dateUpdated" if api == "sales" else "updated_at"
            assert first[cursor] == second[cursor]  # the premise: one timestamp for both
            written_c = await run()
            written_d = await run()
    assert [(target, "first change")] == [(r["id"], r[field]) for r in written_b]
    assert [(target, "second change")] == [(r["id"], r[field]) for r in written_c]
    assert [] == written_d


def test_a_version_1_watermark_file_is_still_read(tmp_path: Path) -> None:
    """[id, cursor] pairs of a version-1 file load with an empty digest; saving writes v2."""
    path = tmp_path / "watermarks.json"
    path.write_text(json.dumps({"version": 1, "watermarks": {"k": {
        "value": "2025-03-01T12:00:00.000000+00:00", "seen": [["1", "2025-03-01T12:00:00Z"]],
    }}}))  # fmt: skip
    store = WatermarkStore(path)
    mark = store.load()["k"]
    assert frozenset({("1", "2025-03-01T12:00:00Z", "")}) == mark.seen
    store.put({"other": Watermark(mark.value)})
    assert 2 == json.loads(path.read_text())["version"]
    assert mark == store.load()["k"]


def test_a_newer_watermark_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    """A version this code does not know is not silently misread."""
    path = tmp_path / "watermarks.json"
    path.write_text(json.dumps({"version": 99, "watermarks": {}}))
    with pytest.raises(UsageError, match="newer sage-async"):
        WatermarkStore(path).load()
