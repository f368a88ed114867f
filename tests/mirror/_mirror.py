"""Helpers of the dlt tests: clients on the sandbox, pipelines in tmp_path, table comparisons."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.normalizers.naming.snake_case import NamingConvention as SnakeCase

from sage_async import AccountingClient, SalesClient, TokenSet
from sage_async._converter import _field_infos
from sage_async.dlt import TENANT, SyncStats, TableChange, sync
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.models.sales import RESOURCES as SALES
from sage_async.testing import Sandbox


def sales_client(sb: Sandbox) -> Callable[[], SalesClient]:
    keys = sb.sales_credentials

    def make() -> SalesClient:
        return SalesClient(public_key=keys.public_key, private_key=keys.private_key,
                           base_url=sb.sales_url, rate=1000)  # fmt: skip

    return make


def accounting_client(sb: Sandbox) -> Callable[[], AccountingClient]:
    oauth = sb.accounting_credentials
    body = sb.accounting_tokens()

    def make() -> AccountingClient:
        return AccountingClient(
            client_id=oauth.client_id, client_secret=oauth.client_secret,
            tokens=TokenSet.from_response(body), business_id=sb.lead_business,
            base_url=sb.accounting_url, token_url=sb.token_url, rate=1000, per=1.0,
        )  # fmt: skip

    return make


def pipeline(tmp_path: Path, dataset: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=f"test_{dataset}",
        destination=dlt.destinations.duckdb(str(tmp_path / "mirror.duckdb")),
        dataset_name=dataset,
        pipelines_dir=str(tmp_path / "pipelines"),
    )


async def run(pipe: dlt.Pipeline, source: Any, stats: SyncStats) -> dict[str, TableChange]:
    """Run a sync in a worker thread: dlt blocks, and the sandbox serves on this loop."""
    changes = await asyncio.to_thread(sync, pipe, source, stats)
    return {change.table: change for change in changes}


def table(db_path: Path, dataset: str, name: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db_path), read_only=True) as db:
        cursor = db.execute(f"SELECT * FROM {dataset}.{name}")
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def column_types(db_path: Path, dataset: str, name: str) -> dict[str, str]:
    with duckdb.connect(str(db_path), read_only=True) as db:
        rows = db.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [dataset, name],
        ).fetchall()
    return {str(c): str(t) for c, t in rows}


def _expected(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bool":
        return bool(value)
    return value


def _actual(kind: str, value: Any) -> Any:
    if kind in ("model", "list") and isinstance(value, str):
        return json.loads(value)
    return value


def assert_mirrors(
    pipe: dlt.Pipeline | str,
    db_path: Path,
    api: str,
    name: str,
    records: dict[Any, dict[str, Any]],
    tenant: str,
) -> None:
    """
    The table holds exactly ``records`` (by id), every declared field equal, no duplicates.

    ``pipe`` is the pipeline, or the name of the dataset a CLI run wrote.
    """
    naming = SnakeCase()
    dataset = pipe if isinstance(pipe, str) else pipe.dataset_name
    rows = table(db_path, dataset, name)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate primary keys"
    assert sorted(records, key=str) == sorted(ids, key=str)
    spec = (SALES if api == "sales" else ACCOUNTING)[name]
    infos = _field_infos(spec.model)
    by_id = {row["id"]: row for row in rows}
    for rid, record in records.items():
        row = by_id[rid]
        assert tenant == row[TENANT]
        for info in infos:
            if info.wire not in record:
                continue
            value = record[info.wire]
            column = naming.normalize_identifier(info.wire)
            if info.kind == "model" and api == "sales":  # a lookup, flattened
                for sub in ("id", "value"):
                    got = row[f"{column}__{sub}"]
                    assert (None if value is None else value.get(sub)) == got, (rid, column, sub)
                continue
            expected = _expected(info.kind, value)
            assert expected == _actual(info.kind, row[column]), (rid, info.wire, value, row[column])
