"""Every Accounting collection of the spec in the sandbox: lists, gets, settings, actions, voids."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.testing import Sandbox
from sage_async.testing._acc_actions import attachment_bytes

from .conftest import bearer, get_json


SPEC = Path(__file__).resolve().parents[2] / "openapi" / "accounting-v3.1.yaml"
VOIDABLE = ("sales_invoices", "sales_credit_notes", "sales_corrective_invoices")
RELEASABLE = ("sales_invoices", "sales_credit_notes", "purchase_invoices", "purchase_credit_notes")


@cache
def list_parameters() -> dict[str, dict[str, dict[str, Any]]]:
    """Resource name -> query parameter name -> its schema, from the spec's list operations."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    shared = spec["components"]["parameters"]
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for item in spec["paths"].values():
        info = item.get("x-sage-resource")
        if not info or "list" not in info["operations"]:
            continue
        params = [shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
                  for p in item["get"].get("parameters", [])]  # fmt: skip
        found[info["name"]] = {p["name"]: p["schema"] for p in params if p["in"] == "query"}
    return found


def sample(name: str, schema: dict[str, Any]) -> str:
    """A valid query value for a parameter of this schema."""
    if name == "sort":
        return "created_at:desc"
    if "enum" in schema:
        return str(schema["enum"][0])
    kind, fmt = schema.get("type"), schema.get("format")
    values = {"boolean": "true", "integer": "1", "number": "12.5"}
    if kind in values:
        return values[kind]
    return {"date": "2024-01-31", "date-time": "2024-01-31T10:00:00Z"}.get(fmt or "", "abc")


async def send(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    async with http.request(method, url, **kwargs) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.read()


async def test_every_collection_lists_and_gets(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Each collection answers its list (envelope or bare array) and get; settings get and put."""
    assert 87 <= len(ACCOUNTING)
    for spec in ACCOUNTING.values():
        url = f"{sb.accounting_url}{spec.path}"
        if spec.singleton:
            status, one, _ = await get_json(http, url, headers=bearer(sb))
            assert 200 == status, spec.name
            if spec.supports("update") and spec.wrap_key:
                body = {spec.wrap_key: {}}
                status, again = await send(http, "PUT", url, json=body, headers=bearer(sb))
                assert (200, one.get("$path")) == (status, again.get("$path")), spec.name
            continue
        status, page, _ = await get_json(http, url, headers=bearer(sb))
        assert 200 == status, spec.name
        items = page if spec.list_shape == "array" else page["$items"]
        assert isinstance(items, list), spec.name
        assert items, spec.name
        if spec.supports("get"):
            key = items[0]["id"]
            status, one, _ = await get_json(http, f"{url}/{key}", headers=bearer(sb))
            assert (200, key) == (status, one["id"]), spec.name


async def test_every_declared_list_parameter_is_accepted(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Each list parameter the spec declares, with a valid value, gets a 200 from the sandbox."""
    refused = []
    declared = list_parameters()
    for spec in ACCOUNTING.values():
        if not spec.supports("list") or spec.singleton:
            continue
        assert set(spec.list_params) == set(declared[spec.name]), spec.name
        for name, schema in declared[spec.name].items():
            url = f"{sb.accounting_url}{spec.path}"
            params = {name: sample(name, schema)}
            status, _body, _ = await get_json(http, url, headers=bearer(sb), params=params)
            if status != 200:
                refused.append((spec.name, name, status))
    assert [] == refused


async def test_release_posts_a_draft(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """POST /{key}/release answers 201 with the record, now UNPAID."""
    for name in RELEASABLE:
        key = sb.ids("accounting", name)[0]
        url = f"{sb.accounting_url}/{name}/{key}/release"
        status, body = await send(http, "POST", url, headers=bearer(sb))
        assert (201, key, "UNPAID") == (status, body["id"], body["status"]["id"]), name
        status, _ = await send(http, "GET", url, headers=bearer(sb))
        assert 405 == status


async def test_reissue_replaces_the_journal(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """POST /journals/{key}/reissue answers 201 with a new journal; the old one is gone."""
    key = sb.ids("accounting", "journals")[0]
    base = f"{sb.accounting_url}/journals"
    before = sb.record("accounting", "journals", key)
    assert before is not None
    status, body = await send(http, "POST", f"{base}/{key}/reissue", headers=bearer(sb))
    assert 201 == status
    assert key != body["id"]
    assert before["reference"] == body["reference"]
    assert 404 == (await send(http, "GET", f"{base}/{key}", headers=bearer(sb)))[0]
    assert 200 == (await send(http, "GET", f"{base}/{body['id']}", headers=bearer(sb)))[0]


async def test_bank_feed_and_attachment_file(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """bank_feed answers a link; an attachment's file comes back as bytes, Accept checked."""
    account = sb.ids("accounting", "bank_accounts")[0]
    url = f"{sb.accounting_url}/bank_accounts/{account}/bank_feed"
    status, link = await send(http, "GET", url, headers=bearer(sb))
    assert (200, f"/bank_accounts/{account}/bank_feed") == (status, link["$path"])
    key = sb.ids("accounting", "attachments")[0]
    url = f"{sb.accounting_url}/attachments/{key}/file"
    octets = bearer(sb, Accept="application/octet-stream")
    assert (200, attachment_bytes(key)) == await send(http, "GET", url, headers=octets)
    assert 406 == (await send(http, "GET", url, headers=bearer(sb, Accept="text/html")))[0]
    missing = f"{sb.accounting_url}/attachments/nope/file"
    assert 404 == (await send(http, "GET", missing, headers=octets))[0]
    unknown = f"{sb.accounting_url}/attachments/{key}/release"
    assert 404 == (await send(http, "POST", unknown, headers=octets))[0]


@pytest.mark.parametrize("name", VOIDABLE)
async def test_void_answers_the_voided_record(
    name: str, sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """DELETE with void_reason answers 200 with the record, VOID and still readable."""
    key = sb.ids("accounting", name)[1]
    url = f"{sb.accounting_url}/{name}/{key}"
    status, body = await send(
        http, "DELETE", url, params={"void_reason": "typo"}, headers=bearer(sb)
    )
    assert (200, key, "typo", "VOID") == (
        status, body["id"], body["void_reason"], body["status"]["id"],
    )  # fmt: skip
    status, again, _ = await get_json(http, url, headers=bearer(sb))
    assert (200, "VOID") == (status, again["status"]["id"])
    assert 204 == (await send(http, "DELETE", url, headers=bearer(sb)))[0]
    assert 404 == (await send(http, "GET", url, headers=bearer(sb)))[0]
