"""The dashboard's side of issue 13, offscreen against the simulator: the refund dialog sends the
left_fee it showed (a refund made meanwhile elsewhere is refused, not doubled), and the pending
list abandons what never reached WeChat and refuses what may have."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt

from tests.opsfixtures import mirror_order
from tests.simfixtures import ALICE
from tests.test_dashboard import look_up, open_dialog

WAIT = 10_000


def refunds_at_wechat(sim, order_id: str) -> list[int]:
    rows = sim.state.db.execute(
        "SELECT refund_fee FROM orders WHERE order_type = 1 AND pay_order_id = ?", (order_id,)
    ).fetchall()
    return [r[0] for r in rows]


def test_the_refund_dialog_sends_the_left_fee_it_showed(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, order)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "refund")
    assert dialog.order.currentData()["left_fee"] == 600
    # meanwhile another operator, on another computer, refunds 300 of it
    sim.state.refund_order(
        1,
        {
            "openid": ALICE,
            "order_id": order["order_id"],
            "refund_order_id": "OTHERDESK0001",
            "left_fee": 600,
            "refund_fee": 300,
            "biz_meta": "",
            "refund_reason": "1",
            "req_from": "1",
        },
    )
    dialog.clawback.setChecked(False)
    dialog.yuan.setValue(3.00)
    dialog.reason.setCurrentText("用户投诉")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog._running, timeout=WAIT)
    assert "left_fee" in dialog.message.text.text() and dialog.isVisible()
    assert refunds_at_wechat(sim, order["order_id"]) == [300]  # the complaint refunded once
    # the dialog now shows what is refundable; confirming again refunds against that
    assert dialog.order.currentData()["left_fee"] == 300 and dialog.value() == 300
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert refunds_at_wechat(sim, order["order_id"]) == [300, 300]


def run(qtbot, coro):
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=WAIT)
    return task.result()


def test_the_pending_list_abandons_only_what_never_reached_wechat(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "rate_limit", count=1)  # busy: not applied
    busy = run(qtbot, desk.gift(ALICE, 5, reason="r", request_key="ui-a"))
    sim.faults.add("present_currency", "lost_response", count=1)  # applied, answer lost
    lost = run(qtbot, desk.gift(ALICE, 7, reason="r", request_key="ui-b", allow_repeat=True))
    assert (busy.state, lost.state) == ("prepared", "unknown")
    window._show_pending()
    dialog = window._pending_dialog
    assert dialog.model.rowCount() == 2 and not dialog.abandon_button.isEnabled()
    dialog.table.selectRow(1)  # the lost one
    dialog.note.setText("客户撤回了请求")
    assert dialog.abandon_button.isEnabled()
    qtbot.mouseClick(dialog.abandon_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.inline.isVisible(), timeout=WAIT)
    assert "resolve" in dialog.inline.text.text() and dialog.model.rowCount() == 2
    dialog.table.selectRow(0)  # the one WeChat refused as busy
    qtbot.mouseClick(dialog.abandon_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT)
    assert desk.ops.journal.get(busy.intent_id).outcome["abandoned"]["note"] == "客户撤回了请求"
    run(qtbot, desk.resolve())
    assert sim.state.account(1, ALICE)["balance"] == 7  # the lost gift, once; never the 5


def test_a_second_refund_of_an_order_within_a_minute_needs_a_second_press(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, order)
    first = run(
        qtbot,
        desk.refund(
            order["order_id"],
            200,
            reason="投诉",
            left_fee=600,
            request_key="ui-first",
            refund_reason="1",
            clawback=False,
        ),
    )
    assert first.state == "refunding"
    run(qtbot, desk.refresh_order(order["order_id"]))  # the mirror shows 400 refundable
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "refund")
    assert dialog.order.currentData()["left_fee"] == 400
    dialog.clawback.setChecked(False)
    dialog.yuan.setValue(1.00)
    dialog.reason.setCurrentText("再次投诉")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog._running, timeout=WAIT)
    assert "again" in dialog.message.text.text() and dialog.allow_repeat
    assert refunds_at_wechat(sim, order["order_id"]) == [200]
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)  # confirmed: do it again
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert refunds_at_wechat(sim, order["order_id"]) == [200, 100]
