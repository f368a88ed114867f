"""
Field accessors checked against a generated model: ``client.accounts.fields.date_updated``.

Strictly private; :class:`Fields` and :func:`fields_for` are re-exported from
:mod:`sage_async.filters`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from sage_async._errors import InvalidParameterError, UnknownFieldError
from sage_async.filters._ast import Where
from sage_async.filters._builder import Field
from sage_async.filters._order import Order


class Fields:
    """
    The fields of one resource, as :class:`Field` objects that exist on its model.

    ``fields.date_updated`` and ``fields.dateUpdated`` (or ``fields["dateUpdated"]``) both give
    ``Field<dateUpdated>``; a name the model does not have raises
    :class:`~sage_async.UnknownFieldError` at once, with close names as a hint. Names that start
    with ``Z_`` (Sales custom fields, which live in no model) are let through. The field knows
    the type the model declares, so ``fields.name == 5`` or ``fields.date_updated >=
    "yesterday"`` raise :class:`~sage_async.FilterValueError` before anything is sent.

    Args:
        model: an attrs class generated from the OpenAPI spec; each attrs field carries its wire
            name in ``metadata["wire"]`` (fields without it use their Python name, fields
            marked ``metadata["extras"]`` are skipped).

    Raises:
        InvalidParameterError: ``model`` is not an attrs class.
    """

    __slots__ = ("_by_name", "_kinds", "_model", "_python_names")

    def __init__(self, model: type[Any]) -> None:
        if not attrs.has(model):
            raise InvalidParameterError(f"Fields() needs an attrs model class, not {model!r}")
        by_name: dict[str, str] = {}
        python_names: list[str] = []
        for attribute in attrs.fields(model):
            if attribute.metadata.get("extras"):
                continue
            wire = attribute.metadata.get("wire", attribute.name)
            python_names.append(attribute.name)
            by_name.setdefault(attribute.name, wire)
            by_name.setdefault(wire, wire)
        self._model = model
        self._by_name: Mapping[str, str] = by_name
        self._python_names = tuple(python_names)
        self._kinds: dict[str, str] | None = None  # wire name -> declared kind, on first use

    def _kind(self, wire: str) -> str | None:
        if self._kinds is None:
            from sage_async._converter import _field_infos

            try:
                self._kinds = {info.wire: info.kind for info in _field_infos(self._model)}
            except (NameError, TypeError):  # a hand-made model whose hints do not resolve
                self._kinds = {}
        return self._kinds.get(wire)

    @property
    def model(self) -> type[Any]:
        """The model class the fields are checked against."""
        return self._model

    def get(self, name: str) -> Field:
        """
        Return the field called ``name`` (Python name or wire name).

        Raises:
            UnknownFieldError: the model has no such field (the message suggests close names).
        """
        if name.startswith("Z_"):
            return Field(name)
        wire = self._by_name.get(name)
        if wire is None:
            raise self._unknown(name)
        return Field(wire, kind=self._kind(wire))

    def check(self, item: Where | Order | Field | str) -> None:
        """
        Check that every field a filter, an order or a field names exists on the model.

        Raises:
            UnknownFieldError: for the first unknown field (in sorted order).
        """
        names: Iterable[str]
        if isinstance(item, Where):
            names = sorted(item.field_names())
        elif isinstance(item, Order):
            names = (item.field,)
        else:
            names = (item if isinstance(item, str) else item.name,)
        for name in names:
            self.get(name)

    def _unknown(self, name: object) -> UnknownFieldError:
        model = self._model.__name__
        candidates = list(self._by_name)
        close = difflib.get_close_matches(str(name), candidates, n=3, cutoff=0.6)
        if not close:  # case slips (dateupdated) are not "close" to difflib
            lowered = str(name).lower().replace("_", "")
            close = [c for c in candidates if c.lower().replace("_", "") == lowered][:3]
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        return UnknownFieldError(f"{model} has no field {name!r}{hint}")

    def __getattr__(self, name: str) -> Field:
        if name.startswith("_"):  # private and dunder lookups (copy, pickle) are not fields
            raise AttributeError(name)
        return self.get(name)

    def __getitem__(self, name: str) -> Field:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name

    def __iter__(self) -> Iterator[Field]:
        return (self.get(name) for name in self._python_names)

    def __len__(self) -> int:
        return len(self._python_names)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._python_names})

    def __repr__(self) -> str:
        return f"Fields<{self._model.__name__}: {len(self)} fields>"


def fields_for(model: type[Any]) -> Fields:
    """
    Return the checked field accessor of a generated model (see :class:`Fields`).

    Raises:
        InvalidParameterError: ``model`` is not an attrs class.
    """
    return Fields(model)
