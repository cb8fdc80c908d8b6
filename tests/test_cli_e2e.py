"""xpaydesk-cli against the simulator: every API verb, exit codes, and the standalone simulator
stopping cleanly on Ctrl+C. The verb tests run twice (tests/cli_matrix.py): with a solo profile,
and with a team profile whose desk is a real team server process over the same simulator."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli import main
from core.cli.desks import exit_code
from core.cli.exits import EXIT_CODES
from core.remote.errors import LoginRequired, RemoteForbidden, ServerUnreachable
from core.remote.money import StillRunning
from tests.cli_matrix import both, cli_fixture, team_login  # noqa: F401  (fixtures)
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

README = Path(__file__).resolve().parents[1] / "README.md"


@both(
    "user_balance",
    "gift",
    "deduct",
    "cancel_deduction",
    "query_order",
    "refund",
    "check_session",
)
def test_cli_verbs_against_the_simulator(cli, capsys):
    sim, run, ALICE = cli.sim, cli, cli.openid()
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    code, out = run(capsys, "balance", ALICE, "--session-key", key)
    assert (code, out["balance"]) == (0, 600)
    code, out = run(
        capsys,
        "gift",
        ALICE,
        "100",
        "--order-id",
        "GIFTCLI00001",
        "--note",
        "补偿 compensation",
    )
    assert (code, out["state"], out["outcome"]["balance"]) == (0, "done", 700)
    code, out = run(
        capsys,
        "gift",
        ALICE,
        "100",
        "--order-id",
        "GIFTCLI00001",
        "--note",
        "补偿 compensation",
    )
    assert (code, out["state"]) == (0, "done")  # the same request: one intent, one gift
    assert sim.state.account(1, ALICE)["balance"] == 700
    code, out = run(
        capsys,
        "deduct",
        ALICE,
        "50",
        "--session-key",
        key,
        "--order-id",
        "DEDUCTCLI001",
        "--note",
        "误充 mistaken top-up",
    )
    assert (code, out["outcome"]["balance"]) == (0, 650)
    code, out = run(
        capsys,
        "cancel-deduction",
        ALICE,
        "50",
        "--session-key",
        key,
        "--pay-order-id",
        "DEDUCTCLI001",
        "--order-id",
        "CANCELCLI001",
        "--note",
        "撤销 undo",
    )
    assert (code, out["state"]) == (0, "done")
    code, out = run(capsys, "order", "--order-id", order["order_id"], "--openid", ALICE)
    assert (code, out["status"], out["left_fee"]) == (0, 4, 600)
    code, out = run(
        capsys,
        "refund",
        "--openid",
        ALICE,
        "--order-id",
        order["order_id"],
        "--refund-order-id",
        "REFUNDCLI001",
        "--left-fee",
        "600",
        "--refund-fee",
        "600",
        "--reason",
        "3",
        "--note",
        "用户申请 user asked",
    )
    assert (code, out["state"], out["outcome"]["pay_order_id"]) == (
        0,
        "refunding",
        order["order_id"],
    )
    code, out = run(
        capsys,
        "refund",
        "--openid",
        ALICE,
        "--order-id",
        order["order_id"],
        "--refund-order-id",
        "REFUNDCLI002",
        "--left-fee",
        "600",
        "--refund-fee",
        "601",
        "--reason",
        "3",
        "--note",
        "x",
    )
    assert (code, out["error"]["kind"]) == (2, "validation")
    code, out = run(capsys, "check-session", ALICE, "--session-key", key)
    assert (code, out["valid"]) == (0, True)
    sim.state.relogin(ALICE)
    code, out = run(capsys, "check-session", ALICE, "--session-key", key)
    assert (code, out["valid"]) == (1, False)
    code, out = run(capsys, "balance", ALICE, "--session-key", key)
    assert (code, out["error"]["errcode"], out["error"]["kind"]) == (1, 268490009, "xpay")


@both("deliver", "now", "download_bill")
def test_cli_deliver_and_bill_polling(cli, capsys):
    sim, run, ALICE = cli.sim, cli, cli.openid()
    sim.add_user(ALICE)
    item = sim.state.create_order(openid=ALICE, env=1, kind="item", order_fee=990, quantity=1)
    sim.state.pay_order(item["order_id"], push=False)
    code, out = run(capsys, "deliver", "--order-id", item["order_id"], "--note", "补发")
    assert (code, out["state"], out["outcome"]["delivered"]) == (0, "done", item["order_id"])
    assert sim.state.order_row(item["order_id"])["status"] == 4
    code, out = run(
        capsys, "bill", "--from", "20260101", "--to", "20260131", "--poll-interval", "0.01"
    )
    assert code == 0 and out["url"].startswith(sim.url)


@both("find_order", "deliver", "now", "refresh_orders", "refund")
def test_cli_verbs_find_an_order_by_its_wechat_id_alone(cli, capsys):
    """A support agent often has only the WeChat order id of an order the mirror never saw:
    the verb asks query_order for it (by wx_order_id), records it, then acts."""
    sim, run, ALICE = cli.sim, cli, cli.openid()
    sim.add_user(ALICE)
    item = sim.state.create_order(openid=ALICE, env=1, kind="item", order_fee=990, quantity=1)
    sim.state.pay_order(item["order_id"], push=False)
    wx = sim.state.order_row(item["order_id"])["wx_order_id"]
    code, out = run(capsys, "deliver", "--wx-order-id", wx, "--note", "补发")
    assert (code, out["error"]["kind"]) == (2, "validation")
    assert "--openid" in out["error"]["message"]
    code, out = run(capsys, "deliver", "--wx-order-id", wx, "--openid", ALICE, "--note", "补发")
    assert (code, out["state"], out["outcome"]["delivered"]) == (0, "done", item["order_id"])
    assert sim.state.order_row(item["order_id"])["status"] == 4
    coin = sim.user_pays(ALICE, coins=600)
    code, out = run(capsys, "refresh", "--wx-order-id", coin["wx_order_id"])
    assert code == 2 and "--openid" in out["error"]["message"]
    code, out = run(capsys, "refresh", "--wx-order-id", coin["wx_order_id"], "--openid", ALICE)
    assert (code, out["refreshed"]) == (0, [coin["order_id"]])
    paid = sim.user_pays(ALICE, coins=1200)
    code, out = run(
        capsys,
        "refund",
        "--openid",
        ALICE,
        "--wx-order-id",
        paid["wx_order_id"],
        "--refund-order-id",
        "REFUNDWX00001",
        "--left-fee",
        "1200",
        "--refund-fee",
        "1200",
        "--reason",
        "3",
        "--note",
        "用户申请 user asked",
    )
    assert (code, out["state"], out["outcome"]["pay_order_id"]) == (
        0,
        "refunding",
        paid["order_id"],
    )
    with cli.mirror() as mirror:
        rows = {
            r["wx_order_id"]: (r["order_id"], r["openid"], r["source"])
            for r in mirror.all("SELECT * FROM orders")
        }
    assert rows[wx] == (item["order_id"], ALICE, "query_order")
    assert rows[coin["wx_order_id"]][0] == coin["order_id"]
    assert rows[paid["wx_order_id"]][0] == paid["order_id"]


@both("gift", "pending", "resolve")
def test_cli_outcome_unknown_exit_3(cli, capsys):
    sim, run, ALICE = cli.sim, cli, cli.openid()
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "reset", count=1)
    code, out = run(capsys, "gift", ALICE, "5", "--order-id", "GIFTCLI00002", "--note", "test")
    assert (code, out["state"]) == (3, "unknown")
    assert "same id" in out["message"]
    code, out = run(capsys, "pending")  # (a team server's lists every operator's)
    (mine,) = [p for p in out["pending"] if p["openid"] == ALICE]
    assert mine["wechat_id"] == "GIFTCLI00002"
    code, out = run(capsys, "resolve")
    resolved = {r["intent_id"]: r["state"] for r in out["resolved"]}
    assert (code, resolved[mine["id"]], mine["id"] in out["still_open"]) == (0, "done", False)
    assert sim.state.account(1, ALICE)["balance"] == 5


@both("user_balance")
def test_cli_session_key_from_stdin(cli, capsys, monkeypatch):
    import io

    run, ALICE = cli, cli.openid()
    key = cli.sim.add_user(ALICE)
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    code, out = run(capsys, "balance", ALICE, "--session-key", "-")
    assert (code, out["balance"]) == (0, 0)


# ---- exit codes --------------------------------------------------------------------------------


def test_cli_exit_codes_are_listed_in_its_help_and_the_readme(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    readme = " ".join(README.read_text(encoding="utf-8").replace("`", "").split())
    assert done.value.code == 0
    assert [c for c, _zh, _en in EXIT_CODES] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 130]
    for code, zh, en in EXIT_CODES:
        assert f"{code} {en} {zh}" in shown
        assert f"{code} {en}" in readme
    # the errors that say them
    assert exit_code(ServerUnreachable("https://team.example", "ConnectError")) == 6
    assert exit_code(LoginRequired()) == 7
    assert exit_code(StillRunning()) == 3  # the outcome is not known yet: resolve, as for 3
    assert exit_code(RemoteForbidden("forbidden", "x", "x", status=403)) == 2  # refused


def test_cli_team_troubles_exit_with_their_own_codes(
    team_login,  # noqa: F811
    memory_keyring,
    capsys,
    tmp_path,
):
    """A team server that cannot be reached (6) and a login that is needed (7) are neither
    reconcile's open items (4) nor an outcome unknown (3): a script can tell them apart."""
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    config = tmp_path / "profiles.toml"
    config.write_text(
        f'[profiles.away]\nserver = "{dead}"\noperator = "ada"\n\n'
        f'[profiles.never]\nserver = "{dead}"\noperator = "nobody"\n',
        encoding="utf-8",
    )
    ((service, _name), session), *_ = team_login.entries.items()  # ada's, on the live server
    memory_keyring.store[(service, f"team:{dead}/ada")] = session
    reconcile = ["reconcile", "--from", "2026-01-01", "--to", "2026-01-31"]
    for profile, expected in (
        ("away", (6, "server_unreachable")),
        ("never", (7, "login_required")),
    ):
        code = main(["--json", "--config", str(config), "--profile", profile, *reconcile])
        out = json.loads(capsys.readouterr().out)
        assert (code, out["error"]["kind"]) == expected
    code = main(["--config", str(config), "--profile", "away", "--lang", "en", *reconcile])
    said = capsys.readouterr().err
    assert code == 6 and f"cannot reach the team server {dead} (the connection failed)" in said
    assert "ConnectError" not in said  # the problem in words, not httpx's name for it


@both("gift")
def test_cli_a_role_refusal_exits_2_on_both_kinds(cli, capsys, tmp_path):
    viewer = cli.as_role("viewer", tmp_path)
    openid = cli.openid()
    cli.sim.add_user(openid)
    code, out = viewer(
        capsys, "gift", openid, "5", "--order-id", f"GIFTVW{openid[-8:]}", "--note", "n"
    )
    assert (code, out["error"]["kind"]) == (2, "policy")  # the role's limits: none for a viewer
    assert cli.sim.state.account(1, openid)["balance"] == 0


def test_standalone_simulator_stops_cleanly_on_ctrl_c(tmp_path):
    profile = tmp_path / "p.toml"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "--json",
            "simulator",
            "--seed",
            "1",
            "--demo-users",
            "5",
            "--demo-orders",
            "50",
            "--write-profile",
            str(profile),
            "--state",
            str(tmp_path / "state.sqlite"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        try:
            info = json.loads(proc.stdout.readline())
            assert info["url"].startswith("http://127.0.0.1:") and info["demo"]["users"] == 5
            code = main(
                [
                    "--json",
                    "--config",
                    str(profile),
                    "order",
                    "--order-id",
                    "DEMOSTUCK0001",
                    "--openid",
                    "oAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                ]
            )
            assert code == 1  # wrong openid for that order: WeChat says 268490002
            started = time.monotonic()
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=10) == 0
            assert time.monotonic() - started < 5
            assert "simulator stopped" in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
