"""CRUD round trips on every writable resource of both APIs, through the clients and the sandbox."""

from __future__ import annotations

import datetime as dt
import sys
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest

from sage_async import (
    UNSET,
    AccountingClient,
    NotFoundError,
    ResourceNotFoundError,
    SalesClient,
    Unset,
)
from sage_async._converter import _classify, _ModuleNamespace
from sage_async.models import accounting, sales
from sage_async.testing import Sandbox


def reference(sb: Sandbox | None, api: str, wire: str) -> Any:
    """An existing record id for a ``<something>_<resource>_id`` field, when one fits."""
    if sb is None or not wire.endswith("_id"):
        return None
    base = wire[:-3]
    table = sales.RESOURCES if api == "sales" else accounting.RESOURCES
    for name in sorted(table, key=len, reverse=True):
        singulars = {name[:-1], name[:-2], name[:-3] + "y"}  # accounts, addresses, entities
        if any(base.endswith(x) for x in singulars) and "list" in table[name].operations:
            ids = sb.ids(api, name, limit=1)  # type: ignore[arg-type]
            if ids:
                return ids[0]
    return None


def sample(kind: str, target: Any) -> Any:
    """A plausible value of a field kind (as classified by the converter)."""
    values: dict[str, Any] = {
        "str": "sample",
        "int": 1,
        "float": 1.5,
        "bool": True,
        "decimal": Decimal("12.50"),
        "datetime": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "date": dt.date(2025, 1, 2),
    }
    if kind == "model":
        return build(target)
    if kind == "list":
        return [sample(*target)]
    return values.get(kind, "sample")


def build(model: type[Any], sb: Sandbox | None = None, api: str = "accounting") -> Any:
    """An instance of a write model with every required field set (references to real ids)."""
    # The generated modules name models of other groups lazily: evaluate with the module's
    # attributes (what the converter does), not just its globals.
    hints = typing.get_type_hints(model, localns=_ModuleNamespace(sys.modules[model.__module__]))
    values = {}
    for field in attrs.fields(model):
        if field.metadata.get("required"):
            kind, target = _classify(hints[field.name])
            if kind == "model":
                values[field.name] = build(target, sb, api)
            elif kind == "list" and target[0] == "model":
                values[field.name] = [build(target[1], sb, api)]
            else:
                ref = reference(sb, api, field.metadata["wire"])
                values[field.name] = ref if ref is not None else sample(kind, target)
    return model(**values)


def text_field(spec: Any) -> tuple[str, str] | None:
    """A plain string field both the write and the read model have (python name, wire)."""
    read = {f.metadata.get("wire"): f for f in attrs.fields(spec.model)}
    for field in attrs.fields(spec.write_model):
        wire = field.metadata.get("wire")
        if wire in read and field.type == "str | Unset" and "id" not in wire.lower():
            return field.name, read[wire].name
    return None


def writable(table: dict[str, Any]) -> list[str]:
    return sorted(
        name
        for name, spec in table.items()
        if {"create", "get"} <= spec.operations and spec.write_model is not None
    )


@pytest.mark.parametrize("name", writable(sales.RESOURCES))
async def test_sales_crud_round_trip(
    name: str, sandbox: Sandbox, sales_client: Callable[..., SalesClient]
) -> None:
    """create → get → update (partial) → get → delete, on every writable Sales resource."""
    async with sales_client() as client:
        resource = client.resource(name)
        created = await resource.create(build(resource.spec.write_model, sandbox, "sales"))
        assert isinstance(created.id, int)
        record = await resource.get(created.id)
        assert created.id == record.id
        field = text_field(resource.spec)
        if field is not None and "update" in resource.spec.operations:
            write_name, read_name = field
            await resource.update(created.id, resource.spec.write_model(**{write_name: "renamed"}))
            assert "renamed" == getattr(await resource.get(created.id), read_name)
        if "delete" in resource.spec.operations:
            await resource.delete(created.id)
            after = await resource.get(created.id)  # soft delete: still readable, flagged
            assert after.deleted is True
            with pytest.raises(ResourceNotFoundError):
                await resource.delete(created.id)
    assert client.converter.drift.total == 0, str(client.converter.drift)


@pytest.mark.parametrize("name", writable(accounting.RESOURCES))
async def test_accounting_crud_round_trip(
    name: str, sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """create → get → update (partial) → get → delete, on every writable Accounting resource."""
    async with accounting_client() as client:
        resource = client.resource(name)
        created = await resource.create(build(resource.spec.write_model, sandbox))
        assert isinstance(created.id, str)
        fetched = await resource.get(created.id)
        assert created.id == fetched.id
        field = text_field(resource.spec)
        if field is not None and "update" in resource.spec.operations:
            write_name, read_name = field
            updated = await resource.update(
                created.id, resource.spec.write_model(**{write_name: "renamed"})
            )
            assert "renamed" == getattr(updated, read_name)
        if "delete" in resource.spec.operations:
            await resource.delete(created.id)
            with pytest.raises(NotFoundError):
                await resource.get(created.id)
    assert client.converter.drift.total == 0, str(client.converter.drift)


async def test_accounting_singleton_and_read_only_resources(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """The user singleton reads and updates; businesses and currencies list and get."""
    async with accounting_client() as client:
        user = await client.user.get()
        updated = await client.user.update(None, {"first_name": "Ada"})
        assert "Ada" == updated.first_name
        assert user.id == updated.id
        businesses = await client.businesses.list()
        assert {b.id for b in businesses.items} == set(sandbox.business_ids)
        currency = (await client.currencies.list()).items[0]
        assert currency.id == (await client.currencies.get(currency.id)).id


async def test_update_sends_only_the_fields_that_were_set(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """A partial update leaves every other field as it was."""
    item_id = sandbox.ids("accounting", "stock_items")[0]
    before = sandbox.record("accounting", "stock_items", item_id)
    assert before is not None
    async with accounting_client() as client:
        await client.stock_items.update(item_id, accounting.StockItemWrite(notes="restock"))
    after = sandbox.record("accounting", "stock_items", item_id)
    assert after is not None
    assert "restock" == after["notes"]
    unchanged = {k for k in before if k not in ("notes", "updated_at")}
    assert {k: before[k] for k in unchanged} == {k: after[k] for k in unchanged}


def test_unset_is_not_sent() -> None:
    """UNSET fields are left out of the write body; None is sent as null."""
    from sage_async import Converter

    body = Converter().unstructure(accounting.StockItemWrite(notes=None, barcode=UNSET))
    assert {"notes": None} == body
    assert isinstance(UNSET, Unset)
