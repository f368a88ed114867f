"""
The special actions and voids of the Accounting sandbox (the ``actions``/``void`` of each
resource's ``x-sage-resource``, see ``openapi/accounting-v3.1.yaml``).

- ``POST /{resource}/{key}/release`` (sales/purchase invoices and credit notes): the draft gets
  the status ``UNPAID``; 201 with the record.
- ``POST /journals/{key}/reissue``: the journal is replaced by a copy with a new id (the old one
  is deleted); 201 with the new journal.
- ``GET /bank_accounts/{key}/bank_feed``: 200 with a link to the account's bank feed.
- ``GET /attachments/{key}/file``: 200 with the file's bytes (a few deterministic bytes per
  attachment), typed with the record's ``mime_type``; an ``Accept`` header that rules out
  ``application/octet-stream`` is refused with 406, as the API does.
- ``DELETE /{resource}/{key}?void_reason=...`` on voidable artefacts: 200 with the record, now
  ``VOID`` with its ``void_reason``, still listed. Without ``void_reason`` the sandbox deletes
  the record outright (204), like the API does for drafts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from sage_async.testing._http import accounting_error, json_response
from sage_async.testing._store import Collection, Dataset


__all__ = ["attachment_bytes", "perform_action", "void"]

PROTECTED: Final = frozenset(
    {"id", "$path", "displayed_as", "created_at", "updated_at", "deleted_at"}
)


def _status(code: str, name: str) -> dict[str, str]:
    return {"id": code, "displayed_as": name, "$path": f"/artefact_statuses/{code}"}


def attachment_bytes(key: str) -> bytes:
    """The sandbox's file content of attachment ``key`` (deterministic, a few dozen bytes)."""
    return f"%sandbox attachment {key}\n".encode() * 3


async def perform_action(request: web.Request, dataset: Dataset, col: Collection) -> web.Response:
    """``<method> /{resource}/{key}/{action}``: run one declared special action."""
    name = request.match_info["action"]
    action = col.spec.action(name)
    if action is None:
        return accounting_error(404, "RecordNotFound", f"No action {name!r} here")
    if action.method != request.method:
        return accounting_error(405, "MethodNotAllowed", f"{request.method} is not allowed here")
    i = col.index_of(request.match_info["key"])
    if i is None or i in col.deleted:
        return accounting_error(404, "RecordNotFound", "Record not found")
    record = col.get(i) or {}
    if name == "file":
        accept = request.headers.get("Accept", "*/*")
        if not any(t in accept for t in ("application/octet-stream", "*/*")):
            return accounting_error(406, "NotAcceptable", "Accept application/octet-stream")
        mime = record.get("mime_type")
        if not (isinstance(mime, str) and "/" in mime):
            mime = "application/octet-stream"
        return web.Response(body=attachment_bytes(request.match_info["key"]), content_type=mime)
    if name == "bank_feed":
        path = f"{col.spec.path}/{request.match_info['key']}/bank_feed"
        return json_response({"id": record.get("id"), "displayed_as": "Bank feed", "$path": path})
    if name == "reissue":
        copy = {k: v for k, v in record.items() if k not in PROTECTED}
        col.delete(i)
        return json_response(col.create(copy), 201)
    # release: a draft becomes a posted, unpaid artefact
    changes: Mapping[str, Any] = (
        {"status": _status("UNPAID", "Unpaid")} if "status" in col.wires else {}
    )
    return json_response(col.update(i, changes), 201)


def void(request: web.Request, col: Collection, i: int) -> web.Response | None:
    """
    Void record ``i`` when the request gives a ``void_reason``: 200 with the voided record.

    Returns ``None`` when there is no reason (the caller deletes the record outright).
    """
    reason = request.query.get("void_reason", "")
    if not reason:
        return None
    changes: dict[str, Any] = {"void_reason": reason}
    if "status" in col.wires:
        changes["status"] = _status("VOID", "Void")
    record = col.update(i, changes)
    return json_response(record, 200)
