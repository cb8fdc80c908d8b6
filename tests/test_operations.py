"""core.operations against the simulator over loopback: the one path, idempotency, policy,
refunds with clawback, unknown outcomes and their resolution."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import ValidationError
from core.mirror import audit
from core.operations import Busy, PolicyRefused, RepeatSuspected, coins_to_claw_back
from core.operations.journal import Locks, wechat_id
from core.secret import Secret
from tests.opsfixtures import clawback_waiting_for_login, make_ops, refund_all_with_clawback
from tests.simfixtures import ALICE, BOB


def test_coins_to_claw_back_rounds_up():
    assert coins_to_claw_back(600, 600, 600) == 600
    assert coins_to_claw_back(600, 600, 1) == 1
    assert coins_to_claw_back(1000, 300, 100) == 334  # 333.3 rounds up
    assert coins_to_claw_back(600, 0, 100) == 0


def test_wechat_ids_are_deterministic_and_valid():
    a = wechat_id("gift", "wx1", "key-1")
    assert a == wechat_id("gift", "wx1", "key-1") != wechat_id("gift", "wx1", "key-2")
    assert 8 <= len(a) <= 32 and a.isalnum()


async def test_gift_goes_through_the_whole_path(sim, ops, mirror):
    sim.add_user(ALICE)
    result = await ops.gift(ALICE, 300, reason="活动补偿", request_key="req-1")
    assert (result.state, result.outcome["balance"]) == ("done", 300)
    again = await ops.gift(ALICE, 300, reason="活动补偿", request_key="req-1")
    assert again.intent_id == result.intent_id and sim.state.account(1, ALICE)["balance"] == 300
    ledger = mirror.one("SELECT * FROM ledger WHERE order_id = ?", result.wechat_id)
    assert (ledger["kind"], ledger["amount"], ledger["status"], ledger["balance_after"]) == (
        "gift",
        300,
        "done",
        300,
    )
    rows = list(audit.iter_rows(mirror, openid=ALICE))
    assert [r["result"] for r in rows] == ["intent", "ok"] and audit.verify(mirror).ok


async def test_a_second_window_gifting_the_same_amount_is_asked_to_confirm(sim, ops):
    sim.add_user(ALICE)
    await ops.gift(ALICE, 100, reason="r", request_key="window-1")
    with pytest.raises(RepeatSuspected):
        await ops.gift(ALICE, 100, reason="r", request_key="window-2")
    confirmed = await ops.gift(ALICE, 100, reason="r", request_key="window-2", allow_repeat=True)
    assert confirmed.state == "done" and sim.state.account(1, ALICE)["balance"] == 200


async def test_policy_refusals_say_who_can(sim, http, mirror):
    sim.add_user(ALICE)
    support = make_ops(sim, http, mirror, role="support", limits={"gift": 100, "daily_gift": 150})
    with pytest.raises(PolicyRefused, match="per-action limit"):
        await support.gift(ALICE, 101, reason="r", request_key="p1")
    await support.gift(ALICE, 100, reason="r", request_key="p2")
    with pytest.raises(PolicyRefused, match="today"):
        await support.gift(ALICE, 60, reason="r", request_key="p3", allow_repeat=True)
    with pytest.raises(PolicyRefused, match="reason"):
        await support.gift(ALICE, 1, reason=" ", request_key="p4")
    viewer = make_ops(sim, http, mirror, role="viewer")
    with pytest.raises(PolicyRefused) as caught:
        await viewer.gift(ALICE, 1, reason="r", request_key="p5")
    assert "support" in caught.value.message_en
    assert sim.state.account(1, ALICE)["balance"] == 100


async def test_deduct_uses_the_stored_session_key_and_records_its_source(sim, ops, mirror):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    ops.session_keys.vault.store(ALICE, key, obtained_at=mirror.now(), source="import")
    result = await ops.deduct(ALICE, 200, reason="误充", request_key="d1")
    assert (result.state, result.outcome["balance"]) == ("done", 400)
    params = [r["params"] for r in audit.iter_rows(mirror, openid=ALICE)][-1]
    assert '"session_key_source": "mirror"' in params and key not in params
    cancel = await ops.cancel_deduction(
        ALICE, pay_order_id=result.wechat_id, amount=200, reason="撤销", request_key="c1"
    )
    assert cancel.state == "done" and sim.state.account(1, ALICE)["balance"] == 600


async def test_deduct_without_a_key_fails_clearly(sim, ops):
    sim.add_user(BOB)
    result = await ops.deduct(BOB, 1, reason="r", request_key="d2")
    assert result.state == "failed" and "no session key" in result.message


async def test_lost_response_stays_unknown_and_resolves_without_double_applying(sim, ops):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "lost_response", count=1)
    result = await ops.gift(ALICE, 50, reason="r", request_key="u1")
    assert result.state == "unknown" and [i.id for i in ops.pending()] == [result.intent_id]
    (resolved,) = await ops.resolve(force=True)
    assert resolved.state == "done" and resolved.outcome["duplicate"] is True
    assert sim.state.account(1, ALICE)["balance"] == 50 and ops.pending() == []


async def test_busy_answers_are_retried_later_with_the_same_id(sim, ops):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "rate_limit", count=1)
    result = await ops.gift(ALICE, 5, reason="r", request_key="b1")
    assert result.state == "prepared" and result.outcome == {}
    assert await ops.resolve() == []  # not before its time
    (again,) = await ops.resolve(force=True)
    assert again.state == "done" and again.wechat_id == result.wechat_id


async def test_refund_with_clawback_end_to_end(sim, ops, mirror):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    ops.session_keys.vault.store(ALICE, key, obtained_at=mirror.now(), source="import")
    result = await ops.refund(
        order["order_id"],
        refund_fee=300,
        left_fee=600,
        reason="用户投诉",
        request_key="rf1",
        openid=ALICE,
        clawback=True,
    )
    assert result.state == "refunding"
    (claw,) = ops.journal.children(result.intent_id)
    assert (claw.state, claw.amount) == ("waiting_refund", 300)
    done = await ops.wait_for_refund(result.intent_id, timeout=10)
    assert done.state == "done"
    claw = ops.journal.get(claw.id)
    assert claw.state == "done" and claw.outcome["take"] == 300
    assert sim.state.account(1, ALICE)["balance"] == 300
    refund_row = mirror.one("SELECT * FROM refunds WHERE refund_order_id = ?", result.wechat_id)
    assert refund_row["status"] == "refunded"
    assert mirror.one("SELECT left_fee FROM orders WHERE order_id = ?", order["order_id"])[0] == 300
    ledger = mirror.one("SELECT * FROM ledger WHERE kind = 'clawback'")
    assert (ledger["amount"], ledger["refund_order_id"], ledger["status"]) == (
        300,
        result.wechat_id,
        "done",
    )


async def test_clawback_waits_for_login_then_runs_when_a_fresh_key_arrives(sim, ops, mirror):
    _result, claw = await clawback_waiting_for_login(sim, ops, mirror, "rf2")
    assert claw.state == "needs_login"
    assert ops.session_keys.vault.state(ALICE)["state"] == "stale"
    assert sim.state.account(1, ALICE)["balance"] == 600  # nothing taken yet
    fresh, _alive, _ = sim.state.session_key_state(ALICE)
    ops.session_keys.vault.store(ALICE, fresh, obtained_at=mirror.now() + 5, source="backend")
    await ops.resolve(force=True)
    assert ops.journal.get(claw.id).state == "done"
    assert sim.state.account(1, ALICE)["balance"] == 0


async def test_clawback_of_spent_coins_records_what_is_outstanding(sim, ops, mirror):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    sim.state.currency_pay(1, ALICE, 500, "SPENTBYUSER01")  # watched an episode
    ops.session_keys.vault.store(ALICE, key, obtained_at=mirror.now(), source="import")
    result = await refund_all_with_clawback(ops, order["order_id"], "rf3")
    await ops.wait_for_refund(result.intent_id, timeout=10)
    (claw,) = ops.journal.children(result.intent_id)
    claw = ops.journal.get(claw.id)
    assert claw.state == "done"
    assert (claw.outcome["take"], claw.outcome["outstanding"]) == (100, 500)
    assert sim.state.account(1, ALICE)["balance"] == 0


async def test_refund_left_fee_changed_and_validation(sim, ops):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    with pytest.raises(ValidationError, match="left_fee"):
        await ops.refund(
            order["order_id"],
            refund_fee=100,
            reason="r",
            request_key="rf4",
            openid=ALICE,
            left_fee=500,
        )
    with pytest.raises(ValidationError, match="refund_fee"):
        await ops.refund(
            order["order_id"],
            refund_fee=601,
            left_fee=600,
            reason="r",
            request_key="rf5",
            openid=ALICE,
        )


async def test_refund_whose_request_was_lost_before_wechat_is_sent_again(sim, ops):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    sim.faults.add("refund_order", "reset", count=1)
    result = await ops.refund(
        order["order_id"],
        refund_fee=600,
        left_fee=600,
        reason="r",
        request_key="rf6",
        openid=ALICE,
    )
    assert result.state == "unknown"
    (resolved,) = await ops.resolve(force=True)
    assert resolved.state == "refunding"
    done = await ops.wait_for_refund(result.intent_id, timeout=10)
    assert done.state == "done"
    assert sim.state.order_row(order["order_id"])["left_fee"] == 0  # refunded once


async def test_refund_applied_but_answer_lost_is_found_by_query_order(sim, ops):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    sim.faults.add("refund_order", "lost_response", count=1)
    result = await ops.refund(
        order["order_id"],
        refund_fee=200,
        left_fee=600,
        reason="r",
        request_key="rf7",
        openid=ALICE,
    )
    assert result.state == "unknown"
    done = await ops.wait_for_refund(result.intent_id, timeout=10)
    assert done.state == "done"
    assert sim.state.order_row(order["order_id"])["left_fee"] == 400  # once, not twice


async def test_two_windows_refunding_one_order_make_one_refund(sim, http, mirror):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    sim.faults.add("refund_order", "latency", delay=0.3, count=1)
    first = make_ops(sim, http, mirror, operator="alice")
    second = make_ops(sim, http, mirror, operator="bob")
    second.locks = Locks(mirror, owner="other-window")
    results = await asyncio.gather(
        first.refund(
            order["order_id"],
            refund_fee=600,
            left_fee=600,
            reason="r",
            request_key="w1",
            openid=ALICE,
        ),
        second.refund(
            order["order_id"],
            refund_fee=600,
            left_fee=600,
            reason="r",
            request_key="w2",
            openid=ALICE,
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Busy | ValidationError | RepeatSuspected)]
    started = [r for r in results if not isinstance(r, Exception)]
    assert len(started) == 1 and len(refused) == 1
    assert sim.state.order_row(order["order_id"])["left_fee"] == 0
    assert len([r for r in sim.state.db.execute("SELECT * FROM orders WHERE order_type = 1")]) == 1


async def test_deliver_and_pasted_key(sim, ops, mirror):
    key = sim.add_user(BOB)
    item = sim.state.create_order(openid=BOB, env=1, kind="item", order_fee=990, quantity=1)
    sim.state.pay_order(item["order_id"], push=False)
    mirror.conn.execute(
        "INSERT INTO orders (order_id, openid, source, status, kind) VALUES "
        "(?, ?, 'test', 2, 'item')",
        (item["order_id"], BOB),
    )
    result = await ops.deliver(item["order_id"], reason="补发", request_key="dv1")
    assert result.state == "done"
    assert mirror.one("SELECT status FROM orders WHERE order_id = ?", item["order_id"])[0] == 4
    sim.state.present_currency(1, BOB, 10, "GIFTFORBOB01")
    pasted = await ops.deduct(BOB, 10, reason="r", request_key="dk1", session_key=Secret(key))
    assert pasted.state == "done"
