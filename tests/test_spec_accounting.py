"""
Checks of the hand-written Accounting spec, ``openapi/accounting-v3.1.yaml``.

Two groups:

* structural checks that need nothing but the spec (YAML, OpenAPI version, ``$ref``s,
  ``x-sage-resource`` extensions, pagination, errors, conventions of docs/contracts.md);
* fidelity checks against the published Swagger 2.0 specs in
  ``../shared/reference/sage-accounting/`` (skipped when that folder is absent): every path,
  operation, parameter and schema property of our spec must exist there with a compatible type,
  except what the allow-lists below say we model on purpose.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from spec_accounting_schema_map import ADDED_SCHEMA_MAP


ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "accounting-v3.1.yaml"
# ../shared/reference next to the checkout (a worktree may sit one level deeper).
SHARED = next(
    (p / "shared" / "reference" for p in ROOT.parents if (p / "shared" / "reference").is_dir()),
    ROOT.parent / "shared" / "reference",
)
REF_DIR = SHARED / "sage-accounting"
PUBLISHED_FILES = {
    "v31": REF_DIR / "sage-accounting-v3.1.swagger.json",
    "ub": REF_DIR / "sage-accounting-v3.1-user-businesses.swagger.json",
    "v3": REF_DIR / "sage-one-accounts-v3-uki.swagger.json",
}
STOCK_ITEMS_SEED = SHARED / "seeds" / "003_2e3cdbd30543bd24.txt"

OPERATIONS = {"list", "get", "create", "update", "delete"}
RESOURCE_KEYS = {"name", "model", "write_model", "wrap_key", "id_type", "operations"}
OPTIONAL_RESOURCE_KEYS = {"singleton", "void", "actions", "list_shape"}  # CONVENTIONS-11
REQUIRED_COLLECTIONS = {
    "stock_items", "products", "services", "contacts", "contact_persons", "addresses",
    "ledger_accounts", "tax_rates", "currencies", "sales_invoices", "sales_credit_notes",
    "purchase_invoices", "purchase_credit_notes", "contact_payments", "bank_accounts",
    "journals", "businesses", "user",
}  # fmt: skip
ERROR_STATUSES = {"400", "401", "403", "404", "422", "429", "500", "503"}

# --------------------------------------------------------------------------------------------
# Allow-list: what the published specs get wrong or leave out and we model on purpose.
# --------------------------------------------------------------------------------------------
# The published specs model lists as bare arrays; the wire format is the `$items` envelope
# (FACTS.md section 4), so every `<Name>Page` schema is ours.
OUR_SCHEMA_PATTERN = re.compile(r"^[A-Z]\w*Page$")
# No error responses are modelled in the published specs; the body is an array of these.
OUR_SCHEMAS = {"ErrorItem", "ErrorList"}
# The published specs declare no header parameters; X-Business is documented in the guides
# (multi-business concept, migration guide).
OUR_PARAMETERS = {("X-Business", "header")}
# Only in the old v3 UKI gateway spec (checked there instead of in v3.1).
V3_ONLY_PARAMETERS = {("show_legacy_id", "query")}
# `legacy_id` exists only on the v3 gateway (show_legacy_id=true), on records and on the links
# in them: every schema of ours whose published definition has it in the v3 UKI spec carries it.
V3_ONLY_PROPERTY_NAMES = {"legacy_id"}
# Keys real responses carry that the published definitions leave out (issue 14, see
# tests/fixtures/real/accounting/SOURCES.md): the web-UI `links` of catalogue items and the
# `$path` every record has, /businesses and /user included.
# LINKS_ON_EVERY_RECORD: real records carry `links` (web-UI hypermedia links) on contacts,
# invoices, payments and catalogue items alike; every resource read schema may carry them, so
# a record that has them still decodes strictly (where published, the types must agree).
OUR_PROPERTIES = {
    ("StockItem", "links"), ("Product", "links"), ("Service", "links"),
    ("Business", "$path"), ("User", "$path"), ("BusinessCountry", "$path"),
}  # fmt: skip
# A reference to a resource our spec models is typed as that resource's full read schema
# (docs: convention 3 of issue 14): responses send a link {id, displayed_as, $path} in one place
# and the whole record in another, and both decode into the read schema, which requires nothing.
# The published spec mostly says `Base` there, so the nested-property check skips these refs.
# Published definitions type some money as strings (what the wire does): a `format: decimal`
# number of ours is compatible with a published string.
# Security schemes: v3.1 publishes none (OAuth2 is documented in the auth guide); the
# subscription key is checked against the v3 UKI spec's securityDefinitions.
OUR_SECURITY_SCHEMES = {"oauth2"}
V3_SECURITY_SCHEMES = {"subscriptionKey"}
# Lists the published user-businesses spec gives no query parameters at all: /businesses
# returns every business on one page (`$items_per_page` 2147483647), so no page/items_per_page.
UNPAGED_LISTS = {"/businesses"}
# Page schemas whose page-size key differs: /businesses says `$items_per_page`.
PAGE_SIZE_KEY = {"BusinessPage": "$items_per_page"}
# CONVENTIONS-14 (4): every read schema of a resource carries these, published or not (the
# published settings and rate definitions leave some out; the payloads have them).
ENVELOPE_KEYS = {"id", "displayed_as", "$path"}
# Creatable collections whose write schema has no `required`, and why.
NO_REQUIRED_ON_CREATE = {
    # The published POST bodies of these mark nothing required.
    "/analysis_type_categories", "/hosted_artefact_payment_settings",
    "/purchase_corrective_invoices", "/sales_corrective_invoices",
    # JournalCodeWrite also serves the journal code nested in bank account and journal writes,
    # where nothing is required; the API still answers 422 for a journal code without them.
    "/journal_codes",
}  # fmt: skip
# Reference operations we leave out on purpose (path, method) -> why. Empty: we model them all.
LEFT_OUT_OPERATIONS: dict[tuple[str, str], str] = {}
# Reference collections we leave out on purpose -> why. Empty: we model them all.
LEFT_OUT_COLLECTIONS: dict[str, str] = {}

# --------------------------------------------------------------------------------------------
# Our schema -> published definition(s). A target is (document, pointer); our schema's
# properties must each exist in at least one target; `required` must equal the POST target's.
# --------------------------------------------------------------------------------------------


def _write(collection_def: str, key: str, *nested: str) -> list[tuple[str, str]]:
    """Targets of a write schema: the POST and the PUT body (where they exist)."""
    tail = "/properties/" + key + "".join(nested)
    return [
        ("v31", f"/definitions/post{collection_def}{tail}"),
        ("v31", f"/definitions/put{collection_def}{tail}"),
    ]


def _defs(*names: str, doc: str = "v31") -> list[tuple[str, str]]:
    return [(doc, f"/definitions/{name}") for name in names]


def _wrapper(collection_def: str) -> list[tuple[str, str]]:
    return [
        ("v31", f"/definitions/post{collection_def}"),
        ("v31", f"/definitions/put{collection_def}"),
    ]


SCHEMA_MAP: dict[str, list[tuple[str, str]]] = {
    # shared
    "Link": _defs("Base"),  # the published `Base` {id, displayed_as, $path}
    "HrefLink": _defs("Link"),  # the published `Link` {href, rel, type}
    # catalogue
    "StockItem": _defs("StockItem"),
    "SalesPrice": _defs("SalesPrice"),
    "SalesPriceWrite": _write("StockItems", "stock_item", "/properties/sales_prices/items")
    + _write("Products", "product", "/properties/sales_prices/items"),
    "StockItemWrite": _write("StockItems", "stock_item"),
    "StockItemWriteRequest": _wrapper("StockItems"),
    "Product": _defs("Product"),
    "ProductWrite": _write("Products", "product"),
    "ProductWriteRequest": _wrapper("Products"),
    "Service": _defs("Service"),
    "ServiceRate": _defs("Rate"),
    "ServiceRateWrite": _write("Services", "service", "/properties/sales_rates/items"),
    "ServiceWrite": _write("Services", "service"),
    "ServiceWriteRequest": _wrapper("Services"),
    # contacts
    "Contact": _defs("Contact"),
    "BankAccountDetails": _defs("BankAccountDetails")
    + _write("Contacts", "contact", "/properties/bank_account_details"),
    "ContactTaxTreatment": _defs("ContactTaxTreatment")
    + _write("Contacts", "contact", "/properties/tax_treatment"),
    "ContactCisSettings": _defs("ContactCisSettings"),
    "ContactAddressWrite": _write("Contacts", "contact", "/properties/main_address")
    + _write("BankAccounts", "bank_account", "/properties/main_address"),
    "ContactMainPersonWrite": _write("Contacts", "contact", "/properties/main_contact_person"),
    "ContactWrite": _write("Contacts", "contact"),
    "ContactWriteRequest": _wrapper("Contacts"),
    "ContactPerson": _defs("ContactPerson"),
    "ContactPersonWrite": _write("ContactPersons", "contact_person"),
    "ContactPersonWriteRequest": _wrapper("ContactPersons"),
    "Address": _defs("Address"),
    "AddressWrite": _write("Addresses", "address"),
    "AddressWriteRequest": _wrapper("Addresses"),
    # ledger and tax
    "LedgerAccount": _defs("LedgerAccount"),
    "LedgerAccountGroup": _defs("CoaGroupType"),
    "LedgerAccountBalanceDetails": _defs("LedgerAccountBalanceDetails"),
    "LedgerAccountWrite": _write("LedgerAccounts", "ledger_account"),
    "LedgerAccountWriteRequest": _wrapper("LedgerAccounts"),
    "TaxRate": _defs("TaxRate"),
    "ComponentTaxRate": _defs("ComponentTaxRate"),
    "TaxRatePercentage": _defs("TaxRatePercentage"),
    "ComponentTaxRateWrite": _write("TaxRates", "tax_rate", "/properties/component_tax_rate/items"),
    "TaxRateWrite": _write("TaxRates", "tax_rate"),
    "TaxRateWriteRequest": _wrapper("TaxRates"),
    "Currency": _defs("Base"),  # the published list/get of /currencies return `Base`
    # artefacts
    "ArtefactAddress": _defs("SalesArtefactAddress"),
    "ArtefactAddressWrite": _write("SalesInvoices", "sales_invoice", "/properties/main_address")
    + _write("SalesCreditNotes", "sales_credit_note", "/properties/main_address"),
    "TaxBreakdown": _defs("TaxBreakdown"),
    "ArtefactTaxAnalysis": _defs("ArtefactTaxAnalysis"),
    "ArtefactDetailedTaxAnalysis": _defs("ArtefactDetailedTaxAnalysis"),
    "ArtefactTaxAnalysisWrite": _write(
        "SalesInvoices", "sales_invoice", "/properties/tax_analysis/items"
    ),
    "PaymentAllocation": _defs("PaymentAllocation"),
    "RecurringSalesInvoice": _defs("RecurringSalesInvoice"),
    "RecurringSalesInvoiceWrite": _write(
        "SalesInvoices", "sales_invoice", "/properties/recurring_invoice"
    ),
    "SalesInvoice": _defs("SalesInvoice"),
    "SalesInvoiceLineItem": _defs("SalesInvoiceLineItem"),
    "SalesInvoiceLineItemWrite": _write(
        "SalesInvoices", "sales_invoice", "/properties/invoice_lines/items"
    ),
    "SalesInvoiceWrite": _write("SalesInvoices", "sales_invoice"),
    "SalesInvoiceWriteRequest": _wrapper("SalesInvoices"),
    "SalesCreditNote": _defs("SalesCreditNote"),
    "SalesCreditNoteLineItem": _defs("SalesCreditNoteLineItem"),
    "SalesCreditNoteLineItemWrite": _write(
        "SalesCreditNotes", "sales_credit_note", "/properties/credit_note_lines/items"
    ),
    "SalesCreditNoteWrite": _write("SalesCreditNotes", "sales_credit_note"),
    "SalesCreditNoteWriteRequest": _wrapper("SalesCreditNotes"),
    "PurchaseInvoice": _defs("PurchaseInvoice"),
    "PurchaseInvoiceLineItem": _defs("PurchaseInvoiceLineItem"),
    "PurchaseInvoiceLineItemWrite": _write(
        "PurchaseInvoices", "purchase_invoice", "/properties/invoice_lines/items"
    ),
    "PurchaseInvoiceWrite": _write("PurchaseInvoices", "purchase_invoice"),
    "PurchaseInvoiceWriteRequest": _wrapper("PurchaseInvoices"),
    "PurchaseCreditNote": _defs("PurchaseCreditNote"),
    "PurchaseCreditNoteLineItem": _defs("PurchaseCreditNoteLineItem"),
    "PurchaseCreditNoteLineItemWrite": _write(
        "PurchaseCreditNotes", "purchase_credit_note", "/properties/credit_note_lines/items"
    ),
    "PurchaseCreditNoteWrite": _write("PurchaseCreditNotes", "purchase_credit_note"),
    "PurchaseCreditNoteWriteRequest": _wrapper("PurchaseCreditNotes"),
    # payments and banking
    "ContactPayment": _defs("ContactPayment"),
    "AllocatedArtefact": _defs("AllocatedPaymentArtefact"),
    "PaymentOnAccount": _defs("PaymentOnAccount"),
    "AllocatedArtefactWrite": _write(
        "ContactPayments", "contact_payment", "/properties/allocated_artefacts/items"
    ),
    "PaymentOnAccountWrite": _write(
        "ContactPayments", "contact_payment", "/properties/payment_on_account"
    ),
    "ContactPaymentWrite": _write("ContactPayments", "contact_payment"),
    "ContactPaymentWriteRequest": _wrapper("ContactPayments"),
    "BankAccount": _defs("BankAccount"),
    "BankAccountContact": _defs("BankAccountContact")
    + _write("BankAccounts", "bank_account", "/properties/main_contact_person"),
    "BankAccountDetailsWrite": _write(
        "BankAccounts", "bank_account", "/properties/bank_account_details"
    ),
    "JournalCodeWrite": _write("BankAccounts", "bank_account", "/properties/journal_code")
    + _write("Journals", "journal", "/properties/journal_code"),
    "BankAccountWrite": _write("BankAccounts", "bank_account"),
    "BankAccountWriteRequest": _wrapper("BankAccounts"),
    "Journal": _defs("Journal"),
    "JournalLine": _defs("JournalLine"),
    "JournalLineWrite": _write("Journals", "journal", "/properties/journal_lines/items"),
    "JournalWrite": _write("Journals", "journal"),  # there is no putJournals
    "JournalWriteRequest": _wrapper("Journals"),
    # user-businesses spec
    "Business": _defs("Business", doc="ub"),
    "BusinessCountry": _defs("Country", doc="ub"),
    "FinancialSettings": _defs("FinancialSettings"),
    "BusinessSettings": _defs("BusinessSettings"),
    "DefaultLedgerAccounts": _defs("DefaultLedgerAccounts"),
    "BusinessType": _defs("BusinessType"),
    "InvoiceSettings": _defs("InvoiceSettings"),
    "InvoiceSettingsDocumentHeadings": _defs("InvoiceSettingsDocumentHeadings"),
    "InvoiceSettingsLineItemTitles": _defs("InvoiceSettingsLineItemTitles"),
    "FooterDetails": _defs("FooterDetails"),
    "PrintContactDetails": _defs("PrintContactDetails"),
    "PrintStatements": _defs("PrintStatements"),
    "Subscription": _defs("Subscription", doc="ub"),
    "BusinessWrite": [("ub", "/definitions/putBusinesses/properties/business")],
    "BusinessWriteRequest": [("ub", "/definitions/putBusinesses")],
    "User": _defs("User", doc="ub"),
    "UserWrite": [("ub", "/definitions/putUser/properties/user")],
    "UserWriteRequest": [("ub", "/definitions/putUser")],
    **ADDED_SCHEMA_MAP,
}
SCHEMA_MAP["JournalCodeWrite"] += _write("JournalCodes", "journal_code")

# FACTS.md section 9: every field of the published definitions.StockItem.
STOCK_ITEM_FIELDS = {
    "id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "deletable",
    "deactivatable", "used_on_recurring_invoice", "active", "item_code", "description", "notes",
    "purchase_description", "source_guid", "location", "barcode", "supplier_part_number",
    "measurement_unit", "sales_ledger_account", "sales_tax_rate", "purchase_ledger_account",
    "purchase_tax_rate", "usual_supplier", "cost_price", "reorder_level", "reorder_quantity",
    "weight", "weight_converted", "quantity_in_stock", "last_cost_price",
    "last_cost_price_stock_value", "average_cost_price", "average_cost_price_stock_value",
    "cost_price_last_updated", "sales_prices",
}  # fmt: skip
STOCK_ITEM_LIST_PARAMS = {
    "search", "updated_or_created_since", "deleted_since", "active", "out_of_stock",
    "below_reorder_level", "show_legacy_id", "items_per_page", "page", "attributes",
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


@cache
def load_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="module")
def published() -> dict[str, dict[str, Any]]:
    missing = [str(p) for p in PUBLISHED_FILES.values() if not p.is_file()]
    if missing:
        pytest.skip(
            "fidelity checks need the published Swagger specs in ../shared/reference/"
            f"sage-accounting/ (not found: {', '.join(missing)})"
        )
    return {name: json.loads(p.read_text(encoding="utf-8")) for name, p in PUBLISHED_FILES.items()}


def pointer(doc: Any, ptr: str) -> Any:
    """Resolve a JSON pointer (``/a/b``) or a local ref (``#/a/b``); KeyError when absent."""
    node = doc
    for part in ptr.removeprefix("#").strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def deref(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = pointer(doc, node["$ref"])
    return node


def walk_refs(node: Any, where: str = "") -> list[tuple[str, str]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append((where, value))
            else:
                found.extend(walk_refs(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(walk_refs(value, f"{where}/{i}"))
    return found


def collections(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Collection path items: one literal segment (``/stock_items``, ``/user``)."""
    return {
        path: item
        for path, item in spec["paths"].items()
        if path.count("/") == 1 and "{" not in path
    }


def operations_of(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m: op for m, op in item.items() if m in {"get", "put", "post", "delete", "patch"}}


def all_operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, op in operations_of(item).items():
            yield path, method, item, op


def op_parameters(spec: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> list[dict]:
    params = [deref(spec, p) for p in item.get("parameters", [])]
    params += [deref(spec, p) for p in op.get("parameters", [])]
    return params


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def unwrap_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Our nullable refs are ``oneOf: [{$ref}, {type: "null"}]``; return the non-null branch."""
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            branches = [b for b in schema[key] if b.get("type") != "null"]
            if len(branches) == 1:
                return branches[0]
    return schema


def our_kind(schema: dict[str, Any]) -> str:
    schema = unwrap_nullable(schema)
    if "$ref" in schema:
        return "object"
    types = schema.get("type")
    if isinstance(types, list):
        types = [t for t in types if t != "null"]
        assert len(types) == 1, f"ambiguous type {schema}"
        types = types[0]
    return types or "object"


def published_kind(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "object"
    return schema.get("type") or "object"


def compatible(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """string/integer/number/boolean/array/object must agree; formats may differ within a kind
    (decimal vs double numbers, date vs date-time strings). Our decimals also match a published
    string (the wire sends money as strings, see OUR_PROPERTIES' notes)."""
    if our_kind(ours) == "number" and unwrap_nullable(ours).get("format") == "decimal":
        return published_kind(theirs) in ("number", "string")
    return our_kind(ours) == published_kind(theirs)


def match_published_path(path: str, published_paths: dict[str, Any]) -> str | None:
    """The published path our path is (a specialisation of): ``/businesses/lead`` matches
    ``/businesses/{key}``; an exact match wins."""
    if path in published_paths:
        return path
    ours = path.strip("/").split("/")
    for candidate in published_paths:
        theirs = candidate.strip("/").split("/")
        if len(theirs) == len(ours) and all(
            t == o or (t.startswith("{") and t.endswith("}")) for t, o in zip(theirs, ours)
        ):
            return candidate
    return None


def published_operation(
    published: dict[str, dict[str, Any]], path: str, method: str
) -> tuple[str, str, dict[str, Any]] | None:
    for doc in ("v31", "ub"):
        match = match_published_path(path, published[doc]["paths"])
        if match and method in published[doc]["paths"][match]:
            return doc, match, published[doc]["paths"][match][method]
    return None


# --------------------------------------------------------------------------------------------
# structural checks (no ../shared needed)
# --------------------------------------------------------------------------------------------


def test_yaml_parses_as_openapi_31(spec: dict[str, Any]) -> None:
    assert isinstance(spec, dict)
    assert re.fullmatch(r"3\.1\.\d+", str(spec.get("openapi"))), spec.get("openapi")
    assert spec["info"]["title"]
    assert spec["info"]["version"]
    assert set(spec) >= {"paths", "components", "servers", "security"}


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    refs = walk_refs(spec)
    assert len(refs) > 100
    broken = []
    for where, ref in refs:
        if not ref.startswith("#/"):
            broken.append((where, ref, "not local"))
            continue
        try:
            pointer(spec, ref)
        except (KeyError, IndexError, ValueError):
            broken.append((where, ref, "unresolved"))
    assert not broken, broken


def test_collections_carry_x_sage_resource(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    problems = []
    for path, item in collections(spec).items():
        info = item.get("x-sage-resource")
        if not info:
            problems.append((path, "no x-sage-resource"))
            continue
        keys = set(info) - OPTIONAL_RESOURCE_KEYS
        expected = (
            RESOURCE_KEYS if "write_model" in info else RESOURCE_KEYS - {"write_model", "wrap_key"}
        )
        if keys != expected:
            problems.append((path, f"keys {sorted(keys)} != {sorted(expected)}"))
        if info.get("name") != path.strip("/") or not re.fullmatch(
            r"[a-z][a-z0-9_]*", info["name"]
        ):
            problems.append((path, f"name {info.get('name')!r}"))
        if info.get("model") not in schemas:
            problems.append((path, f"model {info.get('model')!r} not a schema"))
        if "write_model" in info:
            if info["write_model"] != f"{info['model']}Write" or info["write_model"] not in schemas:
                problems.append((path, f"write_model {info['write_model']!r}"))
            if not re.fullmatch(r"[a-z][a-z_]*", str(info.get("wrap_key"))):
                problems.append((path, f"wrap_key {info.get('wrap_key')!r}"))
        if info.get("id_type") != "string":
            problems.append((path, f"id_type {info.get('id_type')!r}"))
        ops = info.get("operations") or []
        if not ops or not set(ops) <= OPERATIONS or len(set(ops)) != len(ops):
            problems.append((path, f"operations {ops!r}"))
        if ("create" in ops or "update" in ops) != ("write_model" in info):
            problems.append((path, "write_model must exist exactly when create/update do"))
    assert not problems, problems


def test_at_least_18_collections_including_the_required_ones(spec: dict[str, Any]) -> None:
    names = {item["x-sage-resource"]["name"] for item in collections(spec).values()}
    assert len(names) >= 18, sorted(names)
    assert REQUIRED_COLLECTIONS <= names, sorted(REQUIRED_COLLECTIONS - names)


def test_operations_match_the_declared_resource_operations(spec: dict[str, Any]) -> None:
    """x-sage-resource.operations must say exactly which HTTP operations the paths define."""
    problems = []
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        if info.get("singleton"):
            actual = {"get"} if "get" in item else set()
            actual |= {"update"} if "put" in item else set()
            has_item_path = any(p.startswith(path + "/") for p in spec["paths"])
            if has_item_path or "post" in item or "delete" in item:
                problems.append((path, "singleton with item path, POST or DELETE"))
        else:
            actual = {"list"} if "get" in item else set()
            actual |= {"create"} if "post" in item else set()
            key_item = spec["paths"].get(f"{path}/{{key}}", {})
            actual |= {"get"} if "get" in key_item else set()
            actual |= {"update"} if "put" in key_item else set()
            actual |= {"delete"} if "delete" in key_item else set()
        if actual != set(info["operations"]):
            problems.append((path, sorted(actual), sorted(info["operations"])))
    assert not problems, problems


def test_operation_ids_follow_the_contract(spec: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    problems = []
    for path, method, _item, op in all_operations(spec):
        op_id = op.get("operationId")
        if not op_id:
            problems.append((path, method, "no operationId"))
            continue
        if op_id in seen:
            problems.append((path, method, f"duplicate {op_id} (also {seen[op_id]})"))
        seen[op_id] = f"{method} {path}"
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        model, plural = info["model"], camel(info["name"])
        key_item = spec["paths"].get(f"{path}/{{key}}", {})
        expected = {
            ("get", "list"): (item, "get", f"list{plural}"),
            ("post", "create"): (item, "post", f"create{model}"),
            ("get", "get"): (key_item, "get", f"get{model}"),
            ("put", "update"): (key_item, "put", f"update{model}"),
            ("delete", "delete"): (key_item, "delete", f"delete{model}"),
        }
        if info.get("singleton"):
            expected = {
                ("get", "get"): (item, "get", f"get{model}"),
                ("put", "update"): (item, "put", f"update{model}"),
            }
        for (_method, operation), (where, method, op_id) in expected.items():
            if operation in info["operations"]:
                got = where.get(method, {}).get("operationId")
                if got != op_id:
                    problems.append((path, operation, got, op_id))
    assert not problems, problems


def test_list_operations_are_paged_and_return_page_schemas(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    problems = []
    lists = 0
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        if "list" not in info["operations"]:
            continue
        lists += 1
        op = item["get"]
        if info.get("list_shape") == "array":
            # Answers a bare array (tax_determinations): no envelope, no paging metadata.
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            model_ref = {"$ref": f"#/components/schemas/{info['model']}"}
            if schema != {"type": "array", "items": model_ref}:
                problems.append((path, "list_shape array but 200 is not an array of the model"))
            continue
        refs = {p.get("$ref") for p in op.get("parameters", [])}
        paged = {"#/components/parameters/page", "#/components/parameters/items_per_page"} <= refs
        if path in UNPAGED_LISTS:
            # The exemption must stay true to the published spec: no paging params at all.
            if paged or any(deref(spec, p).get("in") == "query" for p in op.get("parameters", [])):
                problems.append((path, "exempt list declares query parameters"))
        elif not paged:
            problems.append((path, "page/items_per_page not referenced"))
        schema_ref = op["responses"]["200"]["content"]["application/json"]["schema"].get("$ref", "")
        page_name = schema_ref.rsplit("/", 1)[-1]
        if page_name != f"{info['model']}Page":
            problems.append((path, f"200 returns {schema_ref!r}, not {info['model']}Page"))
            continue
        props = schemas[page_name]["properties"]
        size_key = PAGE_SIZE_KEY.get(page_name, "$itemsPerPage")
        expected = {"$total", "$page", "$next", "$back", size_key, "$items"}
        if set(props) != expected:
            problems.append((page_name, sorted(props)))
            continue
        for key in ("$total", "$page", size_key):
            if props[key].get("type") != "integer":
                problems.append((page_name, key))
        for key in ("$next", "$back"):
            if sorted(props[key].get("type", [])) != ["null", "string"]:
                problems.append((page_name, key))
        items = props["$items"]
        if (
            items.get("type") != "array"
            or items["items"].get("$ref") != f"#/components/schemas/{info['model']}"
        ):
            problems.append((page_name, "$items"))
        description = op.get("description", "")
        phrases = (
            ("$items_per_page", "$next")
            if path in UNPAGED_LISTS
            else ("1-based", "200", "$next", "last page")
        )
        for phrase in phrases:
            if phrase not in description:
                problems.append((path, f"list description does not mention {phrase!r}"))
    assert lists >= 17
    assert not problems, problems


def test_pagination_parameters(spec: dict[str, Any]) -> None:
    params = spec["components"]["parameters"]
    per_page = params["items_per_page"]["schema"]
    assert (per_page["minimum"], per_page["maximum"], per_page["default"]) == (1, 200, 20)
    assert params["page"]["schema"]["minimum"] == 1
    assert params["page"]["schema"].get("default") == 1
    expected = {
        "page", "items_per_page", "attributes", "updated_or_created_since", "deleted_since",
        "search", "from_date", "to_date", "contact_id", "sort", "active", "nested_attributes",
        "show_legacy_id", "XBusiness", "key",
    }  # fmt: skip
    assert expected <= set(params), sorted(expected - set(params))
    assert "INCLUSIVE" in params["updated_or_created_since"]["description"]
    assert "NOT inclusive" in params["deleted_since"]["description"]
    assert "all" in params["attributes"]["description"]
    assert "created_at:desc" in params["sort"]["description"]
    assert "v3" in params["show_legacy_id"]["description"]
    for name, param in params.items():
        assert param.get("name"), name
        assert param.get("in") in {"query", "header", "path"}, name


def test_every_operation_takes_x_business(spec: dict[str, Any]) -> None:
    header = spec["components"]["parameters"]["XBusiness"]
    assert (header["name"], header["in"], header.get("required", False)) == (
        "X-Business",
        "header",
        False,
    )
    assert "lead business" in header["description"]
    missing = [
        (path, method)
        for path, method, _item, op in all_operations(spec)
        if {"$ref": "#/components/parameters/XBusiness"} not in op.get("parameters", [])
    ]
    assert not missing, missing
    assert "actually used" in spec["components"]["headers"]["XBusiness"]["description"]
    assert "response" in header["description"]  # the echo is documented on the parameter too


def test_error_responses(spec: dict[str, Any]) -> None:
    components = spec["components"]
    item = components["schemas"]["ErrorItem"]
    assert set(item["properties"]) == {"$severity", "$dataCode", "$message", "$source"}
    error_list = components["schemas"]["ErrorList"]
    assert error_list["type"] == "array"
    assert error_list["items"] == {"$ref": "#/components/schemas/ErrorItem"}
    used: set[str] = set()
    problems = []
    for path, method, _item, op in all_operations(spec):
        responses = op["responses"]
        for status in ("401", "403", "429", "500", "503"):
            if status not in responses:
                problems.append((path, method, f"no {status}"))
        if method in {"post", "put"} and not {"400", "422"} <= set(responses):
            problems.append((path, method, "write without 400/422"))
        for status, response in responses.items():
            if status in ERROR_STATUSES:
                resolved = deref(spec, response)
                schema = resolved["content"]["application/json"]["schema"]
                if schema != {"$ref": "#/components/schemas/ErrorList"}:
                    problems.append((path, method, status, schema))
                used.add(status)
        if method == "delete" and not {"200", "204"} & set(responses):
            problems.append((path, method, "delete without 204"))
    assert used == ERROR_STATUSES
    too_many = components["responses"]["TooManyRequests"]
    assert "Retry-After" in too_many["headers"]
    assert "unverified" in deref(spec, too_many["headers"]["Retry-After"])["description"]
    assert not problems, problems


def test_200_responses_declare_x_business_header(spec: dict[str, Any]) -> None:
    missing = []
    for path, method, _item, op in all_operations(spec):
        if path.startswith(("/businesses", "/user")):
            continue  # user-level endpoints: no business involved
        for status in ("200", "201"):
            response = op["responses"].get(status)
            if response and "X-Business" not in response.get("headers", {}):
                missing.append((path, method, status))
    assert not missing, missing


def test_security_and_servers(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    flow = schemes["oauth2"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://oauth.accounting.sage.com/token"
    assert set(flow["scopes"]) == {"readonly", "full_access"}
    assert "300" in schemes["oauth2"]["description"]
    assert "rotat" in schemes["oauth2"]["description"].lower()
    key = schemes["subscriptionKey"]
    assert (key["type"], key["in"], key["name"]) == (
        "apiKey",
        "header",
        "Ocp-Apim-Subscription-Key",
    )
    assert {"oauth2": []} in spec["security"]
    urls = {server["url"]: server for server in spec["servers"]}
    assert "https://api.accounting.sage.com/v3.1" in urls
    legacy = urls["https://api.columbus.sage.com/{region}/sageone/accounts/v3"]
    region = legacy["variables"]["region"]
    assert region["enum"] == ["uki", "us", "ca", "de", "es", "fr"]
    assert region["default"] == "uki"


def test_write_bodies_are_wrapped_in_the_singular_key(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    problems = []
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        bodies = []
        if "create" in info["operations"]:
            bodies.append(item["post"])
        if "update" in info["operations"]:
            owner = item if info.get("singleton") else spec["paths"][f"{path}/{{key}}"]
            bodies.append(owner["put"])
        for op in bodies:
            schema = deref(spec, op["requestBody"]["content"]["application/json"]["schema"])
            if set(schema.get("properties", {})) != {info["wrap_key"]} or schema.get(
                "required"
            ) != [info["wrap_key"]]:
                problems.append((path, op["operationId"], "not wrapped in", info["wrap_key"]))
                continue
            inner = schema["properties"][info["wrap_key"]]
            if inner != {"$ref": f"#/components/schemas/{info['write_model']}"}:
                problems.append((path, op["operationId"], inner))
        if "create" in info["operations"] and path not in NO_REQUIRED_ON_CREATE:
            write = schemas[info["write_model"]]
            if not write.get("required"):
                problems.append((path, "write model has no required fields"))
    assert not problems, problems


def _properties(schemas: dict[str, Any]):
    for name, schema in schemas.items():
        for prop, value in schema.get("properties", {}).items():
            yield name, prop, value


def test_schema_conventions(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    problems = []
    for name in schemas:
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
            problems.append((name, "not PascalCase"))
    read_models = {"Link"} | {
        item["x-sage-resource"]["model"] for item in collections(spec).values()
    }
    text = SPEC_PATH.read_text(encoding="utf-8")
    if re.search(r"^\s*nullable:", text, re.MULTILINE):
        problems.append(("nullable:", "use type: [X, 'null'] (OpenAPI 3.1)"))
    for name, prop, value in _properties(schemas):
        inner = unwrap_nullable(value)
        for schema in (inner, inner.get("items", {})):
            kind = our_kind(schema) if schema else None
            if kind == "number" and schema.get("format") != "decimal":
                problems.append((name, prop, "number without format decimal"))
        is_timestamp = prop.endswith(("_at", "_since")) and our_kind(value) == "string"
        if is_timestamp and inner.get("format") != "date-time":
            problems.append((name, prop, "timestamp without format date-time"))
        is_date = prop in {"date", "due_date", "last_paid"} and our_kind(value) == "string"
        if is_date and inner.get("format") != "date":  # (print settings have a due_date flag)
            problems.append((name, prop, "date without format date"))
        if name.endswith("Write") and "$ref" in (inner.get("items") or inner):
            target = (inner.get("items") or inner)["$ref"].rsplit("/", 1)[-1]
            if target in read_models:
                problems.append((name, prop, f"write schema embeds read schema {target}"))
        if name.endswith("Write") and prop.endswith("_id") and our_kind(value) != "string":
            problems.append((name, prop, "*_id reference not a string"))
    for name, schema in schemas.items():
        missing = set(schema.get("required", [])) - set(schema.get("properties", {}))
        if missing:
            problems.append((name, "required names unknown properties", sorted(missing)))
    assert not problems, problems


def test_stock_items_are_complete(spec: dict[str, Any]) -> None:
    stock_item = spec["components"]["schemas"]["StockItem"]["properties"]
    ours = STOCK_ITEM_FIELDS | {"legacy_id", "links"}  # links: see OUR_PROPERTIES
    assert set(stock_item) == ours, sorted(set(stock_item) ^ ours)
    assert "v3" in stock_item["legacy_id"]["description"]
    item = spec["paths"]["/stock_items"]
    names = {p["name"] for p in op_parameters(spec, item, item["get"]) if p["in"] == "query"}
    assert names == STOCK_ITEM_LIST_PARAMS, sorted(names ^ STOCK_ITEM_LIST_PARAMS)
    assert "v3" in item["get"]["description"]
    assert "show_legacy_id" in item["get"]["description"]
    write = spec["components"]["schemas"]["StockItemWrite"]
    assert set(write["required"]) == {
        "item_code", "description", "sales_ledger_account_id", "purchase_ledger_account_id",
    }  # fmt: skip


# Issue 14: where a property refers to a resource our spec models, by its wire name.
REFERENCE_TARGETS = {
    "ledger_account": "LedgerAccount", "tax_rate": "TaxRate", "contact": "Contact",
    "usual_supplier": "Contact", "currency": "Currency", "base_currency": "Currency",
    "bank_account": "BankAccount", "product": "Product", "service": "Service",
    "contact_payment": "ContactPayment",
}  # fmt: skip
# Read-schema properties that are never null on the wire.
NEVER_NULL = {"id", "displayed_as", "$path", "created_at", "updated_at"}


def _reference_target(prop: str) -> str | None:
    for suffix in ("ledger_account", "tax_rate"):  # sales_ledger_account, shipping_tax_rate...
        if prop.endswith(suffix):
            return REFERENCE_TARGETS[suffix]
    return REFERENCE_TARGETS.get(prop)


def _read_schema_names(spec: dict[str, Any]) -> list[str]:
    """Every schema describing response data (not writes, pages, errors or the bare link)."""
    skip = {"Link", "HrefLink", "ErrorItem", "ErrorList"}
    return [
        name
        for name in spec["components"]["schemas"]
        if name not in skip and not name.endswith(("Write", "WriteRequest", "Page"))
    ]


def test_references_to_modelled_resources_use_their_read_schema(spec: dict[str, Any]) -> None:
    """A reference to a modelled resource is typed as its full read schema, never as Link: a
    link and the whole record (journal lines send whole ledger accounts) both decode into it."""
    schemas = spec["components"]["schemas"]
    problems = []
    for name in _read_schema_names(spec):
        for prop, value in schemas[name].get("properties", {}).items():
            target = _reference_target(prop)
            ref = unwrap_nullable(value).get("$ref", "")
            if target and ref and ref != f"#/components/schemas/{target}":
                problems.append((name, prop, ref, target))
    assert [] == problems


def test_read_schemas_carry_path_and_allow_null(spec: dict[str, Any]) -> None:
    """Every resource's read schema has id, displayed_as and $path; every read property but
    those and the timestamps and arrays may be null (real records send null where the
    published spec cannot say so: nominal_code, active, balance dates...)."""
    schemas = spec["components"]["schemas"]
    problems = []
    for item in collections(spec).values():
        model = item["x-sage-resource"]["model"]
        missing = {"id", "displayed_as", "$path"} - set(schemas[model]["properties"])
        if missing:
            problems.append((model, "lacks", sorted(missing)))
    for name in _read_schema_names(spec):
        for prop, value in schemas[name].get("properties", {}).items():
            untyped = not {"type", "$ref", "oneOf"} & set(value)  # anything goes, null too
            if prop in NEVER_NULL or untyped or our_kind(value) == "array":
                continue
            types = value.get("type")
            branches = value.get("oneOf", [])
            if not (
                (isinstance(types, list) and "null" in types)
                or any(b.get("type") == "null" for b in branches)
            ):
                problems.append((name, prop, "not nullable"))
    assert [] == problems


def test_user_and_businesses(spec: dict[str, Any]) -> None:
    user = spec["paths"]["/user"]
    assert user["x-sage-resource"]["operations"] == ["get", "update"]
    assert user["x-sage-resource"]["singleton"] is True
    assert user["x-sage-resource"]["model"] == "User"
    businesses = spec["paths"]["/businesses"]["x-sage-resource"]
    assert businesses["operations"] == ["list", "get", "update"]
    assert spec["paths"]["/businesses/lead"]["get"]["operationId"] == "getLeadBusiness"
    page = spec["components"]["schemas"]["BusinessPage"]
    assert "$items_per_page" in page["properties"]
    assert "$itemsPerPage" not in page["properties"]
    assert "$items_per_page" in page["description"]


# --------------------------------------------------------------------------------------------
# fidelity checks against the published specs (skipped without ../shared)
# --------------------------------------------------------------------------------------------


def _published_operations(published) -> set[tuple[str, str]]:
    """Every (path, method) of the published v3.1 and user-businesses specs."""
    found = set()
    for doc in ("v31", "ub"):
        for path, item in published[doc]["paths"].items():
            found |= {(path, m) for m in item if m in {"get", "put", "post", "delete", "patch"}}
    return found


def _our_operations(spec, published) -> set[tuple[str, str]]:
    """Our (path, method) pairs, named by the published path they match."""
    found = set()
    for path, method, _item, _op in all_operations(spec):
        match = published_operation(published, path, method)
        if match:
            found.add((match[1], method))
    return found


def test_coverage_of_published_collections(spec, published, capsys) -> None:
    """Two-way: every published collection is ours (bar the commented allow-list) and back."""
    reference = {p.strip("/").split("/")[0] for p in published["v31"]["paths"]}
    user_level = {p.strip("/").split("/")[0] for p in published["ub"]["paths"]}
    ours = {item["x-sage-resource"]["name"] for item in collections(spec).values()}
    covered = ours & (reference | user_level)
    unknown = ours - reference - user_level
    missing = (reference | user_level) - ours - set(LEFT_OUT_COLLECTIONS)
    with capsys.disabled():
        print(
            f"\naccounting collections covered: {len(covered)} / {len(reference | user_level)}"
            f" ({len(ours & reference)} / {len(reference)} of v3.1,"
            f" {len(ours & user_level)} / {len(user_level)} user-businesses)"
        )
    assert not unknown, f"collections in no published spec: {sorted(unknown)}"
    assert not missing, f"published collections we lack: {sorted(missing)}"
    assert len(covered) >= 87


def test_coverage_of_published_operations(spec, published, capsys) -> None:
    """Two-way: every published operation is ours (bar the commented allow-list), >= 95 %."""
    reference = _published_operations(published)
    covered = _our_operations(spec, published) & reference
    missing = reference - covered - set(LEFT_OUT_OPERATIONS)
    with capsys.disabled():
        share = 100 * len(covered) / len(reference)
        print(f"\naccounting operations covered: {len(covered)} / {len(reference)} ({share:.1f} %)")
    assert not missing, f"published operations we lack: {sorted(missing)}"
    assert set(LEFT_OUT_OPERATIONS) <= reference, "allow-list names unpublished operations"
    assert len(covered) >= 0.95 * len(reference)


def test_special_actions_and_voids_are_declared(spec) -> None:
    """Each declared action has its path and method; each void DELETE takes void_reason."""
    problems = []
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        for action in info.get("actions", []):
            op = (
                spec["paths"]
                .get(f"{path}/{{key}}/{action['name']}", {})
                .get(action["method"].lower())
            )
            if op is None:
                problems.append((path, action["name"], "no such operation"))
        if info.get("void"):
            delete = spec["paths"][f"{path}/{{key}}"]["delete"]
            names = {deref(spec, p)["name"] for p in delete["parameters"]}
            if "void_reason" not in names or "200" not in delete["responses"]:
                problems.append((path, "void without void_reason or 200"))
    names = {
        item["x-sage-resource"]["name"]: item["x-sage-resource"]
        for item in collections(spec).values()
    }
    assert {"sales_invoices", "sales_credit_notes", "sales_corrective_invoices"} == {
        name for name, info in names.items() if info.get("void")
    }
    assert not problems, problems


def test_paths_and_operations_exist_in_the_published_specs(spec, published) -> None:
    problems = []
    for path, method, _item, _op in all_operations(spec):
        if published_operation(published, path, method) is None:
            problems.append((method, path))
    assert not problems, problems


def test_resource_operations_are_exactly_the_published_ones(spec, published) -> None:
    problems = []
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        doc = "v31" if path in published["v31"]["paths"] else "ub"
        paths = published[doc]["paths"]
        if info.get("singleton"):
            actual = {"get"} & set(paths[path]) | ({"update"} if "put" in paths[path] else set())
        else:
            coll, key = paths.get(path, {}), paths.get(f"{path}/{{key}}", {})
            actual = {"list"} if "get" in coll else set()
            actual |= {"create"} if "post" in coll else set()
            actual |= {"get"} if "get" in key else set()
            actual |= {"update"} if "put" in key else set()
            actual |= {"delete"} if "delete" in key else set()
        if actual != set(info["operations"]):
            problems.append((path, "published", sorted(actual), "ours", sorted(info["operations"])))
    assert not problems, problems


def _published_params(doc: dict[str, Any], path: str, method: str) -> dict[tuple[str, str], dict]:
    item = doc["paths"].get(path, {})
    params = [deref(doc, p) for p in item.get("parameters", [])]
    params += [deref(doc, p) for p in item.get(method, {}).get("parameters", [])]
    return {(p["name"], p["in"]): p for p in params if p["in"] != "body"}


def test_parameters_exist_with_compatible_types(spec, published) -> None:
    problems = []
    for path, method, item, op in all_operations(spec):
        found = published_operation(published, path, method)
        assert found, (method, path)
        doc_name, published_path, _ = found
        theirs = _published_params(published[doc_name], published_path, method)
        # `/businesses/lead` fills the published `{key}` with a literal: no path parameter.
        literal = {
            (t.strip("{}"), "path")
            for t, o in zip(published_path.split("/"), path.split("/"))
            if t != o and t.startswith("{")
        }
        theirs = {k: v for k, v in theirs.items() if k not in literal}
        legacy = _published_params(published["v3"], published_path, method)
        ours = {(p["name"], p["in"]): p for p in op_parameters(spec, item, op)}
        for key, param in ours.items():
            if key in OUR_PARAMETERS:
                continue
            source = legacy if key in V3_ONLY_PARAMETERS else theirs
            if key not in source:
                problems.append((method, path, key, "not published"))
            elif not compatible(param["schema"], source[key]):
                problems.append((method, path, key, param["schema"], source[key].get("type")))
        # and the other way round: every published parameter is modelled.
        for key in set(theirs) - set(ours):
            problems.append((method, path, key, "published but missing"))
    assert not problems, problems


def test_schema_map_covers_every_schema(spec) -> None:
    schemas = set(spec["components"]["schemas"])
    ours_on_purpose = {s for s in schemas if OUR_SCHEMA_PATTERN.match(s)} | OUR_SCHEMAS
    unmapped = schemas - set(SCHEMA_MAP) - ours_on_purpose
    stale = set(SCHEMA_MAP) - schemas
    assert not unmapped, f"map these to published definitions: {sorted(unmapped)}"
    assert not stale, f"mapped but not in the spec: {sorted(stale)}"


def _target_properties(published, targets) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(document, resolved schema) of every target that exists."""
    found = []
    for doc_name, ptr in targets:
        doc = published[doc_name]
        try:
            found.append((doc, deref(doc, pointer(doc, ptr))))
        except KeyError:
            continue
    return found


def _nested_problem(spec, candidates: list[tuple[dict, dict]], ours: dict) -> str | None:
    """For a reference (or array of references): our nested schema's properties must exist in
    the published nested type(s) at this very place (POST and PUT bodies taken together)."""
    ours = unwrap_nullable(ours)
    is_array = our_kind(ours) == "array"
    if is_array:
        ours = unwrap_nullable(ours.get("items", {}))
    if "$ref" not in ours:
        return None
    if ours["$ref"].rsplit("/", 1)[-1] in read_schemas(spec):
        return None  # a full-schema reference to a modelled resource (see OUR_PROPERTIES)
    their_props: set[str] = set()
    for doc, theirs in candidates:
        nested = deref(doc, theirs.get("items", {}) if is_array else theirs)
        their_props |= set(nested.get("properties", {}))
    name = ours["$ref"].rsplit("/", 1)[-1]
    extra = set(deref(spec, ours).get("properties", {})) - their_props
    extra -= {prop for schema, prop in OUR_PROPERTIES if schema == name}
    extra -= V3_ONLY_PROPERTY_NAMES  # checked against the v3 UKI spec on the schema itself
    return f"nested {ours['$ref']} has {sorted(extra)} not published here" if extra else None


def _v3_properties(published, name: str) -> list[dict[str, Any]]:
    """The properties of the v3 UKI definitions named like the v3.1 targets of our schema."""
    found = []
    for _doc, ptr in SCHEMA_MAP[name]:
        if ptr.count("/") == 2:  # a whole definition, not a nested body
            definition = published["v3"]["definitions"].get(ptr.rsplit("/", 1)[1], {})
            found.append(definition.get("properties", {}))
    return found


def read_schemas(spec: dict[str, Any]) -> set[str]:
    """The read schemas of the resources our spec models (``x-sage-resource.model``)."""
    return {item["x-sage-resource"]["model"] for item in collections(spec).values()}


def test_schema_properties_exist_with_compatible_types(spec, published) -> None:
    problems = []
    read_models = {item["x-sage-resource"]["model"] for item in collections(spec).values()}
    for name, targets in SCHEMA_MAP.items():
        resolved = _target_properties(published, targets)
        if not resolved:
            problems.append((name, "no published target exists", targets))
            continue
        for prop, value in spec["components"]["schemas"][name].get("properties", {}).items():
            if (name, prop) in OUR_PROPERTIES:
                continue
            if prop == "links" and name in read_models:
                continue  # LINKS_ON_EVERY_RECORD
            if prop in V3_ONLY_PROPERTY_NAMES:
                legacy = [p[prop] for p in _v3_properties(published, name) if prop in p]
                if not any(compatible(value, theirs) for theirs in legacy):
                    problems.append((name, prop, "not in the v3 UKI spec"))
                continue
            if prop in ENVELOPE_KEYS and name in read_models:
                continue
            candidates = [
                (doc, t["properties"][prop])
                for doc, t in resolved
                if prop in t.get("properties", {})
            ]
            if not candidates:
                problems.append((name, prop, "not published"))
                continue
            if not any(compatible(value, theirs) for _doc, theirs in candidates):
                problems.append(
                    (name, prop, our_kind(value), [published_kind(t) for _d, t in candidates])
                )
                continue
            nested = _nested_problem(spec, candidates, value)
            if nested:
                problems.append((name, prop, nested))
    assert not problems, problems


def test_required_fields_match_the_published_post_bodies(spec, published) -> None:
    problems = []
    for name, targets in SCHEMA_MAP.items():
        post = [t for t in targets if "/post" in t[1]]  # PUT bodies require nothing
        if not post:
            continue
        resolved = _target_properties(published, post[:1])
        if not resolved:
            continue
        theirs = set(resolved[0][1].get("required", []))
        ours = set(spec["components"]["schemas"][name].get("required", []))
        if ours != theirs:
            problems.append((name, "ours", sorted(ours), "published", sorted(theirs)))
    assert not problems, problems


def test_wrap_keys_are_the_published_body_keys(spec, published) -> None:
    problems = []
    for path, item in collections(spec).items():
        info = item["x-sage-resource"]
        if "wrap_key" not in info:
            continue
        doc = published["v31"] if path in published["v31"]["paths"] else published["ub"]
        bodies = []
        for published_path, method in ((path, "post"), (f"{path}/{{key}}", "put"), (path, "put")):
            op = doc["paths"].get(published_path, {}).get(method)
            if op:
                bodies += [
                    deref(doc, p["schema"]) for p in op.get("parameters", []) if p["in"] == "body"
                ]
        if not bodies:
            problems.append((path, "no published write body"))
        for body in bodies:
            if set(body.get("properties", {})) != {info["wrap_key"]}:
                problems.append((path, info["wrap_key"], sorted(body.get("properties", {}))))
    assert not problems, problems


def test_allow_list_is_still_needed(spec, published) -> None:
    """Each intentional difference must still be a difference; if Sage fixes its spec, the
    allow-list entry should go."""
    v31, ub, v3 = published["v31"], published["ub"], published["v3"]
    assert "securityDefinitions" not in v31
    assert "securityDefinitions" not in ub
    legacy_schemes = v3["securityDefinitions"].values()
    assert any(
        s.get("in") == "header" and s.get("name") == "Ocp-Apim-Subscription-Key"
        for s in legacy_schemes
    )
    for doc in (v31, ub):
        for item in doc["paths"].values():
            for method, op in item.items():
                if not isinstance(op, dict) or method not in {"get", "put", "post", "delete"}:
                    continue
                names = {(p.get("name"), p.get("in")) for p in op.get("parameters", [])}
                assert not names & OUR_PARAMETERS
                assert not set(op.get("responses", {})) & (ERROR_STATUSES - {"400"})
    # lists are published as bare arrays, hence our Page schemas
    for path in ("/stock_items", "/contacts", "/sales_invoices"):
        assert v31["paths"][path]["get"]["responses"]["200"]["schema"]["type"] == "array"
    assert ub["paths"]["/businesses"]["get"]["responses"]["200"]["schema"]["type"] == "array"
    assert not ub["paths"]["/businesses"]["get"].get("parameters"), "businesses list is now paged"
    for name, _param in V3_ONLY_PARAMETERS:
        assert all(p["name"] != name for p in v31["paths"]["/stock_items"]["get"]["parameters"])
    for schema, value in spec["components"]["schemas"].items():
        for prop in set(value.get("properties", {})) & V3_ONLY_PROPERTY_NAMES:
            for _doc, theirs in _target_properties(published, SCHEMA_MAP[schema]):
                assert prop not in theirs["properties"], (schema, prop)
            assert any(prop in p for p in _v3_properties(published, schema)), (schema, prop)
    for schema, prop in OUR_PROPERTIES:
        for _doc, theirs in _target_properties(published, SCHEMA_MAP[schema]):
            assert prop not in theirs["properties"], (schema, prop)
    # the published spec still types most references as the bare `Base` link
    link = v31["definitions"]["StockItem"]["properties"]["sales_ledger_account"]
    assert link["$ref"] == "#/definitions/Base"
    assert OUR_SECURITY_SCHEMES | V3_SECURITY_SCHEMES == set(spec["components"]["securitySchemes"])


def test_stock_items_seed_page_parameters_are_modelled(spec) -> None:
    if not STOCK_ITEMS_SEED.is_file():
        pytest.skip(f"seed page not found: {STOCK_ITEMS_SEED}")
    text = STOCK_ITEMS_SEED.read_text(encoding="utf-8")
    seed_params = set(re.findall(r'queryString\["(\w+)"\]', text))
    assert seed_params, "no parameters found in the seed page"
    item = spec["paths"]["/stock_items"]
    ours = {p["name"] for p in op_parameters(spec, item, item["get"]) if p["in"] == "query"}
    assert seed_params <= ours, sorted(seed_params - ours)
    assert "Ocp-Apim-Subscription-Key" in text
    assert (
        spec["components"]["securitySchemes"]["subscriptionKey"]["name"]
        == "Ocp-Apim-Subscription-Key"
    )
