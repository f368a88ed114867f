"""
The rest of Sales (issue 11): the new collections, every sub-resource (``related``), the API's
index and field descriptions, and the custom value lists, all against the sandbox.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sage_async import (
    Converter,
    InvalidFilterError,
    InvalidParameterError,
    InvalidQueryError,
    ResourceNotFoundError,
    SalesClient,
    UnknownFieldError,
    UsageError,
)
from sage_async.models import sales as m
from sage_async.models.sales import RESOURCES
from sage_async.testing import Sandbox


# The collections issue 11 adds: resource name -> (read model, operations the sources show).
NEW_COLLECTIONS = {
    "calendar": (m.CalendarItem, {"list", "get", "create", "update"}),
    "contacts_entities": (m.ContactEntity, {"list"}),
    "entity_owners": (m.EntityOwner, {"list"}),
    "campaign_questions": (m.CampaignQuestion, {"list", "get"}),
    "campaign_statuses": (m.CampaignStatus, {"list"}),
    "news": (m.NewsItem, {"list"}),
    "activity_points": (m.ActivityPoint, {"list"}),
}
# Every sub-resource: (parent, related name) -> (row model, key or None, path sent).
RELATED = {
    ("users", "roles"): (m.Role, 3, "/users/3/roles"),
    ("users", "hierarchy"): (m.User, 3, "/users/3/hierarchy"),
    ("users", "scores"): (m.UserScore, None, "/users/scores"),
    ("roles", "users"): (m.User, 2, "/roles/2/users"),
    ("calls", "by_phone"): (m.Call, "+34 600/1", "/calls/phone/%2B34%20600%2F1"),
    ("documents", "folders"): (m.DocumentFolder, None, "/documents/folders"),
    ("accounts", "documents"): (m.Document, 5, "/accounts/5/documents"),
}


def test_the_resource_table_has_the_new_collections_and_related_names() -> None:
    """Codegen carries the spec's new collections and `related` keys into RESOURCES."""
    for name, (model, operations) in NEW_COLLECTIONS.items():
        assert model is RESOURCES[name].model
        assert operations == set(RESOURCES[name].operations)
    assert "/activity/points" == RESOURCES["activity_points"].path
    declared = {
        (spec.name, entry.name): entry.model
        for spec in RESOURCES.values()
        for entry in spec.related
    }
    assert {key: model for key, (model, _, _) in RELATED.items()} == declared


@pytest.mark.parametrize("name", sorted(NEW_COLLECTIONS))
async def test_new_collection_lists_and_gets_against_the_sandbox(
    name: str, sandbox: Sandbox, sales_client: Callable[..., SalesClient]
) -> None:
    """Each new collection lists (with filters) and, where the API has it, gets by id."""
    model, operations = NEW_COLLECTIONS[name]
    async with sales_client(strict=True) as client:
        resource = client.resource(name)
        page = await resource.list(page_size=20, where="id > 5", order="id", lang="en")
        assert 20 == len(page.items)
        assert all(isinstance(row, model) for row in page.items)
        assert list(range(300, 280, -1)) == [row.id for row in page.items]  # descending by id
        if "get" in operations:
            assert 7 == (await resource.get(7, lang="es")).id
        else:
            with pytest.raises(UsageError, match="does not support get"):
                await resource.get(7)
        assert 0 == client.converter.drift.total


async def test_calendar_creates_and_updates(sales_client: Callable[..., SalesClient]) -> None:
    """The calendar takes writes: a created event reads back with its lookups, then updates."""
    async with sales_client(strict=True) as client:
        created = await client.calendar.create(
            m.CalendarItemWrite(subject="Demo at the client", account_id=4, all_day=True)
        )
        item = await client.calendar.get(created.id)
        assert ("Demo at the client", 4, True) == (item.subject, item.account_id.id, item.all_day)
        await client.calendar.update(created.id, {"subject": "Moved"})
        assert "Moved" == (await client.calendar.get(created.id)).subject
        with pytest.raises(UsageError, match="does not support delete"):
            await client.calendar.delete(created.id)


async def test_export_listable_collections_include_the_new_ones() -> None:
    """The CLI takes its names from the resource table: every new collection is exportable."""
    from sage_async.cli._parser import listable

    assert set(NEW_COLLECTIONS) <= set(listable("sales"))


@pytest.mark.parametrize(("parent", "name"), sorted(RELATED))
async def test_every_related_name_answers_its_models(
    parent: str, name: str, sandbox: Sandbox, sales_client: Callable[..., SalesClient]
) -> None:
    """related(name, key) sends the sub-resource path and decodes its rows strictly."""
    model, key, path = RELATED[parent, name]
    async with sales_client(strict=True) as client:
        rows = await client.resource(parent).related(name, key)
        assert rows
        assert all(isinstance(row, model) for row in rows)
        raw = await client.resource(parent).related(name, key, raw=True)
        assert [row.id for row in rows] == [row["id"] for row in raw]
    assert path == list(sandbox.log)[-1].raw_path


async def test_related_honours_where_order_and_lang(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient]
) -> None:
    """Filters apply as on lists, and field names are checked against the row model."""
    async with sales_client() as client:
        everything = await client.users.related("scores", order="id ASC")
        assert list(range(1, len(everything) + 1)) == [row.id for row in everything]
        some = await client.users.related("scores", where="id > 4", order="id", lang="fr")
        assert [row.id for row in everything if row.id > 4][::-1] == [row.id for row in some]
        assert {"where": "id > 4", "order": "id", "lang": "fr"} == dict(list(sandbox.log)[-1].query)
        described = await client.users.related("scores", extra_field_descriptions=True)
        assert [row.id for row in everything] == [row.id for row in described]
        with pytest.raises(UnknownFieldError):
            await client.users.related("scores", where="description = 'x'")  # a Role field
        with pytest.raises(InvalidFilterError):
            await client.users.related("scores", where="id >")


async def test_related_refuses_unknown_names_and_wrong_keys(
    sales_client: Callable[..., SalesClient],
) -> None:
    """An unknown name lists the known ones; keys are required, refused or checked as needed."""
    async with sales_client() as client:
        with pytest.raises(UsageError, match=r"users has no related list 'role' .*'roles'"):
            await client.users.related("role", 1)
        with pytest.raises(UsageError, match="has: none"):
            await client.news.related("items")
        with pytest.raises(InvalidParameterError, match="needs a key"):
            await client.users.related("roles")
        with pytest.raises(InvalidParameterError, match="takes no key"):
            await client.users.related("scores", 3)
        with pytest.raises(InvalidParameterError, match="integers"):
            await client.users.related("roles", "abc")
        with pytest.raises(InvalidParameterError):
            await client.calls.related("by_phone", "..")
        with pytest.raises(ResourceNotFoundError):
            await client.users.related("roles", 99_999)  # no such user: 910


async def test_resource_index_lists_every_collection(
    sales_client: Callable[..., SalesClient],
) -> None:
    """GET /resources answers one model per collection with its operations."""
    async with sales_client(strict=True) as client:
        index = await client.resource_index()
        by_path = {entry.end_point: entry for entry in index}
        assert {f"/v4{spec.path}" for spec in RESOURCES.values()} == set(by_path)
        points = by_path["/v4/activity/points"]
        assert "/v4/activity/points/schema" == points.schema
        assert (False, True, False, False) == (
            points.operations.create, points.operations.read,
            points.operations.update, points.operations.delete,
        )  # fmt: skip
        assert isinstance((await client.resource_index(raw=True))[0], dict)


async def test_schema_describes_the_fields_as_a_dict(
    sales_client: Callable[..., SalesClient],
) -> None:
    """resource.schema() returns the field description: types, readOnly, lookup tables."""
    async with sales_client() as client:
        accounts = await client.accounts.schema()
        props = accounts["properties"]
        assert {"type": "integer", "readOnly": True} == props["id"]
        assert {"type": "integer", "table": "accountStatuses", "readOnly": False} == props[
            "statusId"
        ]
        points = await client.activity_points.schema()
        assert "points" in points["properties"]
        assert all(p["readOnly"] for p in points["properties"].values())  # read-only resource


async def test_value_lists_list_rows_schema_and_create(
    sales_client: Callable[..., SalesClient],
) -> None:
    """Custom value lists: list, rows with Spanish columns and filters, schema, create."""
    async with sales_client(strict=True) as client:
        lists = await client.value_lists.list()
        names = [entry.database_name for entry in lists]
        assert ["Z_tblList1", "Z_tblList2", "Z_tblList3"] == names
        rows = await client.value_lists.rows("Z_tblList1")
        assert {"id", "descripcion", "descripcion_en", "borrado", "UserCreado"} <= set(rows[0])
        picked = await client.value_lists.rows("Z_tblList1", where="id > 3", order="id")
        assert [r["id"] for r in rows if r["id"] > 3][::-1] == [r["id"] for r in picked]
        second = await client.value_lists.rows("Z_tblList1", page=1, page_size=3)
        assert [r["id"] for r in rows[3:6]] == [r["id"] for r in second]
        schema = await client.value_lists.schema("Z_tblList1")
        assert {"type": "string", "readOnly": False} == schema["properties"]["descripcion"]
        created = await client.value_lists.create(
            m.ValueListWrite(database_name="Z_tblSources", description="Lead sources")
        )
        assert (4, "entity created") == (created.id, created.message)
        assert "Z_tblSources" == (await client.value_lists.list())[-1].database_name
        assert await client.value_lists.rows("Z_tblSources")


async def test_value_lists_refuse_bad_input(sales_client: Callable[..., SalesClient]) -> None:
    """Unknown lists are 910, bad filters 901 or refused locally, names must be text."""
    async with sales_client() as client:
        with pytest.raises(ResourceNotFoundError):
            await client.value_lists.rows("Z_tblNothing")
        with pytest.raises(ResourceNotFoundError):
            await client.value_lists.schema("Z_tblNothing")
        with pytest.raises(InvalidQueryError):
            await client.value_lists.rows("Z_tblList1", where="nope = 1")
        with pytest.raises(InvalidFilterError):
            await client.value_lists.rows("Z_tblList1", where="id >")
        with pytest.raises(InvalidParameterError):
            await client.value_lists.rows(7)  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError):
            await client.value_lists.create(["Z_tblX"])  # type: ignore[arg-type]
        with pytest.raises(Exception, match="databaseName"):
            await client.value_lists.create({"description": "no name"})


def test_new_models_decode_their_sandbox_rows_strictly(sandbox: Sandbox) -> None:
    """The seeded rows of every new collection decode with zero drift (models and data agree)."""
    converter = Converter(strict=True)
    for name, (model, _) in NEW_COLLECTIONS.items():
        col = sandbox.collection("sales", name)
        converter.structure_list([col.get(i) for i in range(50)], model)
    assert 0 == converter.drift.total


@given(st.text(min_size=1).filter(lambda s: s not in (".", "..")))
def test_a_phone_key_is_one_path_segment(phone: str) -> None:
    """Any phone text becomes exactly one percent-encoded segment below /calls/phone."""
    from urllib.parse import unquote

    from sage_async._sales_meta import related_path

    spec = RESOURCES["calls"]
    entry = spec.sub_resource("by_phone")
    assert entry is not None
    if any(unicodedata.category(c) == "Cc" for c in phone):
        with pytest.raises(InvalidParameterError):
            related_path(spec, entry, phone, "")
        return
    path = related_path(spec, entry, phone, "")
    head, _, segment = path.rpartition("/")
    assert "/calls/phone" == head
    assert phone == unquote(segment)
