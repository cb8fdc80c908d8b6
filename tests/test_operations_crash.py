"""Crash tests: the CLI process is killed (SIGKILL) at each point of the path, for each action;
a fresh process then resolves. Afterwards the simulator and the mirror agree exactly."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import pytest

from core.mirror.db import Mirror
from core.simulator import SimConfig, Simulator, profile_toml
from tests.simfixtures import ALICE

MIRROR_KEY = base64.b64encode(b"k" * 32).decode()
POINTS = ["after_intent", "after_send", "after_apply", "after_answer"]


@pytest.fixture
def world(tmp_path, mirror_target):
    """The simulator and a profile whose mirror is on each store: a SQLite file, or a
    PostgreSQL database that every CLI process of the test shares."""
    with Simulator(SimConfig(refund_delay=0.2), seed=5) as sim:
        profile = tmp_path / "profiles.toml"
        profile.write_text(
            profile_toml(sim, db=str(mirror_target)) + 'role = "admin"\n',
            encoding="utf-8",
        )
        yield sim, profile, mirror_target


def cli(profile, *args, crash_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "XPAYDESK_MIRROR_KEY": MIRROR_KEY, "PYTHONUNBUFFERED": "1"}
    env.pop("XPAYDESK_TEST_CRASH_AT", None)
    if crash_at in ("after_intent", "after_answer"):
        env["XPAYDESK_TEST_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "core", "--json", "--config", str(profile), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_until(predicate, timeout=20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def crash(sim, profile, point, api, args, applied):
    """Runs the verb and makes it die at `point`; returns once the process is gone."""
    if point == "after_send":
        sim.faults.add(api, "timeout", count=1, delay=60)
    elif point == "after_apply":
        sim.faults.add(api, "lost_response", count=1, delay=60)
    proc = cli(profile, *args, crash_at=point)
    try:
        if point == "after_send":
            wait_until(lambda: sim.faults.hits.get("timeout", 0) >= 1)
            assert not applied()
        elif point == "after_apply":
            wait_until(applied)
        if point in ("after_send", "after_apply"):
            proc.kill()
        code = proc.wait(timeout=30)
        assert code == -9, proc.stderr.read()  # SIGKILL, by us or by the crash point
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    sim.faults.clear()


def resolve(profile) -> dict:
    proc = cli(profile, "resolve")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return json.loads(out)


def journal(mirror_path):
    with Mirror(mirror_path) as m:
        return [dict(r) for r in m.all("SELECT * FROM intents ORDER BY id")]


@pytest.mark.parametrize("point", POINTS)
def test_gift_crash(world, point):
    sim, profile, mirror_path = world
    sim.add_user(ALICE)
    crash(
        sim,
        profile,
        point,
        "present_currency",
        ["gift", ALICE, "70", "--order-id", "GIFTCRASH001", "--note", "crash test"],
        applied=lambda: sim.state.coin_op(1, "GIFTCRASH001") is not None,
    )
    resolve(profile)
    assert sim.state.account(1, ALICE)["balance"] == 70  # applied exactly once
    (intent,) = journal(mirror_path)
    assert intent["state"] == "done"
    with Mirror(mirror_path) as m:
        ledger = m.one("SELECT * FROM ledger WHERE order_id = 'GIFTCRASH001'")
        assert (ledger["status"], ledger["amount"]) == ("done", 70)


@pytest.mark.parametrize("point", POINTS)
def test_deduct_crash(world, point):
    sim, profile, mirror_path = world
    key = sim.add_user(ALICE)
    sim.state.present_currency(1, ALICE, 500, "SEEDGIFT0001")
    # the resolving process has no pasted key: the mirror keeps one (as an import would)
    from core.mirror.vault import SessionKeyVault

    with Mirror(mirror_path) as m:
        SessionKeyVault(m, base64.b64decode(MIRROR_KEY)).store(
            ALICE, key, obtained_at=1, source="import"
        )
    crash(
        sim,
        profile,
        point,
        "currency_pay",
        ["deduct", ALICE, "200", "--order-id", "DEDUCTCRASH1", "--note", "crash test"],
        applied=lambda: sim.state.coin_op(1, "DEDUCTCRASH1") is not None,
    )
    resolve(profile)
    assert sim.state.account(1, ALICE)["balance"] == 300
    assert [i["state"] for i in journal(mirror_path)] == ["done"]


@pytest.mark.parametrize("point", POINTS)
def test_cancel_deduction_crash(world, point):
    sim, profile, mirror_path = world
    key = sim.add_user(ALICE)
    sim.state.present_currency(1, ALICE, 500, "SEEDGIFT0002")
    sim.state.currency_pay(1, ALICE, 200, "PAYTOCANCEL1")
    from core.mirror.vault import SessionKeyVault

    with Mirror(mirror_path) as m:
        SessionKeyVault(m, base64.b64decode(MIRROR_KEY)).store(
            ALICE, key, obtained_at=1, source="import"
        )
    crash(
        sim,
        profile,
        point,
        "cancel_currency_pay",
        [
            "cancel-deduction",
            ALICE,
            "200",
            "--pay-order-id",
            "PAYTOCANCEL1",
            "--order-id",
            "CANCELCRASH1",
            "--note",
            "crash test",
        ],
        applied=lambda: sim.state.coin_op(1, "CANCELCRASH1") is not None,
    )
    resolve(profile)
    assert sim.state.account(1, ALICE)["balance"] == 500
    assert sim.state.coin_op(1, "CANCELCRASH1")["amount"] == 200
    assert [i["state"] for i in journal(mirror_path)] == ["done"]


@pytest.mark.parametrize("point", POINTS)
def test_refund_crash(world, point):
    sim, profile, mirror_path = world
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    crash(
        sim,
        profile,
        point,
        "refund_order",
        [
            "refund",
            "--openid",
            ALICE,
            "--order-id",
            order["order_id"],
            "--refund-order-id",
            "REFUNDCRASH1",
            "--left-fee",
            "600",
            "--refund-fee",
            "250",
            "--reason",
            "1",
            "--note",
            "crash test",
        ],
        applied=lambda: sim.state.order_row("REFUNDCRASH1") is not None,
    )
    resolve(profile)
    time.sleep(0.3)  # the simulated refund finishes
    resolve(profile)
    refunds = sim.state.db.execute("SELECT * FROM orders WHERE order_type = 1").fetchall()
    assert len(refunds) == 1 and refunds[0]["refund_fee"] == 250
    assert sim.state.order_row(order["order_id"])["left_fee"] == 350
    (intent,) = journal(mirror_path)
    assert intent["state"] == "done"
    with Mirror(mirror_path) as m:
        row = m.one("SELECT * FROM refunds WHERE refund_order_id = 'REFUNDCRASH1'")
        assert (row["status"], row["refund_fee"]) == ("refunded", 250)
        assert m.one("SELECT left_fee FROM orders WHERE order_id = ?", order["order_id"])[0] == 350


@pytest.mark.parametrize("point", POINTS)
def test_deliver_crash(world, point):
    sim, profile, mirror_path = world
    sim.add_user(ALICE)
    item = sim.state.create_order(openid=ALICE, env=1, kind="item", order_fee=990, quantity=1)
    sim.state.pay_order(item["order_id"], push=False)
    crash(
        sim,
        profile,
        point,
        "notify_provide_goods",
        ["deliver", "--order-id", item["order_id"], "--note", "crash test"],
        applied=lambda: sim.state.order_row(item["order_id"])["status"] == 4,
    )
    resolve(profile)
    assert sim.state.order_row(item["order_id"])["status"] == 4
    assert [i["state"] for i in journal(mirror_path)] == ["done"]


def test_two_processes_refunding_the_same_order_make_one_refund(world):
    sim, profile, _mirror_path = world
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    sim.faults.add("refund_order", "latency", delay=0.5, count=2)
    procs = [
        cli(
            profile,
            "refund",
            "--openid",
            ALICE,
            "--order-id",
            order["order_id"],
            "--refund-order-id",
            f"REFUNDRACE{n}",
            "--left-fee",
            "600",
            "--refund-fee",
            "600",
            "--reason",
            "1",
            "--note",
            "race",
        )
        for n in (1, 2)
    ]
    answers = [p.communicate(timeout=60) for p in procs]
    codes = [p.returncode for p in procs]
    assert all(out.strip() for out, _err in answers), answers  # every run says what happened
    outputs = [json.loads(out) for out, _err in answers]
    refunds = sim.state.db.execute("SELECT * FROM orders WHERE order_type = 1").fetchall()
    assert len(refunds) == 1
    assert sorted(codes)[0] == 0 and sorted(codes)[1] != 0
    assert any(
        o.get("error", {}).get("kind") in ("busy", "validation", "repeat")
        or o.get("state") == "failed"
        for o in outputs
    ), outputs
