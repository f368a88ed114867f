"""
The expression tree of a ``where`` filter: immutable, hashable values with structural equality.

Strictly private; the public names are re-exported from :mod:`sage_async.filters`::

    Where                    base type: & | ~, render(), evaluate(), no truth value
    ├── Comparison           field <op> literal       (=, <>, <, <=, >, >=, LIKE, NOT LIKE)
    ├── NullCheck            field IS [NOT] NULL
    ├── And                  two or more operands, never an And directly inside
    ├── Or                   two or more operands, never an Or directly inside
    └── Not                  NOT (operand), only around And/Or (leaves negate exactly)
    Literal                  (kind, text): "string" holds the decoded text, "number" the digits

Trees nest at most :data:`MAX_DEPTH` levels (``a = 1`` is one level, ``NOT (a = 1 AND b = 2)``
three); a deeper And/Or/Not is refused when built, and :func:`~sage_async.filters.parse` refuses
text that would build one, so every tree renders, parses and compares without deep recursion.

Values are normalised when a node is built (a datetime becomes the string literal
``'2025-01-01T00:00:00Z'``, ``True`` the number ``1``), so ``parse(expr.render()) == expr`` holds
exactly for every tree the builder or the parser can produce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from sage_async._errors import FilterValueError
from sage_async.filters._values import (
    MAX_NUMBER_LENGTH,
    NUMBER,
    LiteralKind,
    check_field_name,
    check_string,
    quote,
)


MAX_DEPTH: Final = 100
"""The most levels a filter tree may nest (a comparison alone is one level)."""

COMPARISON_OPERATORS: Final = ("=", "<>", "<", "<=", ">", ">=", "LIKE", "NOT LIKE")
# Negating a comparison gives the opposite operator; exact under SQL's three-valued logic (a
# comparison with NULL is UNKNOWN either way, and NOT UNKNOWN is UNKNOWN).
_OPPOSITE: Final = {
    "=": "<>",
    "<>": "=",
    "<": ">=",
    ">=": "<",
    ">": "<=",
    "<=": ">",
    "LIKE": "NOT LIKE",
    "NOT LIKE": "LIKE",
}


class Where:
    """
    A ``where`` filter expression (base type of every node).

    Combine with ``&`` (AND), ``|`` (OR) and ``~`` (NOT). ``str(expr)`` and ``expr.render()``
    give the wire text. Expressions have no truth value: ``if F.x == 1:`` or ``a and b`` raise
    :class:`~sage_async.FilterValueError` instead of silently picking one operand.
    """

    __slots__ = ()

    def render(self) -> str:
        """
        Return the wire text of this expression for the ``where`` query parameter.

        The text is canonical: keywords upper case, single spaces, single-quoted strings, ``<>``
        for "not equal", minimal parentheses, except that a top-level OR is wrapped in
        parentheses (the documented examples do so, and a server that appends the text to its
        own conditions with AND would otherwise change its meaning).
        """
        text = self._render()
        return f"({text})" if isinstance(self, Or) else text

    def _render(self) -> str:
        raise NotImplementedError

    @property
    def depth(self) -> int:
        """How many levels this tree nests: 1 for a comparison, 1 more per And/Or/Not."""
        return 1

    def field_names(self) -> frozenset[str]:
        """Return the wire names of every field this expression mentions."""
        raise NotImplementedError

    def evaluate(self, record: Mapping[str, Any]) -> bool:
        """
        Tell whether ``record`` (a decoded JSON object) matches this filter.

        See :func:`sage_async.filters.compile_predicate` for the semantics.
        """
        from sage_async.filters._evaluate import compile_predicate

        return compile_predicate(self)(record)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Where<{self.render()}>"

    def __bool__(self) -> bool:
        raise FilterValueError(
            f"{self!r} has no truth value: combine filters with & | ~ (not and/or/not), and "
            "test fields with F.x == v only to build a filter"
        )

    def __and__(self, other: Where) -> Where:
        if not isinstance(other, Where):
            return NotImplemented
        return And(_flatten(And, (self, other)))

    def __or__(self, other: Where) -> Where:
        if not isinstance(other, Where):
            return NotImplemented
        return Or(_flatten(Or, (self, other)))

    def __invert__(self) -> Where:
        return Not(self)


def _check_operands(instance: And | Or, attribute: attrs.Attribute[Any], value: Any) -> None:
    kind = type(instance)
    if len(value) < 2:
        raise FilterValueError(f"{kind.__name__} needs at least two operands")
    for operand in value:
        if not isinstance(operand, Where):
            raise FilterValueError(f"{kind.__name__} operands must be Where, not {operand!r}")
        if isinstance(operand, kind):
            raise FilterValueError(f"{kind.__name__} cannot hold an {kind.__name__} directly")


def _as_tuple(operands: Iterable[Where]) -> tuple[Where, ...]:
    return tuple(operands)


def _depth_of(node: And | Or | Not) -> int:
    # Runs before the validators: a bad operand counts 0 here and is refused by its validator.
    children: tuple[object, ...] = node.operands if isinstance(node, And | Or) else (node.operand,)
    return 1 + max((c.depth for c in children if isinstance(c, Where)), default=0)


def _check_depth(instance: And | Or | Not, attribute: attrs.Attribute[Any], value: int) -> None:
    if value > MAX_DEPTH:
        raise FilterValueError(
            f"filter nested deeper than {MAX_DEPTH} levels (And/Or/Not inside one another); "
            "join long lists with and_()/or_() or F.x.in_(), which stay flat"
        )


def _depth_field() -> Any:
    # Derived from the operands (set first), left out of equality, hashing and repr.
    return attrs.field(
        init=False,
        default=attrs.Factory(_depth_of, takes_self=True),
        validator=_check_depth,
        eq=False,
        repr=False,
    )


def _flatten(kind: type[And | Or], operands: Iterable[Where]) -> tuple[Where, ...]:
    flat: list[Where] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return tuple(flat)


def _check_literal(instance: Literal, attribute: attrs.Attribute[Any], value: str) -> None:
    if instance.kind == "string":
        check_string(value)
    elif instance.kind == "number":
        if len(value) > MAX_NUMBER_LENGTH:
            raise FilterValueError(
                f"a number literal is at most {MAX_NUMBER_LENGTH} characters, not {len(value)}"
            )
        if NUMBER.fullmatch(value) is None:
            raise FilterValueError(f"{value!r} is not a number literal (digits, optional - and .)")
    else:
        raise FilterValueError(f"literal kind must be 'string' or 'number', not {instance.kind!r}")


@attrs.frozen
class Literal:
    """
    A value in a filter, in its rendered form.

    Attributes:
        kind: ``"string"`` (``text`` is the decoded content, without quotes) or ``"number"``
            (``text`` is the numeral as written: ``10``, ``-2.50``).
        text: see ``kind``.
    """

    kind: LiteralKind
    text: str = attrs.field(validator=_check_literal)

    def render(self) -> str:
        """Return the literal as it appears in the wire text."""
        return quote(self.text) if self.kind == "string" else self.text

    def __str__(self) -> str:
        return self.render()


@attrs.frozen(repr=False)
class Comparison(Where):
    """``field <op> value``, e.g. ``dateUpdated > '2025-01-01T00:00:00Z'`` or ``name LIKE 'A%'``."""

    field: str = attrs.field(validator=lambda _i, _a, v: check_field_name(v))
    op: str = attrs.field(validator=attrs.validators.in_(COMPARISON_OPERATORS))
    value: Literal = attrs.field(validator=attrs.validators.instance_of(Literal))

    def __attrs_post_init__(self) -> None:
        if self.op.endswith("LIKE") and self.value.kind != "string":
            raise FilterValueError(f"{self.op} for field {self.field!r} needs a string pattern")

    def _render(self) -> str:
        return f"{self.field} {self.op} {self.value.render()}"

    def field_names(self) -> frozenset[str]:
        """Return the wire names of every field this expression mentions."""
        return frozenset((self.field,))

    def __invert__(self) -> Where:
        return Comparison(self.field, _OPPOSITE[self.op], self.value)


@attrs.frozen(repr=False)
class NullCheck(Where):
    """
    ``field IS NULL`` (or ``IS NOT NULL`` when ``negated``).

    The API documents no NULL test; the syntax is standard SQL but unverified against the server.
    """

    field: str = attrs.field(validator=lambda _i, _a, v: check_field_name(v))
    negated: bool = False

    def _render(self) -> str:
        return f"{self.field} IS {'NOT ' if self.negated else ''}NULL"

    def field_names(self) -> frozenset[str]:
        """Return the wire names of every field this expression mentions."""
        return frozenset((self.field,))

    def __invert__(self) -> Where:
        return NullCheck(self.field, not self.negated)


@attrs.frozen(repr=False)
class And(Where):
    """Every operand holds (``a AND b AND c``); build it with ``&`` or :func:`and_`."""

    operands: tuple[Where, ...] = attrs.field(converter=_as_tuple, validator=_check_operands)
    _depth: int = _depth_field()

    @property
    def depth(self) -> int:
        """How many levels this tree nests: 1 for a comparison, 1 more per And/Or/Not."""
        return self._depth

    def _render(self) -> str:
        # AND binds tighter than OR, so only an OR operand needs parentheses.
        return " AND ".join(
            f"({o._render()})" if isinstance(o, Or) else o._render() for o in self.operands
        )

    def field_names(self) -> frozenset[str]:
        """Return the wire names of every field this expression mentions."""
        return frozenset().union(*(o.field_names() for o in self.operands))


@attrs.frozen(repr=False)
class Or(Where):
    """At least one operand holds (``a OR b``); build it with ``|``, :func:`or_` or ``.in_()``."""

    operands: tuple[Where, ...] = attrs.field(converter=_as_tuple, validator=_check_operands)
    _depth: int = _depth_field()

    @property
    def depth(self) -> int:
        """How many levels this tree nests: 1 for a comparison, 1 more per And/Or/Not."""
        return self._depth

    def _render(self) -> str:
        return " OR ".join(o._render() for o in self.operands)

    def field_names(self) -> frozenset[str]:
        """Return the wire names of every field this expression mentions."""
        return frozenset().union(*(o.field_names() for o in self.operands))


@attrs.frozen(repr=False)
class Not(Where):
    """
    ``NOT (operand)``.

    ``~`` produces it only around AND/OR groups: a negated comparison flips its operator
    (``~(F.x == 1)`` is ``x <> 1``) and ``~~e`` is ``e``. NOT is standard SQL but not among the
    documented operators of the API, so its support by the server is unverified.
    """

    operand: Where = attrs.field(validator=attrs.validators.instance_of(Where))
    _depth: int = _depth_field()

    @property
    def depth(self) -> int:
        """How many levels this tree nests: 1 for a comparison, 1 more per And/Or/Not."""
        return self._depth

    def _render(self) -> str:
        return f"NOT ({self.operand._render()})"

    def field_names(self) -> frozenset[str]:
        """Return the wire names of every field this expression mentions."""
        return self.operand.field_names()

    def __invert__(self) -> Where:
        return self.operand


def and_(*operands: Where) -> Where:
    """
    Combine filters with AND; one operand is returned as is.

    Raises:
        FilterValueError: no operand, or an operand that is not a :class:`Where`.
    """
    return _combine(And, operands, lambda a, b: a & b)


def or_(*operands: Where) -> Where:
    """
    Combine filters with OR; one operand is returned as is.

    Raises:
        FilterValueError: no operand, or an operand that is not a :class:`Where`.
    """
    return _combine(Or, operands, lambda a, b: a | b)


def _combine(
    kind: type[And | Or], operands: tuple[Where, ...], join: Callable[[Where, Where], Where]
) -> Where:
    if not operands:
        raise FilterValueError(f"{kind.__name__.lower()}_() needs at least one filter")
    for operand in operands:
        if not isinstance(operand, Where):
            raise FilterValueError(f"{kind.__name__.lower()}_() takes Where, not {operand!r}")
    if len(operands) == 1:
        return operands[0]
    return kind(_flatten(kind, operands))  # one pass: thousands of operands stay linear
