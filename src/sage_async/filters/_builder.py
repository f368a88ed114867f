"""
The filter builder: ``F.date_updated > since`` and friends.

Strictly private; :data:`F` and :class:`Field` are re-exported from :mod:`sage_async.filters`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Final, overload

import attrs

from sage_async._errors import FilterValueError
from sage_async.filters._ast import Comparison, Literal, NullCheck, Where, or_
from sage_async.filters._values import check_field_name, check_string, render_value, wire_name


if TYPE_CHECKING:
    from sage_async.filters._order import Order


@attrs.frozen(eq=False, repr=False)
class Field:
    """
    A field of a Sales Management resource, by wire name; its operators build filters.

    ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` with a value return a :class:`Where` (``!=``
    renders as ``<>``). Comparing a field with another :class:`Field` gives a plain ``bool``
    (same wire name), so fields can live in sets and dicts; comparing with a :class:`Where`
    is ``False``.

    Values render by type: ``str`` as a single-quoted literal (``'`` doubled; see
    :class:`Literal` for the few refused sequences), ``int``, ``float`` (finite), ``Decimal`` in
    fixed-point notation, ``bool`` as ``1``/``0`` (SQL Server has no boolean literal; bit
    columns compare with 1 and 0), a timezone-aware ``datetime`` as UTC ISO-8601 with ``Z``
    (milliseconds only when non-zero, sub-millisecond digits truncated), a ``date`` as
    ``'YYYY-MM-DD'``.

    Raises:
        FilterValueError: on ``None`` (use :meth:`is_null`), a naive datetime, NaN or infinity,
            or an unsupported type; the message names the field.
    """

    name: str = attrs.field(validator=lambda _i, _a, v: check_field_name(v))
    #: The type the model declares for the field (``str``, ``int``, ``datetime``, ...), when the
    #: field comes from a resource's checked ``fields``: values of another type are refused.
    kind: str | None = attrs.field(default=None, kw_only=True)

    def _compare(self, op: str, value: object) -> Comparison:
        if isinstance(value, Field | Where):
            raise FilterValueError(
                f"cannot compare field {self.name!r} with {value!r}: the right-hand side must be "
                "a value (field-to-field comparisons are not part of the grammar)"
            )
        if self.kind is not None:
            check_kind(self.name, self.kind, value)
        kind, text = render_value(value, field=self.name)
        return Comparison(self.name, op, Literal(kind, text))

    # Comparing with a Field or a Where is plain equality (bool); with a value, a filter.
    # The overlap is deliberate: a Field or a Where is an object, yet gives a bool.
    @overload  # type: ignore[override]
    def __eq__(self, other: Field | Where) -> bool: ...  # type: ignore[overload-overlap]
    @overload
    def __eq__(self, other: object) -> Comparison: ...
    def __eq__(self, other: object) -> Comparison | bool:
        if isinstance(other, Field):
            return self.name == other.name
        if isinstance(other, Where):
            return NotImplemented
        return self._compare("=", other)

    @overload  # type: ignore[override]
    def __ne__(self, other: Field | Where) -> bool: ...  # type: ignore[overload-overlap]
    @overload
    def __ne__(self, other: object) -> Comparison: ...
    def __ne__(self, other: object) -> Comparison | bool:
        if isinstance(other, Field):
            return self.name != other.name
        if isinstance(other, Where):
            return NotImplemented
        return self._compare("<>", other)

    def __hash__(self) -> int:
        return hash((Field, self.name))

    def __lt__(self, value: object) -> Comparison:
        return self._compare("<", value)

    def __le__(self, value: object) -> Comparison:
        return self._compare("<=", value)

    def __gt__(self, value: object) -> Comparison:
        return self._compare(">", value)

    def __ge__(self, value: object) -> Comparison:
        return self._compare(">=", value)

    def like(self, pattern: str) -> Comparison:
        """
        Build ``field LIKE 'pattern'`` (``%`` any run, ``_`` one character).

        Use :func:`escape_like` for text that must match literally.

        Raises:
            FilterValueError: ``pattern`` is not a str or holds a refused sequence.
        """
        return self._compare("LIKE", self._pattern(pattern))

    def not_like(self, pattern: str) -> Comparison:
        """
        Build ``field NOT LIKE 'pattern'``.

        Raises:
            FilterValueError: ``pattern`` is not a str or holds a refused sequence.
        """
        return self._compare("NOT LIKE", self._pattern(pattern))

    def in_(self, values: Iterable[object]) -> Where:
        """
        Build "field equals one of values" as parenthesised OR-ed equalities.

        The grammar documents no ``IN``, so ``F.id.in_([1, 2])`` renders ``(id = 1 OR id = 2)``;
        one value gives a single equality. Duplicates are kept.

        Raises:
            FilterValueError: ``values`` is empty, a bare ``str``, or holds an unrenderable value.
        """
        if isinstance(values, str | bytes):
            raise FilterValueError(f"in_() for field {self.name!r} takes a list of values")
        items = [self._compare("=", value) for value in values]
        if not items:
            raise FilterValueError(f"in_() for field {self.name!r} needs at least one value")
        return or_(*items)

    def is_null(self) -> NullCheck:
        """Build ``field IS NULL`` (standard SQL; unverified against the server)."""
        return NullCheck(self.name)

    def is_not_null(self) -> NullCheck:
        """Build ``field IS NOT NULL`` (standard SQL; unverified against the server)."""
        return NullCheck(self.name, negated=True)

    def asc(self) -> Order:
        """Sort ascending by this field: ``order=field ASC`` (syntax unverified)."""
        from sage_async.filters._order import Order

        return Order(self.name, "asc")

    def desc(self) -> Order:
        """Sort descending by this field, explicitly: ``order=field DESC`` (syntax unverified)."""
        from sage_async.filters._order import Order

        return Order(self.name, "desc")

    def _pattern(self, pattern: object) -> str:
        if not isinstance(pattern, str):
            kind = type(pattern).__name__
            raise FilterValueError(
                f"a LIKE pattern for field {self.name!r} must be a str, not {kind}"
            )
        return check_string(pattern, field=self.name)

    def __bool__(self) -> bool:
        raise FilterValueError(f"{self!r} has no truth value; compare it with a value to filter")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Field<{self.name}>"


#: The Python values a field of each model type is compared with.
_ACCEPTED: Final[dict[str, tuple[type, ...]]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float, Decimal),
    "decimal": (int, float, Decimal),
    "bool": (bool, int),
    "datetime": (dt.datetime, dt.date, str),
    "date": (dt.date, str),
}
_KIND_NAMES: Final = {
    "str": "text", "int": "an integer", "float": "a number", "decimal": "a number",
    "bool": "a boolean", "datetime": "a date-time", "date": "a date",
}  # fmt: skip


def check_kind(field: str, kind: str, value: object) -> None:
    """
    Refuse a value that cannot be what the model declares for ``field`` (before any request).

    Date and date-time fields take a ``datetime``/``date`` or ISO-8601 text; booleans take
    ``True``/``False`` or 0/1; other model kinds (lookups, lists) are not checked.

    Raises:
        FilterValueError: naming the field, its type and the value given.
    """
    accepted = _ACCEPTED.get(kind)
    if accepted is None:
        return
    ok = isinstance(value, accepted)
    if ok and isinstance(value, bool) and kind != "bool":
        ok = False  # True is an int to Python, not to the API
    if ok and kind == "bool" and not isinstance(value, bool):
        ok = value in (0, 1)
    if ok and isinstance(value, str) and kind in ("datetime", "date"):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            ok = False
        else:
            ok = kind == "date" or len(value) == 10 or parsed.tzinfo is not None
    if not ok:
        raise FilterValueError(
            f"field {field!r} is {_KIND_NAMES[kind]}: {value!r} ({type(value).__name__}) "
            "cannot be compared with it"
        )


class _FieldFactory:
    """The type of :data:`F`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Field:
        if name.startswith("_"):
            raise AttributeError(name)
        return Field(wire_name(name))

    def __getitem__(self, name: str) -> Field:
        return Field(name)

    def __repr__(self) -> str:
        return "F"


F: Final = _FieldFactory()
"""
Build filters on any field: ``F.date_updated > since`` is ``dateUpdated > '...'``.

Attribute access maps snake_case to the camelCase wire name (``date_updated`` ->
``dateUpdated``); names that start with ``Z_`` (custom fields) or already hold an uppercase
letter pass through, one trailing ``_`` is dropped (``F.type_``). ``F["raw_name"]`` takes the
wire name exactly as written. No check against the models: use a resource's ``fields``
(:func:`fields_for`) for that.
"""


def escape_like(text: str) -> str:
    """
    Escape ``%``, ``_`` and ``[`` so that ``text`` matches itself literally in a LIKE pattern.

    Uses SQL Server's bracket form (``[%]``, ``[_]``, ``[[]``), which the sandbox evaluator
    understands too; whether the Sales Management server honours it is unverified.
    """
    return "".join(f"[{c}]" if c in "%_[" else c for c in text)
