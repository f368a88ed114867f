"""The sandbox hosts many tenants: Sales key pairs with their own data, per-tenant limits."""

from __future__ import annotations

import pytest

from sage_async.testing import Sandbox


def test_each_sales_tenant_has_its_own_keys_and_data() -> None:
    """Tenant i logs in with the keys suffixed -i and sees records of its own seed."""
    sb = Sandbox(seed=3, sales_tenants=3, sales_records=5)
    first, third = sb.sales_tenant_credentials(0), sb.sales_tenant_credentials(2)
    assert first == sb.sales_credentials
    assert ("sandbox-public-key-2", "sales-2") == (third.public_key, third.label)
    assert third == sb.state.sales_login(third.public_key, third.private_key)
    assert sb.state.sales_login(third.public_key, first.private_key) is None
    names = [sb.collection("sales", "accounts", tenant=i).get(0)["name"] for i in range(3)]
    assert 3 == len(set(names))
    assert [1, 2, 3, 4, 5] == sb.ids("sales", "accounts", tenant=2)
    with pytest.raises(IndexError, match="no Sales tenant 3"):
        sb.sales_tenant_credentials(3)


def test_a_tenant_limit_replaces_the_api_limit_for_that_tenant_only() -> None:
    """rate_limit(tenant=...) limits one tenant; the others keep the API-wide limit."""
    sb = Sandbox(sales_tenants=2)
    sb.faults.rate_limit("sales", per_second=3)
    sb.faults.rate_limit("sales", per_second=1, tenant="sales-1")
    assert [None, 1] == [sb.faults.check_rate("sales", "sales-1") for _ in range(2)]
    assert [None, None, None, 1] == [sb.faults.check_rate("sales", "sales") for _ in range(4)]
