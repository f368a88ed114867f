"""The fleet file: its checks, and the rule that it never holds a secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sage_async._errors import UsageError
from sage_async.fleet import TenantIncomplete, load_fleet, parse_fleet, run_tenant


SALES = {"label": "acme", "api": "sales", "public_key_env": "PUB", "private_key_env": "PRIV"}
ACCOUNTING = {
    "label": "bakery", "api": "accounting", "client_id_env": "CID",
    "client_secret_env": "CSECRET", "tokens": "tokens/bakery.json",
}  # fmt: skip


def test_defaults_apply_and_relative_token_stores_follow_the_file(tmp_path: Path) -> None:
    """[defaults] fill every tenant; a relative token path is relative to the fleet file."""
    file = tmp_path / "fleet.toml"
    file.write_text(
        '[defaults]\nresources = ["accounts"]\nsince = "auto"\nretries = 5\n\n'
        '[[tenants]]\nlabel = "acme"\napi = "sales"\npublic_key_env = "PUB"\n'
        'private_key_env = "PRIV"\n\n[[tenants]]\nlabel = "bakery"\napi = "accounting"\n'
        'resources = ["contacts"]\nclient_id_env = "CID"\nclient_secret_env = "CS"\n'
        'tokens = "t/bakery.json"\n',
        encoding="utf-8",
    )
    fleet = load_fleet(file)
    acme, bakery = fleet.tenants
    assert ("accounts",) == acme.resources
    assert "auto" == acme.since == bakery.since
    assert 5 == acme.retries == bakery.retries
    assert str(tmp_path / "t" / "bakery.json") == bakery.tokens


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({**SALES, "private_key": "s3cret"}, "key 'private_key': secrets never go in the"),
        ({**ACCOUNTING, "refresh_token": "rt"}, "key 'refresh_token': secrets never go"),
        ({**SALES, "privat_key_env": "X"}, "'privat_key_env' for the sales API; did you mean"),
        ({**SALES, "label": "../up"}, "tenant #1: key 'label' must be a name"),
        ({**SALES, "api": "crm"}, "tenant 'acme': key 'api' must be 'sales' or 'accounting'"),
        ({**SALES, "resources": ["acounts"]}, "sales resource 'acounts'; did you mean accounts"),
        ({**ACCOUNTING, "tokens": None}, "tenant 'bakery': key 'tokens' must be a non-empty"),
        ({**SALES, "public_key_env": "not a name"}, "'public_key_env' must name an environment"),
        ({**SALES, "since": "yesterday"}, "key 'since' must be \"auto\" or an ISO-8601"),
        ({**SALES, "retries": -1}, "key 'retries' must be a non-negative integer"),
        ({**SALES, "format": "xml"}, "key 'format' must be one of"),
    ],
)  # fmt: skip
def test_a_wrong_tenant_is_refused_naming_file_tenant_and_key(
    table: dict[str, object], message: str
) -> None:
    """Each mistake is a UsageError naming the file, the tenant and the key."""
    with pytest.raises(UsageError) as caught:
        parse_fleet({"tenants": [table]}, source="fleet.toml")
    assert str(caught.value).startswith("fleet.toml: tenant ")
    assert message in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_duplicate_labels_and_empty_fleets_are_refused() -> None:
    """Two tenants with one label would share a directory; a fleet needs a tenant."""
    with pytest.raises(UsageError, match="tenant 'acme': label used twice"):
        parse_fleet({"tenants": [SALES, SALES]}, source="f.toml")
    with pytest.raises(UsageError, match="no tenants"):
        parse_fleet({"defaults": {}}, source="f.toml")


def test_a_missing_file_and_bad_toml_are_usage_errors(tmp_path: Path) -> None:
    """A fleet file that is missing or not TOML is refused with its name."""
    with pytest.raises(UsageError, match="does not exist"):
        load_fleet(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[tenants]\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad\.toml: not valid TOML"):
        load_fleet(bad)


def test_a_credential_variable_missing_on_the_worker_fails_the_tenant_at_once(
    tmp_path: Path,
) -> None:
    """
    run_tenant (the Dask task) reports a missing variable as a failed tenant without raising:
    a retry cannot fix it. Nothing is sent.
    """
    tenant = parse_fleet({"tenants": [{**SALES, "resources": ["accounts"]}]}).tenants[0]
    report = run_tenant(tenant, str(tmp_path), env={"PUB": "key"})
    assert "failed" == report["status"]
    assert (
        "environment variable PRIV (private_key_env) is not set on the worker"
        == report["error"].split(": ", 1)[1]
    )


def test_tenant_incomplete_survives_pickling() -> None:
    """Dask ships the task's exception back to the client: it must pickle with its report."""
    import pickle

    error = pickle.loads(pickle.dumps(TenantIncomplete({"label": "a", "error": "boom"})))
    assert "boom" == str(error)
    assert {"label": "a", "error": "boom"} == error.report


def test_import_sage_async_does_not_import_dask() -> None:
    """Dask is optional: importing the package (and the fleet module) leaves it unloaded."""
    code = "import sys, sage_async, sage_async.fleet; print('distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == out.stdout.strip()


def test_the_cli_refuses_a_bad_fleet_file_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sage-async fleet export` with a missing fleet file: exit 2, one error line, no cluster."""
    from sage_async.cli import main

    status = main(["fleet", "export", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")])
    assert 2 == status
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err)
    assert err[0].startswith("sage-async: error: fleet file ")


def test_the_cli_takes_a_scheduler_or_workers_not_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--scheduler and --workers exclude each other (a usage error, exit 2)."""
    from sage_async.cli import main

    argv = ["fleet", "export", "f.toml", "--out", "o", "--scheduler", "tcp://h:1", "--workers", "2"]
    assert 2 == main(argv)
    assert "not allowed with argument" in capsys.readouterr().err
