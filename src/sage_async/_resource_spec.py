"""The description of one API resource, as the generated resource tables list them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Literal

import attrs


__all__ = ["Action", "Operation", "Param", "ParamKind", "Related", "ResourceSpec", "ResourceTable"]

Operation = Literal["list", "get", "create", "update", "delete"]
ParamKind = Literal["str", "bool", "int", "datetime", "date", "attributes", "sort", "enum"]


@attrs.frozen
class Param:
    """
    One query parameter of a list or get operation, typed from the spec.

    Attributes:
        name: the wire name (``updated_or_created_since``).
        kind: how a value is checked and rendered: ``str``, ``bool``, ``int``, ``datetime``
            (aware datetime, date or ISO-8601 text), ``date``, ``attributes`` (a list of names,
            a comma string or ``"all"``), ``sort`` or ``enum`` (one of ``choices``).
        choices: the allowed values of an ``enum``.
    """

    name: str
    kind: ParamKind = "str"
    choices: tuple[str, ...] = ()


@attrs.frozen
class Action:
    """
    A special action on one record: ``POST /{key}/release``, ``GET /{key}/file``.

    Attributes:
        name: the action's path segment, also the resource method (``release``, ``reissue``).
        method: ``GET`` or ``POST``.
        returns: the model the API answers with, or ``None`` for a binary body (a file).
    """

    name: str
    method: Literal["GET", "POST"]
    returns: type | None


@attrs.frozen
class Related:
    """
    A sub-resource reached from a collection: ``GET /users/{id}/roles``, ``GET /users/scores``.

    Attributes:
        name: the name :meth:`SalesResource.related` takes (``roles``, ``scores``).
        path: the path below the collection; a ``{placeholder}`` segment takes the key
            (``{id}/roles``, ``phone/{phoneNumber}``), a path without one takes none.
        model: the model of each row of the answer (a bare JSON array).
    """

    name: str
    path: str
    model: type

    @property
    def keyed(self) -> bool:
        """Whether the path takes a key (it has a ``{placeholder}`` segment)."""
        return "{" in self.path


@attrs.frozen
class ResourceSpec:
    """
    One collection of an API: where it lives, which models it uses and what it allows.

    Generated from the ``x-sage-resource`` extensions of ``openapi/*.yaml`` into
    ``sage_async.models.<api>._resources``.

    Attributes:
        name: the Python attribute name on the client (``accounts``, ``stock_items``).
        path: the collection path relative to the API base (``/accounts``, ``/stock_items``).
        model: the read model (what GET returns).
        write_model: the write model (what POST/PUT send), or ``None`` for read-only resources.
        wrap_key: Accounting only: the singular key a write body is wrapped in.
        id_type: ``"integer"`` (Sales) or ``"string"`` (Accounting).
        operations: the operations the API has on this resource.
        list_params: the query parameters the list operation accepts.
        singleton: the resource has no collection (Accounting ``/user``, settings).
        get_params: the query parameters the get operation accepts.
        params: the type of every list and get parameter, by name.
        void: Accounting: DELETE takes ``void_reason`` and answers the voided record.
        actions: special actions on one record (``release``, ``reissue``, ``file``...).
        list_shape: ``envelope`` (Accounting ``$items``) or ``array`` (a bare JSON array).
        related: Sales: sub-resources reached from this collection (``users`` -> ``roles``).
    """

    name: str
    path: str
    model: type
    write_model: type | None
    wrap_key: str | None
    id_type: Literal["integer", "string"]
    operations: frozenset[Operation]
    list_params: tuple[str, ...] = ()
    singleton: bool = False
    get_params: tuple[str, ...] = ()
    params: Mapping[str, Param] = attrs.field(factory=dict)
    void: bool = False
    actions: tuple[Action, ...] = ()
    list_shape: Literal["envelope", "array"] = "envelope"
    related: tuple[Related, ...] = ()

    def supports(self, operation: Operation) -> bool:
        """Return whether the API has ``operation`` on this resource."""
        return operation in self.operations

    def action(self, name: str) -> Action | None:
        """Return the special action called ``name``, if the resource has it."""
        return next((a for a in self.actions if a.name == name), None)

    def sub_resource(self, name: str) -> Related | None:
        """Return the sub-resource called ``name``, if the collection has it."""
        return next((r for r in self.related if r.name == name), None)


class ResourceTable(Mapping[str, ResourceSpec]):
    """
    The generated ``RESOURCES`` table: each row is built on first access.

    Building a row imports the modules of its models, so that loading a client and one resource
    does not load every model of the API (the generated packages split models per resource).

    Args:
        builders: one function per resource name returning its :class:`ResourceSpec`.
    """

    __slots__ = ("_builders", "_built")

    def __init__(self, builders: Mapping[str, Callable[[], ResourceSpec]]) -> None:
        self._builders = dict(builders)
        self._built: dict[str, ResourceSpec] = {}

    def __getitem__(self, name: str) -> ResourceSpec:
        spec = self._built.get(name)
        if spec is None:
            spec = self._built[name] = self._builders[name]()
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def __repr__(self) -> str:
        return f"ResourceTable({sorted(self._builders)!r})"
