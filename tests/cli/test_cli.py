"""The sage-async command line: usage errors, the sandbox quickstart, progress, login."""

from __future__ import annotations

import asyncio
import io
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from sage_async.cli import main
from sage_async.cli._parser import listable
from sage_async.cli._progress import ProgressDisplay, describe
from sage_async.export import Progress
from sage_async.testing import Sandbox


CREDENTIAL_VARIABLES = (
    "SAGE_SALES_PUBLIC_KEY", "SAGE_SALES_PRIVATE_KEY", "SAGE_ACCOUNTING_CLIENT_ID",
    "SAGE_ACCOUNTING_CLIENT_SECRET", "SAGE_ACCOUNTING_REFRESH_TOKEN",
    "SAGE_ACCOUNTING_ACCESS_TOKEN", "SAGE_ACCOUNTING_TOKENS", "SAGE_ACCOUNTING_BUSINESS_ID",
)  # fmt: skip


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from an environment without Sage credentials."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert 1 == len(lines), err
    assert lines[0].startswith("sage-async: error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["export", "sales", "acounts", "--out", "X", "--sandbox"], "did you mean accounts or"),
        (["export", "accounting", "stock_item", "--out", "X"], "did you mean stock_items"),
        (["export", "sales", "accounts"], "--out"),
        (["export", "sales", "accounts", "--out", "X", "--format", "xml"], "invalid choice"),
        (["export", "sales", "accounts", "--out", "X", "--concurrency", "0"], "positive"),
        (["export", "sales", "accounts", "--out", "X", "--since", "last week"], "--since"),
        (["export", "sales", "accounts", "--out", "X"], "SAGE_SALES_PUBLIC_KEY"),
        (["export", "accounting", "stock_items", "--out", "X"], "SAGE_ACCOUNTING_REFRESH_TOKEN"),
        (["export", "accounting", "stock_items", "--out", "X", "--where", "id = 1"], "Sales only"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bad usage: exit status 2, one line on stderr naming the problem, nothing written."""
    monkeypatch.chdir(tmp_path)
    assert 2 == main(argv)
    assert expected in one_error_line(capsys.readouterr().err)
    assert [] == list(tmp_path.iterdir())


def test_bad_where_shows_the_position_before_any_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The filter parser points at the offending character; exit 2, no output directory."""
    out = tmp_path / "out"
    code = main(["export", "sales", "accounts", "--sandbox", "--records", "10", "--out", str(out),
                 "--where", "name = 'x' AND id >"])  # fmt: skip
    assert 2 == code
    err = capsys.readouterr().err
    first, text, caret = err.rstrip("\n").splitlines()[-3:]
    assert first.startswith("sage-async: error: ")
    assert "position 19" in first
    assert "name = 'x' AND id >" in text
    assert caret.index("^") == text.index("name") + 19
    assert not out.exists()


def test_unwritable_output_directory_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An output path below a file cannot be created: one line, exit 2."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(["export", "sales", "accounts", "--sandbox", "--records", "10",
                 "--out", str(blocker / "out")])  # fmt: skip
    assert 2 == code
    assert "cannot write to output directory" in capsys.readouterr().err.splitlines()[-1]


def test_help_lists_the_resources_of_both_apis(capsys: pytest.CaptureFixture[str]) -> None:
    """export --help names every exportable resource of each API and the exit codes."""
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--help"])
    assert 0 == exit_info.value.code
    out = capsys.readouterr().out
    for name in ("accounts", "sales_orders_lines", "stock_items", "contact_payments"):
        assert name in out
    assert "user," not in out  # a singleton cannot be exported
    assert "2 bad usage" in out


def test_sandbox_export_works_with_no_account(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The quickstart: --sandbox exports seeded records, writes the manifest, exits 0."""
    out = tmp_path / "export"
    code = main(["export", "sales", "accounts", "contacts", "--sandbox", "--records", "700",
                 "--out", str(out), "--format", "csv"])  # fmt: skip
    assert 0 == code
    err = capsys.readouterr().err
    assert "accounts: 700 records" in err
    assert "contacts: 700 records" in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert "complete" == manifest["status"]
    assert 701 == len((out / "accounts.csv").read_text().splitlines())
    assert {
        "accounts.csv", "contacts.csv", "manifest.json", "watermarks.json", ".sage-async.lock",
    } == {p.name for p in out.iterdir()}  # fmt: skip


def test_sandbox_exports_every_listable_sales_collection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every Sales collection with a list (activity_points, calendar, news...) exports."""
    from sage_async.cli._parser import listable

    names = listable("sales")
    assert {"activity_points", "calendar", "campaign_statuses", "news"} <= set(names)
    code = main(["export", "sales", *names, "--sandbox", "--records", "15",
                 "--out", str(tmp_path), "--quiet"])  # fmt: skip
    assert 0 == code, capsys.readouterr().err
    for name in names:
        assert 15 == len((tmp_path / f"{name}.jsonl").read_text().splitlines()), name


def test_accounting_sandbox_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The Accounting side runs against the sandbox too, OAuth and all."""
    code = main(["export", "accounting", "stock_items", "--sandbox", "--records", "450",
                 "--out", str(tmp_path), "--quiet"])  # fmt: skip
    assert 0 == code
    assert 450 == len((tmp_path / "stock_items.jsonl").read_text().splitlines())
    assert "stock_items: 450 records" in capsys.readouterr().err


def test_export_all_writes_every_listable_accounting_collection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`export accounting all --sandbox` writes one file per listable collection, all complete."""
    code = main(["export", "accounting", "all", "--sandbox", "--records", "5",
                 "--out", str(tmp_path), "--quiet"])  # fmt: skip
    assert 0 == code
    names = listable("accounting")
    assert 75 <= len(names)
    assert {"ledger_entries", "tax_determinations", "bank_transfers"} <= set(names)
    written = {p.stem for p in tmp_path.glob("*.jsonl")}
    assert set(names) == written
    for name in names:
        lines = (tmp_path / f"{name}.jsonl").read_text().splitlines()
        assert lines, name
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "complete" == manifest["status"]
    assert {(n, "complete") for n in names} == {
        (r["name"], r["status"]) for r in manifest["resources"]
    }
    capsys.readouterr()


async def test_invalid_credentials_fail_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A refused key: exit 1, an error line, a partial manifest, and the secret never shown."""
    secret = "very-secret-private-key-123"
    monkeypatch.setenv("SAGE_SALES_PUBLIC_KEY", "sandbox-public-key")
    monkeypatch.setenv("SAGE_SALES_PRIVATE_KEY", secret)
    async with Sandbox(seed=1, sales_records=50) as sb:
        code = await asyncio.to_thread(
            main, ["export", "sales", "accounts", "--out", str(tmp_path), "--base-url",
                   sb.sales_url, "--quiet"],
        )  # fmt: skip
    assert 1 == code
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if "error" in line]
    assert 1 == len(errors)
    assert "accounts failed" in errors[0]
    assert "401" in errors[0]
    assert "Traceback" not in captured.err
    manifest_text = (tmp_path / "manifest.json").read_text()
    assert "partial" == json.loads(manifest_text)["status"]
    for text in (captured.out, captured.err, manifest_text):
        assert secret not in text
    assert not (tmp_path / "accounts.jsonl").exists()
    # What to fix, not a --resume that cannot help.
    assert "--resume" not in captured.err
    assert "check SAGE_SALES_PUBLIC_KEY and SAGE_SALES_PRIVATE_KEY" in captured.err
    assert "AuthenticationError" == json.loads(manifest_text)["resources"][0]["error_kind"]


async def test_refused_accounting_token_says_to_log_in_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """invalid_grant: the message says how to get new tokens, and never suggests --resume."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    async with Sandbox(seed=1, accounting_records=20) as sb:
        creds = sb.accounting_credentials
        monkeypatch.setenv("SAGE_ACCOUNTING_CLIENT_ID", creds.client_id)
        monkeypatch.setenv("SAGE_ACCOUNTING_CLIENT_SECRET", creds.client_secret)
        monkeypatch.setenv("SAGE_ACCOUNTING_REFRESH_TOKEN", "not-a-refresh-token")
        code = await asyncio.to_thread(
            main, ["export", "accounting", "stock_items", "--out", str(tmp_path / "out"),
                   "--base-url", sb.accounting_url, "--token-url", sb.token_url, "--quiet"],
        )  # fmt: skip
    assert 1 == code
    err = capsys.readouterr().err
    assert "--resume" not in err
    assert "sage-async login url" in err
    assert "not-a-refresh-token" not in err


def test_resume_with_nothing_to_resume_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--resume without a checkpoint tells the user a new export starts."""
    code = main(["export", "sales", "accounts", "--sandbox", "--records", "30", "--resume",
                 "--out", str(tmp_path), "--quiet"])  # fmt: skip
    assert 0 == code
    assert "nothing to resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("api", "name", "expected"),
    [
        ("sales", "stock_items", "stock_items is an Accounting resource: sage-async export "
         "accounting stock_items"),
        ("accounting", "accounts", "accounts is a Sales Management resource"),
    ],
)  # fmt: skip
def test_a_resource_of_the_other_api_is_named_as_such(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, api: str, name: str, expected: str
) -> None:
    """Naming the other API's resource says which API it belongs to (exit 2)."""
    assert 2 == main(["export", api, name, "--sandbox", "--out", str(tmp_path)])
    assert expected in capsys.readouterr().err


def test_help_shows_defaults_and_promises_no_hidden_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--help shows the defaults of --concurrency and --rate; secrets come from the environment."""
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "default: sized from the rate and the latency, at most 16" in out
    assert "default: the plan's, Sales 4, Accounting 200 per minute" in out
    assert "flags of the same name" not in out
    assert "secrets are never taken as flags" in out
    assert 2 == main(["export", "sales", "accounts", "--out", "x", "--private-key", "k"])


def test_progress_line_shows_totals_and_eta_when_the_total_is_known() -> None:
    """With $total: records of total and an ETA; without: records, pages and records/s."""
    known = Progress("stock_items", "stock_items", 400, 2, 10, 2000, elapsed=1.0, session_pages=2)
    line = describe(known)
    assert "400/2,000 records" in line
    assert "400 rec/s" in line
    assert "ETA 0:04" in line
    unknown = Progress("accounts", "accounts", 600, 2, None, None, elapsed=2.0, session_pages=2)
    assert "accounts  600 records  2 pages  300 rec/s" == describe(unknown)
    converting = Progress("accounts", "accounts", 600, 2, None, None, elapsed=2.0, phase="convert")
    assert describe(converting).startswith("accounts convert  600 records")
    assert 30 == len(describe(known, width=30))


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def visible_lines(text: str) -> list[str]:
    return [ANSI.sub("", part) for part in re.split(r"[\r\n]", text)]


@pytest.mark.parametrize("name", ["stock_items", "ledger_account_opening_balances.deleted"])
def test_progress_at_80_columns_never_writes_a_longer_line(name: str) -> None:
    """On an 80-column terminal every drawn row fits: nothing scrolls on a refresh."""
    tty = io.StringIO()
    display = ProgressDisplay(tty, tty=True, width=80)
    for step in range(1, 30):
        display(Progress(name, name, step * 200, step, 500, 100_000, elapsed=step * 0.5,
                         session_pages=step))  # fmt: skip
    display(Progress("accounts", "accounts", 900_000, 3_000, None, None, elapsed=60.0,
                     session_pages=3_000, done=True))  # fmt: skip
    display.close()
    lines = visible_lines(tty.getvalue())
    assert any(name[:10] in line for line in lines)
    assert max(len(line) for line in lines) <= 80


def test_progress_logs_plain_lines_off_a_terminal() -> None:
    """A pipe gets plain lines at the interval and when a stream completes, no redraws."""
    now = [0.0]
    pipe = io.StringIO()
    display = ProgressDisplay(pipe, tty=False, clock=lambda: now[0])
    for step in range(12):
        now[0] = float(step)
        display(Progress("a", "a", step, step, None, None, elapsed=now[0] + 1, session_pages=step))
    display(Progress("a", "a", 12, 12, None, None, elapsed=12.0, session_pages=12, done=True))
    lines = pipe.getvalue().splitlines()
    assert ["a  5 records", "a  10 records", "a  12 records"] == [
        "  ".join(line.split("  ")[:2]) for line in lines
    ]
    assert "\r" not in pipe.getvalue()
    assert "\x1b" not in pipe.getvalue()


async def test_login_url_and_exchange_save_private_tokens(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """login url keeps the PKCE verifier (0600); exchange writes tokens (0600), prints none."""
    async with Sandbox(seed=2) as sb:
        creds = sb.accounting_credentials
        monkeypatch.setenv("SAGE_ACCOUNTING_CLIENT_ID", creds.client_id)
        monkeypatch.setenv("SAGE_ACCOUNTING_CLIENT_SECRET", creds.client_secret)
        state_file = tmp_path / "login.json"
        argv = ["login", "url", "--redirect-uri", creds.redirect_uri,
                "--authorize-url", sb.authorize_url, "--state-file", str(state_file)]  # fmt: skip
        assert 0 == main(argv)
        printed = capsys.readouterr()
        url = printed.out.strip()
        assert f"--state-file {state_file} " in printed.err  # the hint runs as printed
        assert url.startswith(sb.authorize_url)
        assert "code_challenge=" in url
        assert 0o600 == stat.S_IMODE(state_file.stat().st_mode)
        saved: dict[str, Any] = json.loads(state_file.read_text())
        code = sb.authorization_code(code_verifier=saved["verifier"])
        tokens_file = tmp_path / "tokens.json"
        result = await asyncio.to_thread(
            main, ["login", "exchange", "--code", code, "--redirect-uri", creds.redirect_uri,
                   "--state-file", str(state_file), f"--state={saved['state']}",
                   "--tokens", str(tokens_file), "--token-url", sb.token_url],
        )  # fmt: skip
        assert 0 == result
        assert 0o600 == stat.S_IMODE(tokens_file.stat().st_mode)
        tokens = json.loads(tokens_file.read_text())
        captured = capsys.readouterr()
        assert tokens["refresh_token"] not in captured.err + captured.out
        assert tokens["access_token"] not in captured.err + captured.out
        assert not state_file.exists()
        monkeypatch.setenv("SAGE_ACCOUNTING_TOKENS", str(tokens_file))
        code_ = await asyncio.to_thread(
            main, ["export", "accounting", "stock_items", "--out", str(tmp_path / "out"),
                   "--base-url", sb.accounting_url, "--token-url", sb.token_url, "--quiet"],
        )  # fmt: skip
        assert 0 == code_
        assert 100 == len((tmp_path / "out" / "stock_items.jsonl").read_text().splitlines())
