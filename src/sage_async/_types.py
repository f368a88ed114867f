"""Small shared types: the ``UNSET`` sentinel and the base class of generated models."""

from __future__ import annotations

import enum
from typing import Any, Final, Literal

import attrs


__all__ = ["UNSET", "Model", "Unset"]


class Unset(enum.Enum):
    """
    The type of :data:`UNSET`: a field the payload did not carry.

    It is falsy and distinct from ``None`` (which means the API sent ``null``), so a partial
    update sends exactly the fields that were set.
    """

    UNSET = "UNSET"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


class Model:
    """
    Base class of every generated model: a readable ``repr`` that leaves out unset fields.

    Models are plain attrs classes; decoding and encoding is the converter's job
    (:class:`sage_async.Converter`), never the model's.
    """

    __slots__ = ()
    #: Regular expressions of keys the schema leaves open (``patternProperties``, e.g. ``^Z_``
    #: for Sales custom fields): kept in ``extras`` and never counted as drift. A class-level
    #: constant (not ``ClassVar``-annotated, so that ``typing.get_type_hints`` of a model works
    #: with the model module's globals alone).
    __sage_open__: tuple[str, ...] = ()

    def _fields(self) -> tuple[attrs.Attribute[Any], ...]:
        cls: Any = type(self)  # every concrete model is an attrs class
        return tuple(attrs.fields(cls))

    def __repr__(self) -> str:
        parts = []
        for field in self._fields():
            value = getattr(self, field.name)
            if value is UNSET or (field.name == "extras" and not value):
                continue
            parts.append(f"{field.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Return the set fields as a ``{python_name: value}`` dict (nested models stay models)."""
        return {
            field.name: value
            for field in self._fields()
            if (value := getattr(self, field.name)) is not UNSET and field.name != "extras"
        }
