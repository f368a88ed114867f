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
import re
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
    aliases: tuple[str, ...] = ()  # other wire spellings read into this field


class _ModuleNamespace(Mapping[str, Any]):
    """
    A module's names for evaluating annotations, including those its ``__getattr__`` provides.

    Generated models are split per resource group and name models of other groups in their
    annotations; those resolve through the module's ``__getattr__`` (loaded on first use).
    """

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> typing.Iterator[str]:
        return iter(vars(self._module))

    def __len__(self) -> int:
        return len(vars(self._module))


def _field_infos(cls: type) -> list[_FieldInfo]:
    module = sys.modules[cls.__module__]
    hints = typing.get_type_hints(cls, localns=_ModuleNamespace(module))
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
                aliases=tuple(field.metadata.get("aliases", ())),
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
        self._hooks: dict[type, Callable[..., Any]] = {}
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

    def _structure_factory(self, cls: type) -> Callable[..., Any]:
        if cls in self._hooks:
            return self._hooks[cls]
        # Install a trampoline first so that self-referencing models compile.
        compiled: list[Callable[..., Any]] = []

        def trampoline(data: Any, t: Any = None, at: str | None = None) -> Any:
            return compiled[0](data, t, at)

        self._hooks[cls] = trampoline
        compiled.append(self._compile_structure(cls))
        self._hooks[cls] = compiled[0]
        return compiled[0]

    def _compile_structure(self, cls: type) -> Callable[..., Any]:
        """
        Compile the structure function of ``cls``: ``structure(data, _t=None, _at=None)``.

        ``_at`` is the dotted place of this object in the payload being decoded (``None`` at the
        top): drift found inside a nested object is reported against the top model with the
        whole path (``JournalLine`` / ``ledger_account.balance``), so a user can find the field.
        A dict much smaller than the model (a link ``{id, displayed_as, $path}`` decoded into the
        full model of the resource it points at) takes a sparse path that only visits its keys.
        """
        infos = _field_infos(cls)
        model = cls.__name__
        known = frozenset(w for i in infos for w in (i.wire, *i.aliases))
        required = frozenset(i.wire for i in infos if i.required)
        is_open = _open_matcher(cls)
        ns: dict[str, Any] = {
            "_U": UNSET,
            "_cls": cls,
            "_dt": datetime.fromisoformat,
            "_d": date.fromisoformat,
            "_D": Decimal,
            "_IO": InvalidOperation,
            "_num": _NUMERIC.fullmatch,
            "_r": float.__repr__,
            "_known": known,
            "_required": required,
            "_extras": lambda o, at: self._extras(at or model, o, known, is_open),
            "_missing": lambda o, at: self._missing(at or model, o, required),
        }
        bodies: list[list[str]] = []
        for n, info in enumerate(infos):
            ns[f"_f{n}"] = self._slow_path(model, info)
            ns[f"_p{n}"] = f"{model}.{info.name}"
            ns[f"_s{n}"] = f".{info.name}"
            if info.kind == "model":
                ns[f"_m{n}"] = self._structure_factory(info.target)
            elif info.kind == "list" and info.target[0] == "model":
                ns[f"_m{n}"] = self._structure_factory(info.target[1])
            bodies.append(_field_code(n, info))
        lines = ["def structure(o, _t=None, _at=None):", "    get = o.get"]
        if len(infos) > _SPARSE_MIN_FIELDS:
            lines += [f"    if len(o) * 4 < {len(infos)}:", "        return _sparse(o, _at)"]
        for n, info in enumerate(infos):
            lines.append(f"    v = get({info.wire!r}, _U)")
            for alias in info.aliases:
                lines += ["    if v is _U:", f"        v = get({alias!r}, _U)"]
            lines += [f"    {line}" for line in bodies[n]]
            lines.append(f"    a{n} = v")
        args = ", ".join(f"{info.name}=a{n}" for n, info in enumerate(infos))
        lines.append(f"    obj = _cls({args})")
        lines += _tail_code(bool(required))
        # The sparse path: one small converter per field, applied to the keys present only.
        for n, _info in enumerate(infos):
            lines.append(f"def _c{n}(v, _at):")
            lines += [f"    {line}" for line in bodies[n]]
            lines.append("    return v")
        lines += [
            "def _sparse(o, _at):",
            "    kw = {}",
            "    for k, v in o.items():",
            "        c = _by_wire.get(k)",
            "        if c is not None and c[0] not in kw:",
            "            kw[c[0]] = c[1](v, _at)",
            "    obj = _cls(**kw)",
        ]
        lines += _tail_code(bool(required))
        ns.update(_FAST_TYPES)
        exec("\n".join(lines), ns)  # noqa: S102 - code built above from attrs metadata only
        ns["_by_wire"] = {
            wire: (info.name, ns[f"_c{n}"])
            for n, info in enumerate(infos)
            for wire in (info.wire, *info.aliases)
        }
        return ns["structure"]  # type: ignore[no-any-return]

    def _slow_path(self, model: str, info: _FieldInfo) -> Callable[[Any, str | None], Any]:
        """Return the repairing (or raising) conversion for values off the fast path."""
        name = info.name

        def convert(value: Any, at: str | None = None) -> Any:
            place = at or model
            if value is None or (value == "" and info.kind in ("date", "datetime")):
                # Settings resources send "" for an unset date: read as null.
                if not info.nullable:
                    self._deviate(place, name, "unexpected_null", value)
                return None
            return self._convert(place, name, info.kind, info.target, value)

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
        if isinstance(value, str) and _NUMERIC.fullmatch(value) is not None:
            # Accounting sends money and quantities as JSON strings ("10.0") as often as
            # numbers: both are the API's normal encoding, not drift. Only the JSON number
            # syntax counts: Python's Decimal() also reads "1_000", " 10 " and other scripts'
            # digits, which no API sends.
            return Decimal(value)
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

    def _extras(
        self,
        model: str,
        data: Mapping[str, Any],
        known: frozenset[str],
        is_open: Callable[[str], object] | None,
    ) -> Any:
        extras = {k: v for k, v in data.items() if k not in known}
        for key in extras:
            if is_open is None or not is_open(key):  # open keys (Sales Z_ fields) are no drift
                self._deviate(model, key, "unknown_key", None)
        return extras

    def _missing(self, model: str, data: Mapping[str, Any], required: frozenset[str]) -> None:
        for key in sorted(required - data.keys()):
            self._deviate(model, key, "missing_required", None)

    def _deviate(self, place: str, field: str, kind: DriftKind, value: Any) -> None:
        # ``place`` is a model name, or a dotted path from the top model for nested objects.
        model, _, inner = place.partition(".")
        if inner:
            field = f"{inner}.{field}"
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


def _field_code(n: int, info: _FieldInfo) -> list[str]:
    """
    The lines that turn the wire value ``v`` of field ``n`` into its model value: an inline
    fast path for the declared type, the field's slow path (``_f<n>``) otherwise.
    """
    slow = f"_f{n}(v, _at)"
    null = " and v is not None" if info.nullable else ""
    inner = f"_p{n} if _at is None else _at + _s{n}"  # where a nested object sits
    kind = info.kind
    if kind == "datetime":
        return [
            "if v.__class__ is str:",
            "    try:",
            "        v = _dt(v)",
            "    except ValueError:",
            f"        v = {slow}",
            "    else:",
            "        if v.tzinfo is None:",
            f"            v = {slow}",
            f"elif v is not _U{null}:",
            f"    v = {slow}",
        ]
    if kind == "date":
        return [
            "if v.__class__ is str and len(v) == 10:",
            "    try:",
            "        v = _d(v)",
            "    except ValueError:",
            f"        v = {slow}",
            f"elif v is not _U{null}:",
            f"    v = {slow}",
        ]
    if kind == "decimal":
        return [
            "if v.__class__ is float:",
            "    v = _D(_r(v))",
            "elif v.__class__ is str:",
            f"    v = _D(v) if _num(v) is not None else {slow}",
            "elif v.__class__ is int:",
            "    v = _D(v)",
            f"elif v is not _U{null}:",
            f"    v = {slow}",
        ]
    if kind == "model":
        return [
            "if v.__class__ is dict:",
            f"    v = _m{n}(v, None, {inner})",
            f"elif v is not _U{null}:",
            f"    v = {slow}",
        ]
    fast = _FAST.get(kind)
    if fast is not None:
        return [f"if v.__class__ is not {fast} and v is not _U{null}:", f"    v = {slow}"]
    if kind == "list" and info.target[0] == "model":
        return [
            "if v.__class__ is list:",
            f"    p = {inner}",
            f"    v = [_m{n}(x, None, p) if x.__class__ is dict else _f{n}([x], _at)[0]"
            "         for x in v]",
            f"elif v is not _U{null}:",
            f"    v = {slow}",
        ]
    if kind == "list":
        return [f"if v is not _U{null}:", f"    v = {slow}"]
    return []


def _tail_code(required: bool) -> list[str]:
    """The end of a structure function: required keys, unknown keys, return."""
    lines = ["    if not o.keys() >= _required:", "        _missing(o, _at)"] if required else []
    return [
        *lines,
        "    if not _known.issuperset(o):",
        "        obj.extras = _extras(o, _at)",
        "    return obj",
    ]


def _open_matcher(cls: type) -> Callable[[str], object] | None:
    """The matcher of a model's open keys (``__sage_open__`` patterns), or ``None``."""
    patterns: tuple[str, ...] = getattr(cls, "__sage_open__", ())
    return re.compile("|".join(f"(?:{p})" for p in patterns)).match if patterns else None


#: A number as JSON writes one (ASCII digits, optional sign, fraction and exponent), also as
#: text; ``.5`` and ``10.`` are accepted as well.
_NUMERIC = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
#: Models with more fields than this take the sparse path for dicts under a quarter of their size.
_SPARSE_MIN_FIELDS = 8
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
