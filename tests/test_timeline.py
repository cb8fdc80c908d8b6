"""The user's timeline shows one entry per action (issue 14): the intent's audit row, the audit
row of WeChat's answer and the ledger (or refund) row of one gift, deduction or refund are one
entry, with the other rows behind it; run against the simulator over loopback."""

from __future__ import annotations

from core.mirror.queries import timeline
from core.mirror.vault import SessionKeyVault, vault_key
from tests.opsfixtures import clawback_waiting_for_login
from tests.simfixtures import ALICE


async def test_one_entry_per_action_with_its_rows_behind_it(sim, ops, mirror):
    key = sim.add_user(ALICE)
    SessionKeyVault(mirror, vault_key("test")).store(
        ALICE, key, obtained_at=mirror.now(), source="import"
    )
    gift = await ops.gift(ALICE, 300, reason="活动补偿", request_key="req-1")
    deduction = await ops.deduct(ALICE, 100, reason="误充", request_key="req-2")
    entries = timeline(mirror, ALICE)
    assert [e.kind for e in entries] == ["deduct", "gift"]  # not six rows
    first, second = entries
    assert (first.ref, first.status, first.signed_amount) == (deduction.wechat_id, "done", -100)
    assert (second.ref, second.amount, second.unit) == (gift.wechat_id, 300, "coins")
    assert [p.status for p in second.parts] == ["ok", "intent"]
    assert {p.info["action"] for p in second.parts} == {"gift"}
    assert second.info["reason"] == "活动补偿" and second.info["operator"] == "alice"


async def test_an_action_without_a_ledger_row_is_still_one_entry(sim, ops, mirror):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, kind="item", coins=1, fee=1800, product_id="vip_month_01")
    mirror.conn.execute(
        "INSERT INTO orders (order_id, openid, kind, product_id, quantity, paid_fee, status, "
        "create_time, source) VALUES (?, ?, 'item', 'vip_month_01', 1, 1800, 2, 1, 'test')",
        (order["order_id"], ALICE),
    )
    await ops.deliver(order["order_id"], reason="补发", request_key="req-3")
    entries = [e for e in timeline(mirror, ALICE) if e.kind != "order"]
    assert [(e.kind, e.info["action"]) for e in entries] == [("audit", "deliver")]
    assert [p.status for p in entries[0].parts] == ["intent"] and entries[0].status == "ok"


async def test_a_clawback_waiting_for_login_says_so_on_the_timeline(sim, ops, mirror):
    """One word for one state (QA support #9): the timeline said 处理中 "Pending" while the
    Refunds page, the pending list and the audit log said 等待用户登录 "Needs user login"."""
    _result, claw = await clawback_waiting_for_login(sim, ops, mirror, "rf-tl")
    assert claw.state == "needs_login"
    shown = [e for e in timeline(mirror, ALICE) if claw.wechat_id in (e.ref, e.info.get("ref"))]
    states = {e.status for e in shown} | {p.status for e in shown for p in e.parts}
    assert shown and "pending" not in states
    assert shown[0].status == "needs_login"


async def test_a_refund_and_its_push_are_one_entry(sim, tmp_path):
    """QA T1 12: a refund the desk started and WeChat's push about it read as two −¥3.00 rows
    (two refunds); the push folds into the refund as its audit rows do."""
    import json

    from core.desk import Desk
    from core.profiles import load_profiles
    from core.simulator import profile_toml
    from tests.opsfixtures import mirror_order

    path = tmp_path / "profiles.toml"
    path.write_text(profile_toml(sim, db=str(tmp_path / "m.sqlite")) + 'role = "admin"\n')
    desk = Desk(load_profiles(path).get("demo"))
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, order)
    try:
        result = await desk.refund(
            order["order_id"], 300, reason="部分退款", left_fee=600, request_key="tl-push"
        )
        sim.advance(1)  # WeChat finishes the refund and sends its push
        push = [w for w in sim.delivered if "xpay_refund_notify" in json.dumps(w.as_dict())]
        assert push and desk.save_push(push[-1].query, push[-1].body)
        entries = timeline(desk.mirror, ALICE)
        about = [e for e in entries if e.ref == result.wechat_id]
        assert [e.kind for e in about] == ["refund"]
        assert "push" in {p.kind for p in about[0].parts}
    finally:
        await desk.close()
