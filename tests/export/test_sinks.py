"""Sinks: the .part staging file, atomic finalization, CSV flattening and header stability."""

from __future__ import annotations

import csv
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sage_async import ExportError, UsageError
from sage_async.export import _formats
from sage_async.export._formats import columns, finalize, flatten, layout_for, require_format
from sage_async.export._part import PartFile
from sage_async.models.accounting import StockItem
from sage_async.models.sales import Account


def account(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": i,
        "name": f"Account {i}",
        "statusId": {"id": 2, "value": "Active"},
        "deleted": False,
        "dateUpdated": "2025-01-01T00:00:00Z",
        **extra,
    }


def test_part_file_syncs_and_resume_truncates_to_the_checkpoint(tmp_path: Path) -> None:
    """Bytes after the last durable offset are cut off on resume; appends continue from it."""
    path = tmp_path / "accounts.jsonl.part"
    part = PartFile(path)
    part.write([account(1), account(2)])
    offset = part.sync()
    part.write([account(3)])  # written after the checkpoint: not named by it
    part.sync()
    part.close()
    resumed = PartFile(path, resume_at=offset)
    resumed.write([account(4)])
    resumed.sync()
    resumed.close()
    ids = [json.loads(line)["id"] for line in path.read_text().splitlines()]
    assert [1, 2, 4] == ids
    assert offset < path.stat().st_size


def test_part_file_refuses_to_resume_from_a_file_shorter_than_the_checkpoint(
    tmp_path: Path,
) -> None:
    """A missing or cut .part file cannot be resumed: ExportError, nothing appended."""
    with pytest.raises(ExportError, match="missing or shorter"):
        PartFile(tmp_path / "gone.jsonl.part", resume_at=10)
    short = tmp_path / "short.jsonl.part"
    short.write_bytes(b"{}\n")
    with pytest.raises(ExportError, match="3 < 10"):
        PartFile(short, resume_at=10)
    assert b"{}\n" == short.read_bytes()


def test_part_file_writes_wire_names_and_exact_money(tmp_path: Path) -> None:
    """One JSON object per line, Decimal written with every digit."""
    path = tmp_path / "x.jsonl.part"
    part = PartFile(path)
    part.write([{"$path": "/x/1", "price": Decimal("12.3456789012345678901")}])
    part.sync()
    part.close()
    assert b'{"$path":"/x/1","price":12.3456789012345678901}\n' == path.read_bytes()


def test_jsonl_output_appears_only_by_rename(tmp_path: Path) -> None:
    """Finalizing renames the .part file: no half-written file ever has the final name."""
    part = tmp_path / "accounts.jsonl.part"
    output = tmp_path / "accounts.jsonl"
    part.write_text('{"id":1}\n')
    assert not output.exists()
    finalize("jsonl", part, output, Account)
    assert not part.exists()
    assert '{"id":1}\n' == output.read_text()


def test_flatten_uses_dotted_names_for_declared_and_unknown_objects() -> None:
    """Declared lookups expand by the model; unknown objects expand fully; lists stay cells."""
    layout = layout_for(Account)
    flat = flatten(
        account(1, Z_tags=["a", "b"], Z_meta={"source": {"system": "crm"}}, statusId=None),
        layout,
    )
    assert "statusId.id" not in flat  # null object: every sub-column empty
    assert ["a", "b"] == flat["Z_tags"]
    assert "crm" == flat["Z_meta.source.system"]
    flat = flatten(account(2, statusId=7), layout)  # a scalar where the model has an object
    assert 7 == flat["statusId"]


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_part(path: Path, records: list[dict[str, Any]]) -> None:
    part = PartFile(path)
    part.write(records)
    part.sync()
    part.close()


def test_csv_header_is_the_model_then_sorted_extras_whatever_the_order(tmp_path: Path) -> None:
    """
    Two runs that wrote the same records in different completion orders produce the same
    header: the model's columns in field order, then unknown keys sorted by name.
    """
    records = [account(i) for i in range(50)]
    records[7]["Z_zone"] = "north"
    records[31]["Z_alpha"] = {"x": 1}
    headers = []
    for seed in (1, 2):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        part = tmp_path / f"run{seed}.jsonl.part"
        write_part(part, shuffled)
        output = tmp_path / f"run{seed}.csv"
        finalize("csv", part, output, Account)
        rows = read_csv(output)
        headers.append(rows[0])
        assert 51 == len(rows)
        assert sorted(str(i) for i in range(50)) == sorted(r[0] for r in rows[1:])
    assert headers[0] == headers[1]
    model = list(columns(layout_for(Account)))
    assert model == headers[0][: len(model)]
    assert ["Z_alpha.x", "Z_zone"] == headers[0][len(model) :]
    assert ["id", "name", "statusId.id", "statusId.value"] == headers[0][:4]


def test_csv_cells_are_exact_and_readable(tmp_path: Path) -> None:
    """Money keeps every digit, booleans read true/false, nulls are empty, lists are JSON."""
    part = tmp_path / "stock_items.jsonl.part"
    record = {
        "id": "abc",
        "cost_price": Decimal("0.10000000000000000001"),
        "active": True,
        "notes": None,
        "sales_prices": [{"price": 1.5}],
        "sales_ledger_account": {"id": "L1", "displayed_as": "Sales", "$path": "/l/L1"},
    }
    write_part(part, [record])
    output = tmp_path / "stock_items.csv"
    finalize("csv", part, output, StockItem)
    header, row = read_csv(output)
    cells = dict(zip(header, row))
    assert "0.10000000000000000001" == cells["cost_price"]
    assert "true" == cells["active"]
    assert "" == cells["notes"]
    assert '[{"price":1.5}]' == cells["sales_prices"]
    assert "L1" == cells["sales_ledger_account.id"]
    assert "/l/L1" == cells["sales_ledger_account.$path"]
    assert part.exists()  # the caller deletes it once the checkpoint records completion


def test_unknown_format_is_a_usage_error() -> None:
    """Only jsonl, csv and parquet exist."""
    with pytest.raises(UsageError, match="unknown format 'xml'"):
        require_format("xml")


def test_parquet_without_pyarrow_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clear message names the extra when pyarrow cannot be imported."""
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(UsageError, match=r"sage-async\[parquet\]"):
        require_format("parquet")


def test_parquet_is_written_in_bounded_typed_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups hold at most BATCH_ROWS rows; ints and booleans are typed, 0/1 as booleans."""
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setattr(_formats, "BATCH_ROWS", 10)
    part = tmp_path / "accounts.jsonl.part"
    write_part(part, [account(i, deleted=i % 2) for i in range(25)])
    output = tmp_path / "accounts.parquet"
    finalize("parquet", part, output, Account)
    parquet = pq.ParquetFile(output)
    assert 3 == parquet.num_row_groups
    table = parquet.read()
    assert 25 == table.num_rows
    assert list(range(25)) == table.column("id").to_pylist()
    assert "int64" == str(table.schema.field("id").type)
    assert "bool" == str(table.schema.field("deleted").type)
    assert [False, True, False] == table.column("deleted").to_pylist()[:3]
    assert "Active" == table.column("statusId.value").to_pylist()[0]


def test_parquet_of_an_empty_stream_still_has_the_schema(tmp_path: Path) -> None:
    """No records: a valid file with every model column and no rows."""
    pq = pytest.importorskip("pyarrow.parquet")
    part = tmp_path / "accounts.jsonl.part"
    write_part(part, [])
    output = tmp_path / "accounts.parquet"
    finalize("parquet", part, output, Account)
    table = pq.read_table(output)
    assert 0 == table.num_rows
    assert "id" in table.column_names
