"""
Planning an export run: which streams each resource has and what each one asks for.

Strictly private. A resource has one stream of upserts; an Accounting resource exported
incrementally (``since``) whose list accepts ``deleted_since`` also has a stream of deletes,
written to ``<name>.deleted.<ext>``. Everything the user passed is checked here, before any
request: resource names (with "did you mean"), ``where`` (parsed, fields checked against every
Sales resource), ``since``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from sage_async._accounting_resource import AccountingResource
from sage_async._converter import _field_infos
from sage_async._errors import InvalidParameterError, UsageError
from sage_async._resource import ACCOUNTING_MAX_PAGE_SIZE, SALES_MAX_PAGE_SIZE, Resource
from sage_async._sales_resource import SalesResource
from sage_async.export._watermark import Watermark, cursor_text, watermark_key
from sage_async.filters import F, Where, parse, sales_params


__all__ = ["Since", "StreamPlan", "check_since", "check_where", "plan_resource"]

Since = datetime | Literal["auto"] | None
Kind = Literal["upserts", "deleted"]
SALES_CURSOR = ("dateUpdated", "dateDeleted")
ACCOUNTING_CURSOR = ("updated_at", "created_at")
ACCOUNTING_DELETED = ("deleted_at",)


@attrs.define
class StreamPlan:
    """
    One stream of one resource, fully decided.

    Attributes:
        name: the stream name, also the base of its files (``stock_items.deleted``).
        resource: the client's resource.
        kind: ``upserts`` or ``deleted``.
        filters: the keyword arguments of ``resource.pages()`` (page size included).
        query: the JSON form of ``filters``, compared on resume.
        first: the API's first page number.
        cursor: the wire fields whose latest value is a record's cursor (``()``: untracked).
        key: the watermark key of the stream.
        previous: the watermark an incremental run starts from.
        window: records with a cursor before this are not written.
        stamp: incremental runs: the run's stamp (``delta-20250131T120000Z``), so that each
            run's changes land in a file of their own beside the earlier ones.
    """

    name: str
    resource: SalesResource[Any, Any] | AccountingResource[Any, Any]
    kind: Kind
    filters: dict[str, Any]
    query: dict[str, Any]
    first: int
    cursor: tuple[str, ...]
    key: str
    previous: Watermark | None = None
    window: datetime | None = None
    stamp: str | None = None

    def output(self, extension: str) -> str:
        """The output file name: ``accounts.jsonl``, or ``accounts.delta-<stamp>.jsonl``."""
        if self.stamp is not None:
            return f"{self.name}.{self.stamp}.{extension}"
        return f"{self.name}.{extension}"

    @property
    def part(self) -> str:
        """The staging file name."""
        return f"{self.name}.jsonl.part"


def check_since(since: object) -> Since:
    """
    Check the ``since`` argument.

    Raises:
        UsageError: not ``None``, ``"auto"`` or a timezone-aware datetime.
    """
    if since is None or since == "auto":
        return since
    if isinstance(since, datetime):
        if since.tzinfo is None or since.utcoffset() is None:
            raise UsageError("since must be timezone-aware (e.g. 2025-01-01T00:00:00+00:00)")
        return since
    raise UsageError(f"since must be None, 'auto' or an aware datetime, not {since!r}")


def check_where(
    api: str, where: Where | str | None, resources: Iterable[Resource[Any, Any]]
) -> Where | None:
    """
    Parse ``where`` and check its fields against every resource, before any request.

    Raises:
        UsageError: ``where`` given for Accounting (its lists take typed parameters).
        InvalidFilterError: malformed text (the message shows the position).
        UnknownFieldError: a field one of the resources does not have.
    """
    if where is None or where == "":
        return None
    if api != "sales":
        raise UsageError("where applies to Sales Management resources only")
    expr = parse(where) if isinstance(where, str) else where
    if not isinstance(expr, Where):
        raise InvalidParameterError(f"where must be a Where or a str, not {type(where).__name__}")
    for resource in resources:
        sales_params(where=expr, fields=resource.fields)
    return expr


def _wires(resource: Resource[Any, Any]) -> set[str]:
    return {info.wire for info in _field_infos(resource.spec.model)}


def _jsonable(filters: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in sorted(filters.items()):
        if isinstance(value, datetime):
            out[key] = cursor_text(value)
        elif isinstance(value, Where):
            out[key] = value.render()
        else:
            out[key] = value
    return out


def plan_resource(
    resource: SalesResource[Any, Any] | AccountingResource[Any, Any],
    *,
    api: str,
    tenant: str,
    since: Since,
    marks: Mapping[str, Watermark],
    margin: timedelta,
    where: Where | None,
    stamp: str | None = None,
) -> list[StreamPlan]:
    """
    Decide the streams of one resource.

    A stream that exports only changes (it has a ``window``) writes to a file named with
    ``stamp``, so that successive incremental runs accumulate beside the full export.

    ``since=None`` exports everything; a datetime exports what changed at or after it;
    ``"auto"`` continues from the stored watermark (everything when there is none).
    """
    spec = resource.spec
    wires = _wires(resource)
    key = watermark_key(api, tenant, spec.name, "upserts")
    deleted_key = watermark_key(api, tenant, spec.name, "deleted")
    upserts = marks.get(key) if since == "auto" else None
    window = upserts.window(margin) if upserts else since if isinstance(since, datetime) else None
    filters: dict[str, Any]
    plans: list[StreamPlan] = []
    if api == "sales":
        cursor = tuple(f for f in SALES_CURSOR if f in wires)
        expr = where
        if window is not None and cursor:
            changed = [F[f] >= window for f in cursor]
            bound = changed[0] if len(changed) == 1 else changed[0] | changed[1]
            expr = bound if expr is None else expr & bound
        filters = {"page_size": SALES_MAX_PAGE_SIZE, "order": "id"}
        if expr is not None:
            filters["where"] = expr
        plans.append(
            _plan(spec.name, resource, "upserts", filters, 0, cursor, key, upserts, window)
        )
        return _stamped(plans, stamp)
    params = set(spec.list_params)
    base: dict[str, Any] = {"items_per_page": ACCOUNTING_MAX_PAGE_SIZE}
    if "attributes" in params:
        base["attributes"] = "all"
    tracked = "updated_or_created_since" in params and "updated_at" in wires
    cursor = tuple(f for f in ACCOUNTING_CURSOR if f in wires) if tracked else ()
    filters = dict(base)
    if window is not None and tracked:
        filters["updated_or_created_since"] = window
    plans.append(
        _plan(spec.name, resource, "upserts", filters, 1, cursor, key, upserts,
              window if tracked else None)
    )  # fmt: skip
    if window is not None and tracked and "deleted_since" in params and "deleted_at" in wires:
        deletes = marks.get(deleted_key) if since == "auto" else None
        start = deletes.window(margin) if deletes else window
        # deleted_since is exclusive: one second earlier keeps a delete at `start` in the window.
        filters = {**base, "deleted_since": start - timedelta(seconds=1)}
        plans.append(
            _plan(f"{spec.name}.deleted", resource, "deleted", filters, 1, ACCOUNTING_DELETED,
                  deleted_key, deletes, start)
        )  # fmt: skip
    return _stamped(plans, stamp)


def _stamped(plans: list[StreamPlan], stamp: str | None) -> list[StreamPlan]:
    """Name the outputs of the streams that export only changes after the run."""
    for plan in plans:
        if plan.window is not None:
            plan.stamp = stamp
    return plans


def _plan(
    name: str,
    resource: SalesResource[Any, Any] | AccountingResource[Any, Any],
    kind: Kind,
    filters: dict[str, Any],
    first: int,
    cursor: tuple[str, ...],
    key: str,
    previous: Watermark | None,
    window: datetime | None,
) -> StreamPlan:
    query = {"kind": kind, "filters": _jsonable(filters)}
    return StreamPlan(
        name=name, resource=resource, kind=kind, filters=filters, query=query, first=first,
        cursor=cursor, key=key, previous=previous, window=window,
    )  # fmt: skip


def deletes_tracked(resource: Resource[Any, Any]) -> bool:
    """Whether an Accounting resource has a deletes stream in incremental runs."""
    params = set(resource.spec.list_params)
    wires = _wires(resource)
    return {"updated_or_created_since", "deleted_since"} <= params and {
        "updated_at",
        "deleted_at",
    } <= wires
