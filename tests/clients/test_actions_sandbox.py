"""Special actions, voids, settings and bare-array lists through the resource API (sandbox)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sage_async import AccountingClient, NotFoundError
from sage_async.models import accounting
from sage_async.testing import Sandbox
from sage_async.testing._acc_actions import attachment_bytes


RELEASABLE = ("sales_invoices", "sales_credit_notes", "purchase_invoices", "purchase_credit_notes")


async def test_release_reissue_bank_feed_and_download(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """Each special action of the spec answers its declared model (bytes for the file)."""
    async with accounting_client() as client:
        for name in RELEASABLE:
            key = sandbox.ids("accounting", name)[0]
            released = await client.resource(name).release(key)
            assert (key, "UNPAID") == (released.id, released.status.id)
        journal = sandbox.ids("accounting", "journals")[0]
        new = await client.journals.reissue(journal)
        assert isinstance(new, accounting.Journal)
        assert journal != new.id
        with pytest.raises(NotFoundError):
            await client.journals.get(journal)
        account = sandbox.ids("accounting", "bank_accounts")[0]
        feed = await client.bank_accounts.bank_feed(account)
        assert f"/bank_accounts/{account}/bank_feed" == feed.path
        attachment = sandbox.ids("accounting", "attachments")[0]
        assert attachment_bytes(attachment) == await client.attachments.download(attachment)
        chunks = [c async for c in client.attachments.download_stream(attachment, chunk_size=7)]
        assert attachment_bytes(attachment) == b"".join(chunks)
    assert 0 == client.converter.drift.total, str(client.converter.drift)


@pytest.mark.parametrize(
    "name", ["sales_invoices", "sales_credit_notes", "sales_corrective_invoices"]
)
async def test_delete_with_void_reason_returns_the_voided_record(
    name: str, sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """delete(key, void_reason=...) answers the voided record; it stays readable as VOID."""
    key = sandbox.ids("accounting", name)[2]
    async with accounting_client() as client:
        resource = client.resource(name)
        voided = await resource.delete(key, void_reason="duplicate")
        assert (key, "duplicate", "VOID") == (voided.id, voided.void_reason, voided.status.id)
        assert "VOID" == (await resource.get(key)).status.id


async def test_settings_singletons_and_the_bare_array_list(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """Settings get and update without a key; tax_determinations lists from a bare array."""
    async with accounting_client() as client:
        for name in ("financial_settings", "invoice_settings", "business_settings"):
            resource = client.resource(name)
            before = await resource.get()
            after = await resource.update(None, {})
            assert before.path == after.path
        page = await client.tax_determinations.list()
        assert page.items
        assert page.last
        assert all(isinstance(item, accounting.TaxRate) for item in page.items)
