"""
dlt column hints generated from the models, so every table is typed before its first row.

Mapping (one place, documented in the README): ``str`` -> ``text``, ``int`` -> ``bigint``,
``float`` -> ``double``, ``bool`` -> ``bool``, ``int | bool`` -> ``bigint``, ``str | int`` ->
``text``, ``decimal`` -> ``decimal`` (a JSON number or a
numeric string both load as a decimal), ``datetime`` -> ``timestamp`` with time zone, ``date``
-> ``date``. Nested values: a Sales lookup ``{id, value}`` is flattened the way dlt flattens
any object (``statusId__id``, ``statusId__value``, snake-cased by dlt to ``status_id__id``);
every other nested object (Accounting references, which may carry a whole record) and every
list are kept as one ``json`` column, so one API record is one row and a delete removes it
whole (no child tables to reconcile).
"""

from __future__ import annotations

import sys
import typing
from typing import Any, Final

from sage_async._converter import _field_infos, _ModuleNamespace
from sage_async._resource_spec import ResourceSpec
from sage_async._types import Unset


__all__ = ["DELETED", "TENANT", "columns_for"]

#: The column carrying the tenant (Sales credential label, Accounting business id).
TENANT: Final = "_sage_tenant"
#: Accounting delete marks: a row with this column true is removed from the table on merge.
DELETED: Final = "_sage_deleted"

_SCALAR: Final[dict[str, dict[str, Any]]] = {
    "str": {"data_type": "text"},
    "int": {"data_type": "bigint"},
    "float": {"data_type": "double"},
    "bool": {"data_type": "bool"},
    "decimal": {"data_type": "decimal"},
    "datetime": {"data_type": "timestamp", "timezone": True},
    "date": {"data_type": "date"},
    "list": {"data_type": "json"},
}


def _mixed(model: type, name: str) -> dict[str, Any]:
    """A field the spec types as a union of scalars (``int | bool``, ``str | int``) or ``Any``."""
    # The module's attributes, not just vars(): generated models name other groups lazily.
    namespace = _ModuleNamespace(sys.modules[model.__module__])
    hint = typing.get_type_hints(model, localns=namespace)[name]
    parts = {a for a in typing.get_args(hint) if a not in (Unset, type(None))}
    if parts and parts <= {int, bool}:
        return {"data_type": "bigint"}  # Sales 0/1 flags that are booleans on write
    if parts and parts <= {str, int}:
        return {"data_type": "text"}
    return {"data_type": "json"}


def _is_lookup(target: Any) -> bool:
    """A Sales lookup: a model of exactly ``id`` and ``value``, flattened into two columns."""
    return {info.wire for info in _field_infos(target)} == {"id", "value"}


def columns_for(spec: ResourceSpec, *, cursor: str | None, hard_delete: str | None) -> Any:
    """
    The dlt column schema of ``spec``'s read model (wire names; dlt normalizes them).

    Args:
        spec: the resource.
        cursor: the incremental cursor column (its newest version wins a merge), or ``None``.
        hard_delete: the boolean column whose true value removes the row, or ``None``.

    Returns:
        A ``{name: column hints}`` mapping for ``dlt.resource(columns=...)``.
    """
    columns: dict[str, dict[str, Any]] = {}
    for info in _field_infos(spec.model):
        if info.kind == "model":
            if _is_lookup(info.target):
                for sub in _field_infos(info.target):
                    hint = dict(_SCALAR[sub.kind], nullable=True)
                    columns[f"{info.wire}__{sub.wire}"] = hint
                continue
            hint = {"data_type": "json"}
        elif info.kind == "any":
            hint = _mixed(spec.model, info.name)
        else:
            hint = dict(_SCALAR[info.kind])
        hint["nullable"] = info.wire != "id"
        columns[info.wire] = hint
    columns[TENANT] = {"data_type": "text", "nullable": True}
    if cursor is not None and cursor in columns:
        columns[cursor]["dedup_sort"] = "desc"
    if hard_delete is not None:
        columns.setdefault(hard_delete, {"data_type": "bool", "nullable": True})
        columns[hard_delete]["hard_delete"] = True
    return columns
