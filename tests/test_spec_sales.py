"""Fidelity of the hand-written Sales Management v4 spec (openapi/sales-management-v4.yaml).

Part (a) checks the spec on its own: structure, the project conventions of docs/contracts.md
section 1 and the release notes of the official docs. Part (b) compares our schemas with the
vendor's Power Automate connector Swagger kept in ../shared/reference (skipped when absent).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml


ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "sales-management-v4.yaml"
VENDOR_PATH = (
    ROOT.parent
    / "shared"
    / "reference"
    / "sales-management"
    / "powerplatform-forcemanager-crm.swagger.json"
)

LIST_PARAMS = ["page", "count", "X-FM-Entity-Count", "where", "order", "lang"]
ERROR_STATUSES = ["400", "401", "429", "500"]
METHOD_OF = {"list": "get", "create": "post", "get": "get", "update": "put", "delete": "delete"}

# Common fields every read schema declares (FACTS "Entities, fields, conventions").
AUDIT_FIELDS: dict[str, set[str]] = {
    "id": {"integer"},
    "dateCreated": {"string", "null"},
    "dateUpdated": {"string", "null"},
    "dateDeleted": {"string", "null"},
    "salesRepIdCreated": {"integer", "null"},
    "salesRepIdUpdated": {"integer", "null"},
    "salesRepIdDeleted": {"integer", "null"},
    "deleted": {"boolean"},
    "extId": {"string", "null"},
    "permissionLevel": {"integer"},
    "readOnly": {"boolean"},
}

# apiName -> (python name, read model) for every resource sage-async must cover.
EXPECTED_RESOURCES = {
    "accounts": ("accounts", "Account"),
    "contacts": ("contacts", "Contact"),
    "opportunities": ("opportunities", "Opportunity"),
    "activities": ("activities", "Activity"),
    "products": ("products", "Product"),
    "salesorders": ("sales_orders", "SalesOrder"),
    "salesordersLines": ("sales_orders_lines", "SalesOrderLine"),
    "sales": ("sales", "Sale"),
    "accountAddresses": ("account_addresses", "AccountAddress"),
    "accountsRelated": ("accounts_related", "AccountRelated"),
    "accountsRelations": ("accounts_relations", "AccountRelation"),
    "hooks": ("hooks", "Hook"),
    "users": ("users", "User"),
    "accountTypes": ("account_types", "AccountType"),
    "accountStatuses": ("account_statuses", "AccountStatus"),
    "accountSegments": ("account_segments", "AccountSegment"),
    "contactTypes": ("contact_types", "ContactType"),
    "activityTypes": ("activity_types", "ActivityType"),
    "opportunityTypes": ("opportunity_types", "OpportunityType"),
    "opportunityStatuses": ("opportunity_statuses", "OpportunityStatus"),
    "salesorderStatuses": ("sales_order_statuses", "SalesOrderStatus"),
    "orderTypes": ("order_types", "OrderType"),
    "productFamilies": ("product_families", "ProductFamily"),
    "productCategories": ("product_categories", "ProductCategory"),
    "productRates": ("product_rates", "ProductRate"),
    "rates": ("rates", "Rate"),
    "branches": ("branches", "Branch"),
    "countries": ("countries", "Country"),
    "currencies": ("currencies", "Currency"),
    "timezones": ("timezones", "Timezone"),
    # issue 11: the collections the secondary sources list beyond the vendor Swagger.
    "calendar": ("calendar", "CalendarItem"),
    "contactsEntities": ("contacts_entities", "ContactEntity"),
    "entityOwners": ("entity_owners", "EntityOwner"),
    "campaignQuestions": ("campaign_questions", "CampaignQuestion"),
    "campaignStatuses": ("campaign_statuses", "CampaignStatus"),
    "news": ("news", "NewsItem"),
    "activity/points": ("activity_points", "ActivityPoint"),
}
# Sub-resources (parent collection -> related names and their full paths), FACTS "Endpoints".
EXPECTED_RELATED = {
    "/users": {"roles": "/users/{id}/roles", "hierarchy": "/users/{id}/hierarchy",
               "scores": "/users/scores"},
    "/roles": {"users": "/roles/{id}/users"},
    "/calls": {"by_phone": "/calls/phone/{phoneNumber}"},
    "/documents": {"folders": "/documents/folders"},
    "/accounts": {"documents": "/accounts/{id}/documents"},
}  # fmt: skip
# Meta endpoints (FACTS "Meta" and "Custom value lists").
META_PATHS = {"/resources", "/{resource}/schema", "/list", "/list/{databaseName}",
              "/list/{resource}/schema"}  # fmt: skip
# Our collections the vendor's connector Swagger does not have, with the source we took them
# from (test_collections_missing_from_the_vendor_are_listed checks the list both ways).
NOT_IN_VENDOR = {
    "/activities": "secondary sources (MindCloud, withone.ai) list it with CRUD",
    "/products": "secondary sources list it with CRUD",
    "/sales": "secondary sources list it with CRUD",
    "/accountAddresses": "secondary sources list it with CRUD",
    "/accountsRelated": "secondary sources list it with CRUD",
    "/accountsRelations": "secondary sources list it with CRUD",
    "/orderTypes": "secondary sources list this value list with CRUD",
    "/productCategories": "secondary sources list this value list with CRUD",
    "/productFamilies": "secondary sources list this value list with CRUD",
    "/productRates": "secondary sources list this value list with CRUD",
    "/rates": "secondary sources list this value list with CRUD",
    "/userTypes": "secondary sources list it (read-only)",
    "/roles": "secondary sources list it (read-only)",
    "/calls": "secondary sources list it (read-only)",
    "/emails": "secondary sources list it (read-only)",
    "/documents": "secondary sources list it (read-only)",
    "/campaigns": "secondary sources list it (read-only)",
    "/calendar": "MindCloud list/get, withone.ai create/update pages",
    "/contactsEntities": "MindCloud list and schema",
    "/entityOwners": "MindCloud list and schema",
    "/campaignQuestions": "MindCloud list and get",
    "/campaignStatuses": "MindCloud list",
    "/news": "MindCloud list",
    "/activity/points": "MindCloud list",
}
VALUE_LISTS = [
    "accountTypes", "accountStatuses", "accountSegments", "contactTypes", "activityTypes",
    "opportunityTypes", "opportunityStatuses", "salesorderStatuses", "orderTypes",
    "productFamilies", "productCategories", "productRates", "rates", "branches", "countries",
    "currencies", "timezones",
]  # fmt: skip
LANGS = ["ES", "EN", "US", "IT", "DE", "FR", "BR", "DK", "PT", "RU"]
# Value-list endpoints whose real rows are prices, not labels (productRates rows carry product,
# rate, prices and discounts: productRates__get fixture), so no localised descriptions.
PRICE_ROWS = ["productRates"]

# Required on create (FACTS, from the vendor docs).
REQUIRED_ON_CREATE = {
    "AccountWrite": {"branchId", "name", "salesRepId1"},
    "ContactWrite": {"branchId", "firstName", "lastName", "accountId", "salesRepId"},
    "OpportunityWrite": {"branchId", "reference", "salesRepId", "salesProbability", "accountId1"},
    "SalesOrderWrite": {"branchId", "reference", "salesRepId"},
    "SalesOrderLineWrite": {"quantity", "price", "productId", "salesOrderId"},
}

# Intentional differences from the vendor Swagger: (our schema, our property) -> why.
# Each entry must still be a real difference (test_allow_list_entries_are_still_needed).
# Not listed because they match the vendor file: Contact.gender (the vendor response already
# has a {id, value} object, the 01/08/2021 release note) and lookups in general. A property whose
# `x-sage-aliases` holds the vendor's spelling (Contact.UseCompanyAddress, SalesOrder.
# salesForcecastDate, SalesOrderLine.salesorderId, Country.descriptionde...) is compared under
# that spelling.
ALLOWED_DIFFERENCES = {
    # Vendor typo "lasttName" in ContactResponse (its write model and real reads say lastName).
    ("Contact", "lastName"): "typo fix: vendor lasttName",
    # Required on create per the vendor docs but missing from the vendor ContactModel.
    ("ContactWrite", "branchId"): "required on create, missing from the vendor model",
    # Writable counterparts of fields real reads carry (the /accounts/schema example marks
    # dateGeocoded readOnly false); the vendor write models predate them.
    ("AccountWrite", "dateGeocoded"): "writable counterpart of a real read field",
    ("AccountWrite", "marketingCommunications"): "writable counterpart of a real read field",
    ("OpportunityWrite", "dateGeocoded"): "writable counterpart of a real read field",
    # Activity type flags the vendor's GenericValueListResponse omits and the create example
    # documents (the real row excerpt of the activityTypes__get fixture stops before them).
    ("ActivityType", "visit"): "activity type flag from the create example",
    ("ActivityType", "visibleInActivities"): "activity type flag from the create example",
    ("ActivityType", "visibleInAgendaActivities"): "activity type flag from the create example",
    ("ActivityType", "workflow"): "activity type flag from the create example",
}
# Fields the vendor Swagger omits but real payloads carry: (our schema, our property) -> the
# fixture under tests/fixtures/real/sales/ whose payload has it (test_real_payload_fields_are_seen
# checks the key is really there).
SEEN_IN_REAL_PAYLOADS = {
    ("Account", "dateGeocoded"): "accounts__get",
    ("Account", "marketingCommunications"): "accounts__get",
    ("Opportunity", "dateGeocoded"): "opportunities__get",
    ("SalesOrder", "internalCommentUpdateDate"): "salesorders__get",
    ("SalesOrder", "internalCommentUpdateSalesRepId"): "salesorders__get",
    ("OpportunityStatus", "salesProbability"): "opportunityStatuses__list",
    ("OpportunityType", "defaultStatus"): "opportunityTypes__get",
    ("ActivityType", "automatic"): "activityTypes__get",
    ("ActivityType", "checkin"): "activityTypes__get",
    ("ActivityType", "fastCheckin"): "activityTypes__get",
    ("ActivityType", "general"): "activityTypes__get",
    ("ActivityType", "hide"): "activityTypes__get",
    ("ActivityType", "phoneCall"): "activityTypes__get",
    ("ActivityType", "system"): "activityTypes__get",
    ("ActivityType", "videoCall"): "activityTypes__get",
}
# The value-list class: every value list gets the fields the vendor's generic value-list model
# declares and real rows carry (accountTypes fixture), although the vendor's specialised
# definitions (BranchResponse, CountryResponse, status lists...) leave some out.
VALUE_LIST_CLASS_FIELDS = {"branchVisibility", "internal", "computeSfm", "visitCycle"}
# Read schemas may declare the common audit fields (AUDIT_FIELDS) even where one vendor
# definition omits some (e.g. AccountResponse has no `deleted`, value lists no `extId`).
# Hook uses snake_case audit fields and is compared field by field.
# Audit fields whose real encoding is wider than AUDIT_FIELDS: (schema, field) -> JSON types.
AUDIT_EXCEPTIONS = {
    # /sales reads send `deleted` as 0/1 (sales__list fixture).
    ("Sale", "deleted"): {"boolean", "integer"},
}
FIXTURES = ROOT / "tests" / "fixtures" / "real" / "sales"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


@pytest.fixture(scope="module")
def vendor() -> dict[str, Any]:
    if not VENDOR_PATH.exists():
        pytest.skip(f"vendor Swagger not found at {VENDOR_PATH} (../shared is absent)")
    return json.loads(VENDOR_PATH.read_text())


def resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"non-local $ref {ref}"
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"$ref {ref} walks into a non-object"
        assert part in node, f"$ref {ref} does not resolve (missing {part!r})"
        node = node[part]
    return node


def iter_refs(node: Any) -> list[str]:
    refs = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                refs.append(value)
            else:
                refs.extend(iter_refs(value))
    elif isinstance(node, list):
        for item in node:
            refs.extend(iter_refs(item))
    return refs


def resources(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Collection path -> x-sage-resource."""
    return {
        path: item["x-sage-resource"]
        for path, item in spec["paths"].items()
        if "x-sage-resource" in item
    }


def related_paths(spec: dict[str, Any]) -> dict[str, str]:
    """Full path of every sub-resource -> its model, from the parents' ``related`` keys."""
    return {
        f"{path}/{entry['path']}": entry["model"]
        for path, info in resources(spec).items()
        for entry in info.get("related", [])
    }


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def types_of(prop: dict[str, Any]) -> set[str]:
    """JSON types a property allows; a Lookup (possibly nullable) counts as `object`."""
    if "$ref" in prop:
        return {"object"}
    if "oneOf" in prop:
        found: set[str] = set()
        for option in prop["oneOf"]:
            found |= types_of(option)
        return found
    declared = prop.get("type")
    if declared is None:
        return set()  # any type
    return {declared} if isinstance(declared, str) else set(declared)


def is_lookup(prop: dict[str, Any]) -> bool:
    refs = [prop.get("$ref")] + [o.get("$ref") for o in prop.get("oneOf", [])]
    return "#/components/schemas/Lookup" in refs


# ---------------------------------------------------------------------------- (a) structure


def test_spec_parses_as_openapi_31(spec: dict[str, Any]) -> None:
    assert str(spec["openapi"]).startswith("3.1.")
    assert spec["servers"][0]["url"] == "https://api.forcemanager.com/api/v4"
    scheme = spec["components"]["securitySchemes"]["sessionKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Session-Key"}
    assert spec["security"] == [{"sessionKey": []}]


def test_login_is_unauthenticated_and_takes_the_key_pair(spec: dict[str, Any]) -> None:
    login = spec["paths"]["/login"]["post"]
    assert login["security"] == []
    body = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(resolve(spec, body)["properties"]) == {"username", "password"}
    ok = login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert "token" in resolve(spec, ok)["properties"]


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    refs = iter_refs(spec)
    assert refs, "the spec has no $ref at all"
    for ref in refs:
        resolve(spec, ref)


def test_every_collection_path_has_a_resource_extension(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    seen_names = set()
    for path, item in spec["paths"].items():
        if "{" in path or path == "/login" or path in related_paths(spec) or path in META_PATHS:
            continue
        info = item.get("x-sage-resource")
        assert info, f"{path} has no x-sage-resource"
        for key in ("name", "model", "id_type", "operations"):
            assert key in info, f"{path}: x-sage-resource lacks {key}"
        assert re.fullmatch(r"[a-z][a-z0-9_]*", info["name"]), info["name"]
        assert info["name"] not in seen_names, f"duplicate resource name {info['name']}"
        seen_names.add(info["name"])
        assert info["id_type"] == "integer", path
        assert info["model"] in schemas, f"{path}: model {info['model']} missing"
        writes = {"create", "update"} & set(info["operations"])
        if writes:
            assert info.get("write_model") == info["model"] + "Write", path
            assert info["write_model"] in schemas, f"{path}: {info['write_model']} missing"
        else:
            assert "write_model" not in info, f"{path} is read-only but names a write model"


def test_operations_match_the_paths(spec: dict[str, Any]) -> None:
    for path, info in resources(spec).items():
        ops = set(info["operations"])
        assert ops <= set(METHOD_OF), f"{path}: unknown operations {ops - set(METHOD_OF)}"
        collection = spec["paths"][path]
        item = spec["paths"].get(path + "/{id}", {})
        for op, method in METHOD_OF.items():
            where = collection if op in {"list", "create"} else item
            assert (method in where) == (op in ops), f"{path}: {op} vs {method} mismatch"
        singular = info["model"]
        list_id = collection["get"]["operationId"]
        assert re.fullmatch(r"list[A-Z]\w+", list_id), list_id
        for op in ops - {"list"}:
            where = collection if op == "create" else item
            assert where[METHOD_OF[op]]["operationId"] == f"{op}{singular}", (path, op)


def test_expected_resources_are_present(spec: dict[str, Any]) -> None:
    found = {
        path.lstrip("/"): (info["name"], info["model"]) for path, info in resources(spec).items()
    }
    for api, expected in EXPECTED_RESOURCES.items():
        assert found.get(api) == expected, f"/{api}: expected {expected}, got {found.get(api)}"
    for api in [*VALUE_LISTS, "accounts", "contacts", "opportunities", "salesorders", "hooks"]:
        assert set(resources(spec)["/" + api]["operations"]) == set(METHOD_OF), api
    assert set(resources(spec)["/users"]["operations"]) == {"list", "get", "create", "update"}


def test_sub_resources_are_declared_on_their_parents(spec: dict[str, Any]) -> None:
    """Every sub-resource path exists, answers an array of its model, and is a parent's related."""
    for parent, expected in EXPECTED_RELATED.items():
        related = {r["name"]: f"{parent}/{r['path']}" for r in resources(spec)[parent]["related"]}
        assert expected == related
    for path, model in related_paths(spec).items():
        answer = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert {"$ref": f"#/components/schemas/{model}"} == answer["schema"]["items"], path
        assert spec["paths"][path].get("x-sage-meta") is True, path
    for path in META_PATHS:
        assert spec["paths"][path].get("x-sage-meta") is True, path


def test_every_list_operation_takes_the_shared_parameters(spec: dict[str, Any]) -> None:
    for path in resources(spec):
        params = spec["paths"][path]["get"].get("parameters", [])
        refs = [p.get("$ref", "") for p in params]
        for name in LIST_PARAMS:
            assert f"#/components/parameters/{name}" in refs, f"{path} list lacks {name}"


def test_shared_parameters(spec: dict[str, Any]) -> None:
    params = spec["components"]["parameters"]
    assert params["page"]["in"] == "query"
    assert params["page"]["schema"] == {"type": "integer", "minimum": 0, "default": 0}
    for header in ("count", "X-FM-Entity-Count"):
        assert params[header]["in"] == "header"
        assert params[header]["schema"]["default"] == 50
        assert params[header]["schema"]["maximum"] == 300
        assert "unverified" in params[header]["description"]
    assert params["where"]["in"] == params["order"]["in"] == params["lang"]["in"] == "query"
    assert "901" in params["where"]["description"]
    assert "descending" in params["order"]["description"]
    assert params["lang"]["schema"]["enum"] == ["en", "es", "pt", "it", "fr", "de", "ru"]
    assert params["ExtraFieldDescription"]["schema"]["enum"] == [0, 1]
    assert params["id"] == {**params["id"], "in": "path", "required": True}


def test_every_operation_declares_the_error_responses(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]
    for path, item in spec["paths"].items():
        for method in ("get", "post", "put", "delete"):
            if method not in item:
                continue
            declared = item[method]["responses"]
            for status in ERROR_STATUSES:
                assert status in declared, f"{method.upper()} {path} lacks {status}"
    error_ref = {"$ref": "#/components/schemas/Error"}
    assert responses["BadRequest"]["content"]["application/json"]["schema"] == error_ref
    assert responses["ServerError"]["content"]["application/json"]["schema"] == error_ref
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    error = schema(spec, "Error")
    assert set(error["properties"]) == {"code", "error", "message"}
    assert error["properties"]["code"]["enum"] == [900, 901, 910]


def test_write_responses(spec: dict[str, Any]) -> None:
    created = schema(spec, "CreatedResponse")["properties"]
    assert created["id"]["type"] == "integer"
    assert created["Message"]["type"] == "string"
    assert "Message" in schema(spec, "MessageResponse")["properties"]
    lookup = schema(spec, "Lookup")["properties"]
    assert lookup["id"]["type"] == "integer"
    assert set(lookup["value"]["type"]) == {"string", "null"}


def test_read_schemas_carry_the_audit_fields(spec: dict[str, Any]) -> None:
    for info in resources(spec).values():
        if info["model"] == "Hook":  # snake_case audit fields, checked below
            continue
        props = schema(spec, info["model"])["properties"]
        for field, allowed in AUDIT_FIELDS.items():
            assert field in props, f"{info['model']} lacks {field}"
            allowed = AUDIT_EXCEPTIONS.get((info["model"], field), allowed)
            assert types_of(props[field]) == allowed, f"{info['model']}.{field}"
    hook = schema(spec, "Hook")["properties"]
    for field in ("id", "secret_key", "version", "date_created", "date_updated"):
        assert field in hook, f"Hook lacks {field}"


def test_lookups_are_integers_on_write(spec: dict[str, Any]) -> None:
    checked = 0
    for info in resources(spec).values():
        if "write_model" not in info:
            continue
        read = schema(spec, info["model"])["properties"]
        write = schema(spec, info["write_model"])["properties"]
        for name, prop in read.items():
            if is_lookup(prop) and name in write:
                assert write[name].get("type") == "integer", f"{info['write_model']}.{name}"
                checked += 1
        for name, prop in write.items():
            assert not is_lookup(prop), f"{info['write_model']}.{name} is a Lookup on write"
    assert checked > 50


def test_required_on_create(spec: dict[str, Any]) -> None:
    for name, required in REQUIRED_ON_CREATE.items():
        write = schema(spec, name)
        assert set(write.get("required", [])) == required, name
        assert required <= set(write["properties"]), name


def test_value_lists_have_localised_descriptions(spec: dict[str, Any]) -> None:
    """
    Every value list reads each localised description (under its name or an alias) and carries
    the value-list class fields.
    """
    models = set()
    for api in VALUE_LISTS:
        info = resources(spec)["/" + api]
        models.add(info["model"])
        if api in PRICE_ROWS:
            continue
        props = schema(spec, info["model"])["properties"]
        spellings = wire_spellings(props)
        for lang in LANGS:
            assert f"description{lang}" in spellings, f"{info['model']} lacks description{lang}"
        assert VALUE_LIST_CLASS_FIELDS <= set(props), info["model"]
    assert len(models) == len(VALUE_LISTS), "value lists must have distinct schema names"


def test_typo_fixes(spec: dict[str, Any]) -> None:
    """
    Vendor typos are fixed, but spellings that real payloads use are the wire names: sales
    orders' `salesForcecastDate` (real reads and the vendor write model) and opportunities'
    `type_id` stay, with the other spelling accepted as an alias.
    """
    contact = schema(spec, "Contact")["properties"]
    assert "lastName" in contact
    assert "lasttName" not in contact
    assert "typo" in contact["lastName"]["description"]
    for name in ("SalesOrder", "SalesOrderWrite"):
        order = schema(spec, name)["properties"]
        assert "salesForecastDate" not in order, name
        assert ["salesForecastDate"] == order["salesForcecastDate"]["x-sage-aliases"], name
    for name in ("Opportunity", "OpportunityWrite"):
        opportunity = schema(spec, name)["properties"]
        assert "typeId" not in opportunity, name
        assert ["typeId"] == opportunity["type_id"]["x-sage-aliases"], name


def test_every_resource_schema_is_open_to_custom_fields(spec: dict[str, Any]) -> None:
    """Every read and write schema of every resource declares `Z_` keys as open."""
    for info in resources(spec).values():
        for name in (info["model"], info.get("write_model")):
            if name:
                assert {"^Z_": {}} == schema(spec, name).get("patternProperties"), name


def test_aliases_do_not_collide(spec: dict[str, Any]) -> None:
    """An alias never repeats a property name or another alias of the same schema."""
    for name, body in spec["components"]["schemas"].items():
        props = body.get("properties", {})
        seen = list(props)
        for prop in props.values():
            seen += prop.get("x-sage-aliases", [])
        assert len(seen) == len(set(seen)), name


def test_real_payload_fields_are_seen() -> None:
    """Each SEEN_IN_REAL_PAYLOADS entry names a fixture whose payload has that key."""
    for (model, prop), fixture in SEEN_IN_REAL_PAYLOADS.items():
        doc = json.loads((FIXTURES / f"{fixture}.json").read_text())
        assert model == doc["model"], fixture
        records = doc["payload"] if doc["kind"] == "list" else [doc["payload"]]
        assert any(prop in record for record in records), (fixture, prop)


def test_release_notes_from_the_seed(spec: dict[str, Any]) -> None:
    # 01/08/2021: contacts' gender is returned as a value list, written as an integer id.
    assert is_lookup(schema(spec, "Contact")["properties"]["gender"])
    assert schema(spec, "ContactWrite")["properties"]["gender"]["type"] == "integer"
    # 08/05/2020: tblFamiliasProd (v4 /productFamilies) renamed name -> description.
    for name in ("ProductFamily", "ProductFamilyWrite"):
        props = schema(spec, name)["properties"]
        assert "description" in props, name
        assert "name" not in props, name
    assert resources(spec)["/productFamilies"]["model"] == "ProductFamily"
    # 18/06/2020: POST on Users honours isActive.
    assert schema(spec, "UserWrite")["properties"]["isActive"]["type"] == "boolean"
    assert "create" in resources(spec)["/users"]["operations"]
    post = spec["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]
    assert post["schema"]["$ref"] == "#/components/schemas/UserWrite"


def test_custom_fields_go_to_extras(spec: dict[str, Any]) -> None:
    for name in ("Account", "Contact", "Opportunity", "Product"):
        assert "extras" in schema(spec, name)["description"], name
    for name, body in spec["components"]["schemas"].items():
        assert not any(p.startswith("Z_") for p in body.get("properties", {})), name


# ---------------------------------------------------------------------------- (b) vendor


def vendor_pairs(spec: dict[str, Any], vendor: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Our schema -> (vendor definition, vendor collection) for every resource it covers."""
    ours = resources(spec)
    pairs: dict[str, tuple[str, str]] = {}
    for path, item in vendor["paths"].items():
        if path not in ours:
            continue
        info = ours[path]
        listing = item.get("get", {}).get("responses", {}).get("200", {}).get("schema", {})
        if "items" in listing:
            pairs[info["model"]] = (listing["items"]["$ref"].split("/")[-1], path)
        for param in item.get("post", {}).get("parameters", []):
            ref = param.get("schema", {}).get("$ref")
            if param.get("in") == "body" and ref:
                pairs[info["write_model"]] = (ref.split("/")[-1], path)
    # The vendor only describes hooks through its virtual /{entity}/hooks/insert paths.
    if "WebhookResponse" in vendor["definitions"]:
        pairs["Hook"] = ("WebhookResponse", "/hooks")
    return pairs


def vendor_collections(vendor: dict[str, Any]) -> set[str]:
    found = set()
    for path in vendor["paths"]:
        if path.startswith("/procedure"):
            continue
        if "/hooks" in path:
            found.add("/hooks")
        elif "{" not in path:
            found.add(path)
    return found


def compatible(ours: set[str], theirs: dict[str, Any]) -> bool:
    their_type = theirs.get("type") or ("object" if "properties" in theirs else None)
    if not ours or their_type is None:
        return True
    ours = ours - {"null"}
    return their_type in ours or (their_type == "number" and "integer" in ours)


def wire_spellings(props: dict[str, Any]) -> set[str]:
    """Every wire name a schema reads: property names and their `x-sage-aliases`."""
    found = set(props)
    for prop in props.values():
        found |= set(prop.get("x-sage-aliases", []))
    return found


def differences(spec: dict[str, Any], vendor: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(our schema, property) -> what differs from the vendor definition."""
    found = {}
    for ours, (theirs, _) in vendor_pairs(spec, vendor).items():
        their_props = vendor["definitions"][theirs].get("properties", {})
        for name, prop in schema(spec, ours)["properties"].items():
            spelling = next(
                (s for s in [name, *prop.get("x-sage-aliases", [])] if s in their_props), None
            )
            if spelling is None:
                found[ours, name] = f"not in vendor {theirs}"
            elif not compatible(types_of(prop), their_props[spelling]):
                found[ours, name] = f"type {sorted(types_of(prop))} vs {their_props[spelling]}"
    return found


def test_properties_exist_in_the_vendor_swagger(
    spec: dict[str, Any], vendor: dict[str, Any]
) -> None:
    read_models = {info["model"] for info in resources(spec).values()}
    value_lists = {resources(spec)["/" + api]["model"] for api in VALUE_LISTS}
    unexpected = {
        key: why
        for key, why in differences(spec, vendor).items()
        if key not in ALLOWED_DIFFERENCES
        and key not in SEEN_IN_REAL_PAYLOADS
        and not (key[0] in value_lists and key[1] in VALUE_LIST_CLASS_FIELDS)
        and not (key[0] in read_models and key[1] in AUDIT_FIELDS and why.startswith("not in"))
    }
    assert not unexpected, f"properties not backed by the vendor Swagger: {unexpected}"


def test_allow_list_entries_are_still_needed(spec: dict[str, Any], vendor: dict[str, Any]) -> None:
    found = differences(spec, vendor)
    stale = [key for key in [*ALLOWED_DIFFERENCES, *SEEN_IN_REAL_PAYLOADS] if key not in found]
    assert not stale, f"allow-list entries that are no longer differences: {stale}"


def test_vendor_lookups_are_lookups_here(spec: dict[str, Any], vendor: dict[str, Any]) -> None:
    checked = 0
    for ours, (theirs, _) in vendor_pairs(spec, vendor).items():
        their_props = vendor["definitions"][theirs].get("properties", {})
        for name, prop in schema(spec, ours)["properties"].items():
            their = their_props.get(name, {})
            their_keys = set(their.get("properties", {}))
            if their.get("type") == "object" and {"id", "value"} <= their_keys:
                assert is_lookup(prop), f"{ours}.{name} is a lookup in vendor {theirs}"
                checked += 1
    assert checked > 30


def test_collections_missing_from_the_vendor_are_listed(
    spec: dict[str, Any], vendor: dict[str, Any]
) -> None:
    """Each collection the vendor Swagger lacks is allow-listed with its source, and no other."""
    ours_only = set(resources(spec)) - vendor_collections(vendor)
    assert set(NOT_IN_VENDOR) == ours_only


def test_vendor_coverage(spec: dict[str, Any], vendor: dict[str, Any]) -> None:
    theirs = vendor_collections(vendor)
    ours = set(resources(spec))
    covered = theirs & ours
    pairs = vendor_pairs(spec, vendor)
    unused = {
        (definition, name)
        for _, (definition, _) in pairs.items()
        for name in vendor["definitions"][definition].get("properties", {})
    }
    declared = {
        (definition, name)
        for model, (definition, _) in pairs.items()
        for name in schema(spec, model)["properties"]
    }
    print(
        f"\nsales collections in the vendor swagger covered: {len(covered)}/{len(theirs)}; "
        f"our collections: {len(ours)}; schemas compared with a vendor definition: {len(pairs)}; "
        f"vendor properties not declared here (land in extras): {len(unused - declared)}"
    )
    assert covered == theirs, f"vendor collections missing here: {sorted(theirs - covered)}"
    assert len(pairs) >= 20
