"""
Deterministic, lazy record generation from the generated models' field metadata.

Record ``i`` of a resource is a pure function of ``(seed, tenant, resource, i)``: a small
generator (:class:`~sage_async.testing._words.Rng`) seeded from those values feeds a plan of
field generators compiled once per model from the attrs field metadata (``wire``, ``nullable``)
and the field types. Fields that do not depend on the record's own facts (names, codes,
timestamps) are copied from one of 512 pre-built variants, so a record costs a dict copy and
about a dozen calls. Nothing is stored per record: a collection of a million records costs
nothing until a page is asked for.

Values follow the wire formats of the FACTS so that ``Converter(strict=True)`` decodes them with
zero drift:

- Sales Management: integer ids ``1..n``; date-times in UTC with ``Z`` and 0 to 3 fractional
  digits (sales FACTS "Dates"); lookups as ``{"id": n, "value": "label"}`` (sales FACTS "Lookups
  are returned as {id, value}"); about 2% of seeded rows are soft-deleted (``deleted: true`` and
  ``dateDeleted``), because lists return deleted rows too (sales FACTS "Soft delete").
- Accounting: 32-hex-digit string ids, ``$path`` and ``displayed_as`` on every record,
  references as links ``{id, displayed_as, $path}`` (accounting FACTS section 9), date-times
  ``...Z`` in whole seconds, Accounting money mostly as JSON strings (as the live API sends it).

Timestamps: record ``i`` is created at ``2015-01-01 + 30 s * i`` (plus up to 30 s) and updated up
to 30 days later, so creation order equals index order and an ``updated since`` bound maps to a
lowest candidate index (:meth:`RecordFactory.first_index_updated_since`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final, Protocol

from sage_async._converter import _field_infos
from sage_async._resource_spec import ResourceSpec
from sage_async.testing import _words as w
from sage_async.testing._values import value_generator


__all__ = ["EPOCH", "STEP", "UPDATE_SPAN", "VARIANTS", "Ctx", "LinkTargets", "RecordFactory"]

EPOCH: Final = 1420070400.0  # 2015-01-01T00:00:00Z
STEP: Final = 30.0
UPDATE_SPAN: Final = 30 * 86400.0
SALES_DELETED_SHARE: Final = 0.02
LINK_POOL: Final = 20  # links point at one of the first records of the target collection
VARIANTS: Final = 512  # pre-built variants the context-free fields are copied from

Gen = Callable[[w.Rng, "Ctx"], Any]


class Ctx:
    """The per-record facts several fields share (names, code, timestamps)."""

    __slots__ = (
        "code",
        "company",
        "created",
        "deleted",
        "display",
        "first",
        "i",
        "last",
        "name",
        "rid",
        "updated",
    )

    def __init__(self) -> None:
        self.i = 0
        self.rid: int | str = 0
        self.created = self.updated = 0.0
        self.deleted: float | None = None
        self.first = self.last = self.company = self.code = self.name = self.display = ""


class LinkTargets(Protocol):
    """What a factory needs to know about the other resources of its dataset."""

    def target_for(self, owner: str, wire: str) -> str | None:
        """Return the resource a reference field points at, if the dataset has it."""

    def linked(self, resource: str, j: int) -> tuple[int | str, str, str]:
        """Return ``(id, display, path)`` of record ``j`` of ``resource``."""

    def size(self, resource: str) -> int:
        """Return the number of seeded records of ``resource``."""


_VALUE_LIST = ("statuses", "types", "categories", "families", "rates", "segments", "relations")
_PERSON = ("contact_persons", "users", "contacts@sales")
_COMPANY = ("accounts", "contacts", "businesses", "accountsRelated")
_ITEM = ("products", "services", "stock_items")
_DOCUMENT = ("invoice", "credit_note", "journal", "payment", "salesorders", "sales", "opportun")


def _kind(api: str, resource: str) -> str:
    if resource.endswith(_VALUE_LIST):
        return "other"
    if resource in _PERSON or f"{resource}@{api}" in _PERSON:
        return "person"
    if resource in _COMPANY:
        return "company"
    if resource in _ITEM:
        return "item"
    if any(part in resource for part in _DOCUMENT):
        return "document"
    return "other"


@functools.cache
def _resource_models(api: str) -> frozenset[type]:
    """The read models of the API's resources (a field typed as one is a reference)."""
    from importlib import import_module

    table = import_module(f"sage_async.models.{api}").RESOURCES
    return frozenset(spec.model for spec in table.values())


def _prefix(resource: str) -> str:
    words = re.findall(r"[A-Z]?[a-z]+", resource) or [resource]
    return "".join(word[0] for word in words).upper()[:3] + "-"


def _title(resource: str) -> str:
    """``account_statuses`` → ``Account status``."""
    words = resource.split("_")
    words[-1] = w.singular(words[-1])
    return " ".join(words).capitalize()


class RecordFactory:
    """
    Builds the seeded records of one resource of one tenant.

    Args:
        api: ``"sales"`` or ``"accounting"``.
        spec: the resource's row of the generated ``RESOURCES`` table.
        seed: the sandbox seed.
        tenant: the tenant label (Accounting business id; ``"sales"`` for Sales).
        targets: the dataset, to resolve references to other resources.
    """

    def __init__(
        self, api: str, spec: ResourceSpec, seed: int, tenant: str, targets: LinkTargets
    ) -> None:
        self.api = api
        self.spec = spec
        self.targets = targets
        self._base = w.stable_int(seed, tenant, spec.name)
        self._tag = w.stable_int(tenant, spec.name) & 0xFFFFFFFF
        self._kind = _kind(api, spec.name)
        self._prefix = _prefix(spec.name)
        self._title = _title(spec.name)
        self._plan: list[tuple[str, Gen]] | None = None
        self._dynamic: list[tuple[str, Gen]] = []
        self._variants: dict[int, dict[str, Any]] = {}
        self._soft_delete = api == "sales" and any(
            info.wire == "deleted" for info in _field_infos(spec.model)
        )

    # --- ids --------------------------------------------------------------------------------

    def record_id(self, i: int) -> int | str:
        """Return the id of record ``i`` (Sales ``i + 1``; Accounting 32 hex digits)."""
        if self.api == "sales":
            return i + 1
        return f"{self._tag:08x}{i:024x}"

    def index_of(self, record_id: str) -> int | None:
        """Return the index an id names, or ``None`` when it cannot be one of this resource's."""
        if self.api == "sales":
            if not (record_id.isascii() and record_id.isdigit()) or len(record_id) > 18:
                return None  # not an id of this sandbox (and no 5,000-digit int() either)
            return int(record_id) - 1 if int(record_id) > 0 else None
        if len(record_id) != 32 or record_id[:8] != f"{self._tag:08x}":
            return None
        try:
            return int(record_id[8:], 16)
        except ValueError:
            return None

    def path_of(self, record_id: int | str) -> str:
        """Return the ``$path`` of a record (relative to the API base)."""
        return f"{self.spec.path}/{record_id}"

    # --- records ----------------------------------------------------------------------------

    def context(self, i: int) -> tuple[w.Rng, Ctx]:
        """Return the seeded random source and the shared facts of record ``i``."""
        rng = w.Rng(self._base + i)
        r = rng.random
        ctx = Ctx()
        ctx.i = i
        ctx.rid = self.record_id(i)
        ctx.created = EPOCH + STEP * (i + r())
        ctx.updated = ctx.created + UPDATE_SPAN * r()
        ctx.deleted = ctx.updated if self._soft_delete and r() < SALES_DELETED_SHARE else None
        ctx.first = w.FIRST_NAMES[int(r() * len(w.FIRST_NAMES))]
        ctx.last = w.LAST_NAMES[int(r() * len(w.LAST_NAMES))]
        company = w.COMPANY_WORDS[int(r() * len(w.COMPANY_WORDS))]
        suffix = w.COMPANY_SUFFIXES[int(r() * len(w.COMPANY_SUFFIXES))]
        ctx.company = f"{company} {ctx.last} {suffix}"
        ctx.code = f"{self._prefix}{i + 1:06d}"
        kind = self._kind
        if kind == "person":
            ctx.name = f"{ctx.first} {ctx.last}"
        elif kind == "company":
            ctx.name = ctx.company
        elif kind == "item":
            adjective = w.PRODUCT_ADJECTIVES[int(r() * len(w.PRODUCT_ADJECTIVES))]
            ctx.name = f"{adjective} {w.PRODUCT_NOUNS[int(r() * len(w.PRODUCT_NOUNS))]}"
        elif kind == "document":
            ctx.name = ctx.code
        else:
            ctx.name = f"{self._title} {i + 1}"
        ctx.display = ctx.name
        return rng, ctx

    def display(self, i: int) -> str:
        """Return the ``displayed_as``/label of record ``i`` without building the record."""
        return self.context(i)[1].display

    def record(self, i: int) -> dict[str, Any]:
        """
        Return record ``i`` as a wire-named dict (every field of the read model).

        Fields that do not depend on the record's shared facts (lookups, prices, notes...) are
        copied from one of :data:`VARIANTS` pre-built variants chosen by the record's random
        source; the fields that do (ids, names, codes, timestamps, delete flags) are generated
        for the record. That keeps the per-record cost to a dict copy and a dozen calls.
        """
        rng, ctx = self.context(i)
        if self._plan is None:
            self._prepare()
        variant = int(rng.random() * VARIANTS)
        base = self._variants.get(variant)
        if base is None:
            base = self._variants[variant] = self._variant(variant)
        record = base.copy()
        for wire, gen in self._dynamic:
            record[wire] = gen(rng, ctx)
        return record

    def _prepare(self) -> None:
        """Compile the plan and find which fields depend on the shared facts."""
        plan = self._plan = self._compile(self.spec.model, 0)
        one = self.context(0)[1]
        two = self.context(7919)[1]
        two.deleted = two.updated
        for name in ("first", "last", "company", "code", "name", "display"):
            setattr(two, name, getattr(one, name) + "~")
        # Nested objects come whole from the variant (their audit times are the variant's):
        # rebuilding addresses and line items per record would cost more than the rest.
        nested = {i.wire for i in _field_infos(self.spec.model) if i.kind in ("model", "list")}
        self._dynamic = [
            (wire, gen)
            for wire, gen in plan
            if wire not in nested and gen(w.Rng(1), one) != gen(w.Rng(1), two)
        ]

    def _variant(self, variant: int) -> dict[str, Any]:
        rng, ctx = self.context(variant)
        rng.seed(self._base ^ (0x5EED << 40) ^ variant)
        return {wire: gen(rng, ctx) for wire, gen in self._plan or ()}

    def first_index_updated_since(self, ts: float) -> int:
        """Return the lowest index whose seeded update time can be at or after ``ts``."""
        return max(0, int((ts - UPDATE_SPAN - EPOCH) // STEP) - 1)

    # --- compiling a model into field generators --------------------------------------------

    def _compile(self, model: type, depth: int) -> list[tuple[str, Gen]]:
        plan: list[tuple[str, Gen]] = []
        for info in _field_infos(model):
            if info.wire == "legacy_id":
                continue  # legacy gateway with show_legacy_id only (added by the route)
            plan.append(
                (info.wire, self._field(info.wire, info.kind, info.target, info.nullable, depth))
            )
        return plan

    def _field(self, wire: str, kind: str, target: Any, nullable: bool, depth: int) -> Gen:
        if depth == 0 and wire == "id":
            return lambda rng, ctx: ctx.rid
        if depth == 0 and wire == "$path":
            return lambda rng, ctx: self.path_of(ctx.rid)
        if depth == 0 and wire == "displayed_as":
            return lambda rng, ctx: ctx.display
        if wire == "id" and kind == "str":
            return lambda rng, ctx: f"{rng.getrandbits(128):032x}"
        if wire == "$path":
            return lambda rng, ctx: f"/{self.spec.name}/{ctx.rid}/{rng.getrandbits(64):016x}"
        if kind == "model":
            return self._nested(wire, target, nullable, depth)
        if kind == "list":
            item_kind, item_target = target
            if item_kind == "model":
                inner = self._nested(wire, item_target, False, depth)
                return lambda rng, ctx: [inner(rng, ctx) for _ in range(1 + int(rng.random() * 3))]
            item = value_generator(self.api, wire, item_kind, False)
            return lambda rng, ctx: [item(rng, ctx)]
        return value_generator(self.api, wire, kind, nullable)

    def _nested(self, wire: str, model: type, nullable: bool, depth: int) -> Gen:
        wires = {info.wire for info in _field_infos(model)} - {"legacy_id"}
        if wires == {"id", "value"}:
            gen: Gen = self._lookup(wire)
        elif ("$path" in wires and wires <= {"id", "displayed_as", "$path"}) or (
            self.api == "accounting" and model in _resource_models(self.api)
        ):
            # A reference to another resource: lists send it as a link (the model is the
            # target's full read model, which a link decodes into with the rest unset).
            gen = self._link(wire)
        elif depth >= 2:
            return lambda rng, ctx: None if nullable else {}
        else:
            plan = self._compile(model, depth + 1)

            def gen(rng: w.Rng, ctx: Ctx) -> Any:
                return {key: field(rng, ctx) for key, field in plan}

        if not nullable:
            return gen
        return lambda rng, ctx: None if rng.random() < 0.05 else gen(rng, ctx)

    def _pick(self, wire: str) -> tuple[str | None, int]:
        target = self.targets.target_for(self.spec.name, wire)
        size = self.targets.size(target) if target else 0
        return (target, min(LINK_POOL, size)) if size else (None, LINK_POOL)

    def _lookup(self, wire: str) -> Gen:
        target, pool = self._pick(wire)
        base = re.sub(r"Id\d*$", "", wire)
        label = base[:1].upper() + re.sub(r"([A-Z])", r" \1", base[1:]).lower()

        def lookup(rng: w.Rng, ctx: Ctx) -> dict[str, Any]:
            j = int(rng.random() * pool)
            if target is None:
                return {"id": j + 1, "value": f"{label} {j + 1}"}
            rid, display, _ = self.targets.linked(target, j)
            return {"id": rid, "value": display}

        return lookup

    def _link(self, wire: str) -> Gen:
        target, pool = self._pick(wire)

        def link(rng: w.Rng, ctx: Ctx) -> dict[str, Any]:
            j = int(rng.random() * pool)
            if target is None:
                made = f"{rng.getrandbits(128):032x}"
                return {"id": made, "displayed_as": f"{wire} {j + 1}", "$path": f"/{wire}s/{made}"}
            rid, display, path = self.targets.linked(target, j)
            return {"id": rid, "displayed_as": display, "$path": path}

        return link
