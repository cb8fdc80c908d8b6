"""Issue 14, core side: refunds followed to their clawback by themselves (the tracker), a clawback
started for any refund with coins due (imported ones too; `xpaydesk-cli clawback`), and limits
that never tell an admin to ask an admin. Against the simulator over loopback."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from core.cli import main
from core.desk import Desk
from core.mirror.records import upsert_refunds
from core.operations import PolicyRefused
from core.operations.engine import REFUND_POLL_BACKOFF, NoClawback
from core.profiles import load_profiles
from core.simulator import profile_toml
from tests.opsfixtures import make_ops, mirror_order
from tests.simfixtures import ALICE


def refund_elsewhere(sim, mirror, order, refund_id: str, fee: int) -> None:
    """A refund made outside the desk (WeChat's console), finished, then imported."""
    sim.state.refund_order(
        1,
        {
            "openid": ALICE,
            "order_id": order["order_id"],
            "refund_order_id": refund_id,
            "left_fee": sim.state.order_row(order["order_id"])["left_fee"],
            "refund_fee": fee,
            "biz_meta": "",
            "refund_reason": "1",
            "req_from": "1",
        },
    )
    sim.advance(1)
    upsert_refunds(
        mirror,
        [
            {
                "refund_order_id": refund_id,
                "order_id": order["order_id"],
                "openid": ALICE,
                "refund_fee": fee,
                "status": "refunded",
                "started_at": mirror.now(),
                "finished_at": mirror.now(),
                "source": "vk-pay",
            }
        ],
    )


@pytest.fixture
def desk(sim, tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text(
        profile_toml(sim, db=str(tmp_path / "mirror.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    return Desk(load_profiles(path).get("demo"))


async def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_the_tracker_follows_a_refund_to_its_clawback_without_being_asked(sim, desk):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    mirror_order(desk.mirror, order)
    heard: list[set[str]] = []
    desk.subscribe(heard.append)
    tracker = desk.start_following()
    assert tracker.running
    try:
        result = await desk.refund(
            order["order_id"],
            600,
            reason="用户投诉",
            left_fee=600,
            request_key="t-refund",
            refund_reason="1",
            clawback=True,
        )
        assert result.state == "refunding"
        clawback = desk.ops.journal.children(result.intent_id)[0]

        def clawed() -> bool:
            intent = desk.ops.journal.get(clawback.id)
            return intent is not None and intent.state == "done"

        # nobody calls resolve: the tracker's thread polls (first step 2 s) and claws back
        assert await wait_for(clawed, timeout=REFUND_POLL_BACKOFF[0] + 10)
        assert desk.ops.journal.get(result.intent_id).state == "done"
        assert sim.state.account(1, ALICE)["balance"] == 0
        assert await wait_for(lambda: any("refunds" in w for w in heard))
        row = desk.refunds()[0]
        assert (row["clawback"], row["coins_due"], row["coins_taken"]) == ("recovered", 600, 600)
        assert desk.pending() == []
        # solo: the rows the tracker wrote name the profile's operator, who started the refund
        names = {r["operator"] for r in desk.audit_rows()}
        assert names == {desk.profile.operator}, names
    finally:
        await desk.close()
    assert desk.tracker is None and not tracker.running  # the thread ended with the desk


async def test_the_first_poll_waits_a_step_and_a_refund_push_asks_at_once(sim, desk):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    mirror_order(desk.mirror, order)
    try:
        result = await desk.refund(
            order["order_id"],
            300,
            reason="部分退款",
            left_fee=600,
            request_key="t-push",
            refund_reason="1",
            clawback=True,
        )
        sim.advance(1)  # WeChat finishes the refund and sends its push
        moved, next_due = await desk.ops.follow()
        assert moved == [] and next_due is not None and next_due > desk.mirror.now()
        push = [w for w in sim.delivered if "xpay_refund_notify" in json.dumps(w.as_dict())]
        assert push and desk.save_push(push[-1].query, push[-1].body)
        assert desk.ops.journal.get(result.intent_id).next_try_at == 0  # due now
        moved, next_due = await desk.ops.follow()
        assert {r.action: r.state for r in moved} == {"refund": "done", "clawback": "done"}
        assert next_due is None and sim.state.account(1, ALICE)["balance"] == 300
    finally:
        await desk.close()


async def test_a_clawback_for_an_imported_refund_takes_what_is_there_then_the_rest(
    sim, http, mirror
):
    ops = make_ops(sim, http, mirror)
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    ops.session_keys.vault.store(ALICE, key, obtained_at=mirror.now(), source="import")
    mirror_order(mirror, order)
    await ops.deduct(ALICE, 500, reason="用户消费", request_key="spent")  # 100 left
    refund_elsewhere(sim, mirror, order, "CONSOLE_REFUND_01", 600)
    status = ops.clawback_status("CONSOLE_REFUND_01")
    assert (status.due, status.taken, status.word, status.why_not()) == (600, 0, "due", None)
    first = await ops.start_clawback("CONSOLE_REFUND_01", reason="控制台退款的回收")
    assert (first.state, first.outcome["take"], first.outcome["outstanding"]) == ("done", 100, 500)
    status = ops.clawback_status("CONSOLE_REFUND_01")
    assert (status.taken, status.outstanding, status.word) == (100, 500, "partly")
    sim.user_pays(ALICE, coins=800)  # the user tops up again
    second = await ops.start_clawback("CONSOLE_REFUND_01", reason="余下的回收")
    assert (second.state, second.outcome["take"]) == ("done", 500)
    status = ops.clawback_status("CONSOLE_REFUND_01")
    assert (status.taken, status.outstanding, status.word) == (600, 0, "recovered")
    assert sim.state.account(1, ALICE)["balance"] == 300
    with pytest.raises(NoClawback, match="all back"):
        await ops.start_clawback("CONSOLE_REFUND_01", reason="再来一次")
    rows = mirror.all("SELECT result FROM audit WHERE action = 'clawback'")
    assert [r["result"] for r in rows] == ["intent", "ok", "intent", "ok"]


async def test_no_clawback_for_items_unfinished_refunds_or_viewers(sim, http, mirror):
    ops = make_ops(sim, http, mirror)
    sim.add_user(ALICE)
    item = sim.user_pays(ALICE, coins=600)
    mirror_order(mirror, item, kind="item", quantity=1)
    refund_elsewhere(sim, mirror, item, "ITEM_REFUND_0001", 600)
    with pytest.raises(NoClawback, match="item"):
        await ops.start_clawback("ITEM_REFUND_0001", reason="r")
    coin = sim.user_pays(ALICE, coins=600)
    mirror_order(mirror, coin)
    refund_elsewhere(sim, mirror, coin, "COIN_REFUND_0001", 600)
    mirror.conn.execute("UPDATE refunds SET status = 'refunding' WHERE refund_order_id = ?",
                        ("COIN_REFUND_0001",))  # fmt: skip
    with pytest.raises(NoClawback, match="not gone through"):
        await ops.start_clawback("COIN_REFUND_0001", reason="r")
    mirror.conn.execute("UPDATE refunds SET status = 'refunded'")
    viewer = make_ops(sim, http, mirror, role="viewer")
    with pytest.raises(PolicyRefused):
        await viewer.start_clawback("COIN_REFUND_0001", reason="r")
    assert mirror.one("SELECT COUNT(*) FROM intents WHERE action = 'clawback'")[0] == 0


async def test_over_the_limit_never_tells_an_admin_to_ask_an_admin(sim, http, mirror):
    admin = make_ops(sim, http, mirror, role="admin")
    problem = admin.policy.problem("gift", 150_000, spent_today=0)
    assert problem is not None
    zh, en = problem
    assert "100,000" in en and "admin" not in en and "管理员" not in zh
    assert "split" in en and "[limits]" not in en and "Your limits" in en  # no code words
    support = make_ops(sim, http, mirror, role="support")
    zh, en = support.policy.problem("gift", 5_000, spent_today=0) or ("", "")
    assert "admin" in en and "support" not in en.split("ask:")[1]
    assert admin.policy.problem("gift", 100_000, spent_today=0) is None


def test_the_clawback_verb_claws_back_an_imported_refund(sim, tmp_path, capsys):
    db = tmp_path / "mirror.sqlite"
    config = tmp_path / "profiles.toml"
    config.write_text(profile_toml(sim, db=str(db)), encoding="utf-8")
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    from core.mirror.db import Mirror

    with Mirror(db) as mirror:
        mirror_order(mirror, order)
        refund_elsewhere(sim, mirror, order, "CONSOLE_REFUND_02", 300)

    def cli(*args: str) -> tuple[int, dict]:
        code = main(["--json", "--config", str(config), *args])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else {}

    import io
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO(key + "\n")
    try:
        code, out = cli(
            "clawback", "CONSOLE_REFUND_02", "--note", "控制台退款", "--session-key", "-"
        )
    finally:
        sys.stdin = stdin
    assert code == 0 and out["state"] == "done"
    assert (out["coins_due"], out["coins_taken"], out["coins_outstanding"]) == (300, 300, 0)
    assert sim.state.account(1, ALICE)["balance"] == 300
    assert key not in json.dumps(out)  # the key never reaches the output
    code, out = cli("clawback", "CONSOLE_REFUND_02", "--note", "again")
    assert (code, out["error"]["kind"], out["error"]["message"]) == (
        2,
        "no_clawback",
        "代币已全部收回",
    )
    code, out = cli("clawback", "NO_SUCH_REFUND_1", "--note", "x")
    assert code == 2
