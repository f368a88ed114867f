"""
The library's own cattrs converter: wire names, ISO dates, money as Decimal, drift counting.

The generated models are dumb attrs classes; all decoding and encoding happens here. A hook factory
registered on a private :class:`cattrs.Converter` (never the global one) compiles, once per
model, a straight-line structure function with an inline fast path per field (the value already
has the declared type) and a slow path that repairs and counts deviations, or raises
:class:`~sage_async.DriftError` in strict mode. Wire formats accepted:

- date-times: ISO-8601 with ``Z`` or an offset and 0 to 7 fractional digits
  (``2016-02-29T16:22:34.4Z``); a value without offset is read as UTC and counted as
  ``naive_datetime``; ``2018-10-10 00:00:00`` (space separator) is accepted.
- dates: ``YYYY-MM-DD`` (a date-time there keeps its date part, counted).
- money (``format: decimal``): JSON numbers become :class:`~decimal.Decimal` through their
  shortest ``repr`` (``12.34`` stays ``Decimal("12.34")``); numeric strings are parsed (counted).
- booleans: ``0``/``1`` and ``"true"``/``"false"`` are repaired (Sales sends ``deleted: 0``).
- unknown keys are kept in the model's ``extras`` (Sales ``Z_`` custom fields) and counted.

Encoding (:meth:`Converter.unstructure`) emits exactly the wire names, omits ``UNSET`` fields,
writes ``extras`` back, date-times as UTC ``...Z``; Decimals stay Decimals, which the JSON
encoder (``_request.build_request``) writes as numbers with every digit.
"""

from __future__ import annotations

import gc
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs

from ._drift import DriftKind, DriftReport
from ._errors import DriftError
from ._types import UNSET, Model, Unset


__all__ = ["Converter"]

T = TypeVar("T")
_SCALARS: dict[Any, str] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    Decimal: "decimal",
    datetime: "datetime",
    date: "date",
}


@attrs.frozen
class _FieldInfo:
    name: str
    wire: str
    kind: str  # str int float bool decimal datetime date model list any
    nullable: bool
    required: bool
    target: Any = None  # the model class (model, list of models) or item kind (list)


def _field_infos(cls: type) -> list[_FieldInfo]:
    module = sys.modules[cls.__module__]
    hints = typing.get_type_hints(cls, vars(module))
    infos = []
    for field in attrs.fields(cls):
        if field.metadata.get("extras"):
            continue
        kind, target = _classify(hints[field.name])
        infos.append(
            _FieldInfo(
                name=field.name,
                wire=field.metadata.get("wire", field.name),
                kind=kind,
                nullable=bool(field.metadata.get("nullable", False)),
                required=bool(field.metadata.get("required", False)),
                target=target,
            )
        )
    return infos


def _classify(hint: Any) -> tuple[str, Any]:
    """Reduce a field annotation (``X | None | Unset``) to the kind of its declared type."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        parts = [a for a in typing.get_args(hint) if a not in (Unset, type(None))]
        if len(parts) != 1:
            return "any", None
        hint = parts[0]
    if hint in _SCALARS:
        return _SCALARS[hint], None
    if isinstance(hint, type) and issubclass(hint, Model):
        return "model", hint
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint) or (Any,)
        return "list", _classify(item)
    return "any", None


class Converter:
    """
    Decode API payloads into the generated models and encode models into wire dicts.

    One instance per client (or per export run) so that its :attr:`drift` report belongs to
    that client. Structuring hooks are compiled once per model class and cached.

    Args:
        strict: raise :class:`~sage_async.DriftError` on the first deviation instead of
            repairing and counting it.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.drift = DriftReport()
        self._cattrs = cattrs.Converter()
        self._hooks: dict[type, Callable[[Any, Any], Any]] = {}
        self._cattrs.register_structure_hook_factory(_is_model, self._structure_factory)
        self._cattrs.register_unstructure_hook_factory(_is_model, self._unstructure_factory)
        self._cattrs.register_structure_hook(datetime, lambda v, _: self._datetime("", "", v))
        self._cattrs.register_structure_hook(date, lambda v, _: self._date("", "", v))
        self._cattrs.register_structure_hook(Decimal, lambda v, _: self._decimal("", "", v))
        self._cattrs.register_unstructure_hook(datetime, _encode_datetime)
        self._cattrs.register_unstructure_hook(date, date.isoformat)
        # Decimals stay Decimals: the JSON encoder writes them as numbers with every digit.
        self._cattrs.register_unstructure_hook(Decimal, lambda value: value)

    # --- public API ------------------------------------------------------------------------

    def structure(self, data: Any, cls: type[T]) -> T:
        """Decode one JSON value (a dict for models) into ``cls``."""
        return self._cattrs.structure(data, cls)

    def structure_list(self, items: Iterable[Any], cls: type[T]) -> list[T]:
        """
        Decode a list of dicts into ``cls`` instances (the fast path for pages).

        The cyclic garbage collector is paused while one page is built: the models are acyclic,
        and without the pause CPython runs collections over every young model of the page (about
        15% of the decode time). The previous GC state is restored before returning.
        """
        hook = self._cattrs.get_structure_hook(cls)
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return [hook(item, cls) for item in items]
        finally:
            if was_enabled:
                gc.enable()

    def structure_hook(self, cls: type[T]) -> Callable[[Any], T]:
        """Return a one-argument function decoding a dict into ``cls``."""
        hook = self._cattrs.get_structure_hook(cls)
        return lambda data: hook(data, cls)

    def unstructure(self, obj: Any) -> Any:
        """Encode a model (or a list of them) into wire-named dicts, leaving out unset fields."""
        return self._cattrs.unstructure(obj)

    # --- structuring -----------------------------------------------------------------------

    def _structure_factory(self, cls: type) -> Callable[[Any, Any], Any]:
        if cls in self._hooks:
            return self._hooks[cls]
        # Install a trampoline first so that self-referencing models compile.
        compiled: list[Callable[[Any, Any], Any]] = []
        self._hooks[cls] = lambda data, t: compiled[0](data, t)
        compiled.append(self._compile_structure(cls))
        self._hooks[cls] = compiled[0]
        return compiled[0]

    def _compile_structure(self, cls: type) -> Callable[[Any, Any], Any]:
        infos = _field_infos(cls)
        model = cls.__name__
        ns: dict[str, Any] = {
            "_U": UNSET,
            "_cls": cls,
            "_dt": datetime.fromisoformat,
            "_d": date.fromisoformat,
            "_D": Decimal,
            "_r": float.__repr__,
            "_known": frozenset(i.wire for i in infos),
            "_required": frozenset(i.wire for i in infos if i.required),
            "_extras": lambda o: self._extras(model, o, ns["_known"]),
            "_missing": lambda o: self._missing(model, o, ns["_required"]),
        }
        lines = ["def structure(o, _t=None):", "    get = o.get"]
        for n, info in enumerate(infos):
            slow = f"_f{n}"
            ns[slow] = self._slow_path(model, info)
            null = " and v is not None" if info.nullable else ""
            lines.append(f"    v = get({info.wire!r}, _U)")
            fast = _FAST.get(info.kind)
            if info.kind == "datetime":
                lines += [
                    "    if v.__class__ is str:",
                    "        try:",
                    "            v = _dt(v)",
                    "        except ValueError:",
                    f"            v = {slow}(v)",
                    "        else:",
                    "            if v.tzinfo is None:",
                    f"                v = {slow}(v)",
                    f"    elif v is not _U{null}:",
                    f"        v = {slow}(v)",
                ]
            elif info.kind == "date":
                lines += [
                    "    if v.__class__ is str and len(v) == 10:",
                    "        try:",
                    "            v = _d(v)",
                    "        except ValueError:",
                    f"            v = {slow}(v)",
                    f"    elif v is not _U{null}:",
                    f"        v = {slow}(v)",
                ]
            elif info.kind == "decimal":
                lines += [
                    "    if v.__class__ is float:",
                    "        v = _D(_r(v))",
                    "    elif v.__class__ is int:",
                    "        v = _D(v)",
                    f"    elif v is not _U{null}:",
                    f"        v = {slow}(v)",
                ]
            elif info.kind == "model":
                ns[f"_m{n}"] = self._structure_factory(info.target)
                lines += [
                    "    if v.__class__ is dict:",
                    f"        v = _m{n}(v)",
                    f"    elif v is not _U{null}:",
                    f"        v = {slow}(v)",
                ]
            elif fast is not None:
                lines += [f"    if v.__class__ is not {fast} and v is not _U{null}:"]
                lines += [f"        v = {slow}(v)"]
            elif info.kind == "list" and info.target[0] == "model":
                ns[f"_m{n}"] = self._structure_factory(info.target[1])
                lines += [
                    "    if v.__class__ is list:",
                    f"        v = [_m{n}(x) if x.__class__ is dict else {slow}([x])[0] for x in v]",
                    f"    elif v is not _U{null}:",
                    f"        v = {slow}(v)",
                ]
            elif info.kind == "list":
                lines += [f"    if v is not _U{null}:", f"        v = {slow}(v)"]
            lines.append(f"    a{n} = v")
        args = ", ".join(f"{info.name}=a{n}" for n, info in enumerate(infos))
        lines.append(f"    obj = _cls({args})")
        if ns["_required"]:
            lines += ["    if not o.keys() >= _required:", "        _missing(o)"]
        lines += ["    if not _known.issuperset(o):", "        obj.extras = _extras(o)"]
        lines.append("    return obj")
        ns.update(_FAST_TYPES)
        exec("\n".join(lines), ns)  # noqa: S102 - code built above from attrs metadata only
        return ns["structure"]  # type: ignore[no-any-return]

    def _slow_path(self, model: str, info: _FieldInfo) -> Callable[[Any], Any]:
        """Return the repairing (or raising) conversion for values off the fast path."""
        name = info.name

        def convert(value: Any) -> Any:
            if value is None:
                if not info.nullable:
                    self._deviate(model, name, "unexpected_null", value)
                return None
            return self._convert(model, name, info.kind, info.target, value)

        return convert

    def _convert(self, model: str, name: str, kind: str, target: Any, value: Any) -> Any:
        if kind == "datetime":
            return self._datetime(model, name, value)
        if kind == "date":
            return self._date(model, name, value)
        if kind == "decimal":
            return self._decimal(model, name, value)
        if kind == "bool":
            return self._bool(model, name, value)
        if kind in ("int", "float"):
            return self._number(model, name, kind, value)
        if kind == "str":
            if isinstance(value, int | float) and not isinstance(value, bool):
                self._deviate(model, name, "number_as_str", value)
                return str(value)
        elif kind == "list":
            if not isinstance(value, list):
                self._deviate(model, name, "wrong_type", value)
                return value
            item_kind, item_target = target
            if item_kind == "model":
                hook = self._structure_factory(item_target)
                return [hook(v, None) if isinstance(v, dict) else v for v in value]
            if item_kind in _FAST or item_kind in ("decimal", "datetime", "date"):
                return [
                    v
                    if v.__class__ is _FAST_TYPES.get(_FAST.get(item_kind, ""))
                    else self._convert(model, name, item_kind, item_target, v)
                    for v in value
                ]
            return value
        self._deviate(model, name, "wrong_type", value)
        return value

    def _datetime(self, model: str, name: str, value: Any) -> Any:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                self._deviate(model, name, "naive_datetime", value)
                return value.replace(tzinfo=UTC)
            return value
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                return self._datetime(model, name, parsed)
        self._deviate(model, name, "wrong_type", value)
        return value

    def _date(self, model: str, name: str, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                try:
                    parsed = datetime.fromisoformat(value)
                except ValueError:
                    pass
                else:
                    self._deviate(model, name, "datetime_as_date", value)
                    return parsed.date()
        self._deviate(model, name, "wrong_type", value)
        return value

    def _decimal(self, model: str, name: str, value: Any) -> Any:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str):
            try:
                parsed = Decimal(value)
            except InvalidOperation:
                pass
            else:
                if parsed.is_finite():
                    self._deviate(model, name, "str_as_number", value)
                    return parsed
        self._deviate(model, name, "wrong_type", value)
        return value

    def _bool(self, model: str, name: str, value: Any) -> Any:
        if value in (0, 1) and isinstance(value, int):
            self._deviate(model, name, "int_as_bool", value)
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
            self._deviate(model, name, "wrong_type", value)
            return value.lower() in ("true", "1")
        self._deviate(model, name, "wrong_type", value)
        return value

    def _number(self, model: str, name: str, kind: str, value: Any) -> Any:
        if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)  # JSON has one number type: 1 for a double is not drift
        if isinstance(value, str):
            try:
                parsed = int(value) if kind == "int" else float(value)
            except ValueError:
                pass
            else:
                self._deviate(model, name, "str_as_number", value)
                return parsed
        if kind == "int" and isinstance(value, float) and value.is_integer():
            self._deviate(model, name, "wrong_type", value)
            return int(value)
        self._deviate(model, name, "wrong_type", value)
        return value

    def _extras(self, model: str, data: Mapping[str, Any], known: frozenset[str]) -> Any:
        extras = {k: v for k, v in data.items() if k not in known}
        for key in extras:
            self._deviate(model, key, "unknown_key", None)
        return extras

    def _missing(self, model: str, data: Mapping[str, Any], required: frozenset[str]) -> None:
        for key in sorted(required - data.keys()):
            self._deviate(model, key, "missing_required", None)

    def _deviate(self, model: str, field: str, kind: DriftKind, value: Any) -> None:
        if self.strict:
            shown = f" (got {type(value).__name__})" if value is not None else ""
            raise DriftError(
                f"{model}.{field}: {kind.replace('_', ' ')}{shown}",
                model=model,
                field=field,
                kind=kind,
            )
        self.drift.add(model or "?", field or "?", kind)

    # --- unstructuring ---------------------------------------------------------------------

    def _unstructure_factory(self, cls: type) -> Callable[[Any], dict[str, Any]]:
        infos = _field_infos(cls)
        convert = self._cattrs.unstructure
        plain = {"str", "int", "float", "bool", "any"}

        def unstructure(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for info in infos:
                value = getattr(obj, info.name)
                if value is UNSET:
                    continue
                out[info.wire] = value if info.kind in plain else convert(value)
            if obj.extras:
                out.update(obj.extras)
            return out

        return unstructure


_FAST = {"str": "_str", "int": "_int", "float": "_float", "bool": "_bool"}
_FAST_TYPES: dict[str, type] = {"_str": str, "_int": int, "_float": float, "_bool": bool}


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, Model) and attrs.has(cls)


def _encode_datetime(value: datetime) -> str:
    # The APIs write 0-3 fractional digits: keep milliseconds unless finer precision was set.
    us = value.microsecond
    spec = "seconds" if not us else "milliseconds" if not us % 1000 else "microseconds"
    if value.tzinfo is None:
        return value.isoformat(timespec=spec)
    return value.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")
