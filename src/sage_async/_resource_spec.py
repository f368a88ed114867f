"""The description of one API resource, as the generated resource tables list them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Literal

import attrs


__all__ = ["Action", "Operation", "ResourceSpec", "ResourceTable"]

Operation = Literal["list", "get", "create", "update", "delete"]


@attrs.frozen
class Action:
    """
    A special action on one record, ``<method> <path>/{key}/<name>`` (Accounting ``release``).

    Attributes:
        name: the last path segment (``release``, ``reissue``, ``bank_feed``, ``file``).
        method: the HTTP method, ``"GET"`` or ``"POST"``.
        returns: the model the action answers with, or ``None`` when it answers raw bytes (the
            attachment ``file``).
    """

    name: str
    method: Literal["GET", "POST"]
    returns: type | None


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
        singleton: the resource has no collection (Accounting ``/user``, the settings).
        void: ``DELETE`` takes ``void_reason`` and answers 200 with the voided record.
        actions: the special actions on one record (``release``, ``reissue``, ...).
        list_shape: ``"envelope"`` (the ``$items`` page) or ``"array"`` (a bare JSON array).
        get_params: the query parameters the get operation accepts.
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
    void: bool = False
    actions: tuple[Action, ...] = ()
    list_shape: Literal["envelope", "array"] = "envelope"
    get_params: tuple[str, ...] = ()

    def supports(self, operation: Operation) -> bool:
        """Return whether the API has ``operation`` on this resource."""
        return operation in self.operations

    def action(self, name: str) -> Action | None:
        """Return the special action called ``name``, or ``None`` when the resource has none."""
        return next((action for action in self.actions if action.name == name), None)


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
