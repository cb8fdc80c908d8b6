"""Issue 14 through the real window, offscreen, against the simulator over loopback: a refund
followed to its clawback with no click, a clawback started for an imported refund, mark delivered
through the confirm dialog, the over-limit gift and the impossible refund refused before any
click, Tab from amount to reason to the session key, WeChat's 268490003 with its likely cause."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from dashboard import fmt
from dashboard.dialogs import MoneyDialog
from dashboard.i18n import tr
from tests.simfixtures import ALICE
from tests.test_dashboard import look_up, open_dialog
from tests.test_refund_tracking import mirror_order, refund_elsewhere

WAIT = 15_000


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def pick(page, refund_id: str) -> None:
    rows = [page.model.row_dict(r)["refund_order_id"] for r in range(page.model.rowCount())]
    page.table.selectRow(rows.index(refund_id))


def refund_rows(page) -> dict[str, dict]:
    rows = [page.model.row_dict(r) for r in range(page.model.rowCount())]
    return {r["refund_order_id"]: r for r in rows}


def test_a_refund_is_followed_to_its_clawback_with_no_click(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    mirror_order(desk.mirror, order)
    window.go("refunds")
    refunds = window.pages["refunds"]
    page = look_up(qtbot, window, ALICE)
    assert page.view.balance.balance == 600
    dialog = open_dialog(qtbot, page, "refund")
    assert (
        dialog.clawback.isChecked() and f"{fmt.coins(600)} → {fmt.coins(0)}" in dialog.effect.text()
    )
    dialog.reason.setCurrentText("用户投诉")
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    pending = tr("Pending: {n}")
    qtbot.waitUntil(lambda: window.pending_button.text() != pending.format(n=0), timeout=WAIT)
    # from here on nobody clicks: the desk follows the refund and claws the coins back
    qtbot.waitUntil(
        lambda: [r["clawback"] for r in refund_rows(refunds).values()] == ["recovered"],
        timeout=WAIT,
    )
    row = next(iter(refund_rows(refunds).values()))
    assert (row["coins_due"], row["coins_taken"], row["coins_outstanding"]) == (600, 600, 0)
    qtbot.waitUntil(lambda: page.view.balance.balance == 0, timeout=WAIT)  # the user card
    qtbot.waitUntil(lambda: window.pending_button.text() == pending.format(n=0), timeout=WAIT)
    assert sim.state.account(1, ALICE)["balance"] == 0


def test_a_clawback_started_for_an_imported_refund(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    coin = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, coin)
    item = sim.user_pays(ALICE, kind="item", coins=1, fee=1800)
    mirror_order(desk.mirror, item, kind="item", quantity=1, paid=1800)
    refund_elsewhere(sim, desk.mirror, coin, "CONSOLE_REFUND_11", 300)
    refund_elsewhere(sim, desk.mirror, item, "CONSOLE_REFUND_12", 1800)
    window.go("refunds")
    page = window.pages["refunds"]
    rows = refund_rows(page)
    assert rows["CONSOLE_REFUND_11"]["clawback"] == "due"
    assert not page.retry.isEnabled() and page.why_not.isVisible()  # nothing selected: says so
    pick(page, "CONSOLE_REFUND_12")  # the item: no clawback, and why is on screen
    assert not page.retry.isEnabled() and "item" in page.why_not.text()
    assert page.retry.toolTip() == page.why_not.text()
    pick(page, "CONSOLE_REFUND_11")
    assert page.retry.isEnabled() and not page.why_not.isVisible()
    click(qtbot, page.retry)
    qtbot.waitUntil(lambda: isinstance(getattr(page, "dialog", None), MoneyDialog), timeout=WAIT)
    dialog = page.dialog
    assert dialog.isVisible() and dialog.value() == 300
    qtbot.waitUntil(
        lambda: f"{fmt.coins(600)} → {fmt.coins(300)}" in dialog.effect.text(), timeout=WAIT
    )  # live balance
    assert not dialog.confirm.isEnabled() and dialog.why.text() == tr("A reason is required.")
    dialog.reason.setCurrentText("控制台退款，代币未回收")
    assert dialog.confirm.isEnabled() and not dialog.why.text()
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(
        lambda: refund_rows(page)["CONSOLE_REFUND_11"]["clawback"] == "recovered", timeout=WAIT
    )
    row = refund_rows(page)["CONSOLE_REFUND_11"]
    assert (row["coins_due"], row["coins_taken"], row["coins_outstanding"]) == (300, 300, 0)
    assert sim.state.account(1, ALICE)["balance"] == 300
    audit = desk.audit_rows(action="clawback")
    assert {r["result"] for r in audit} == {"intent", "ok"}


def test_mark_delivered_goes_through_the_dialog_with_a_reason(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    stuck = sim.state.create_order(
        openid=ALICE, env=1, kind="item", order_fee=1800, quantity=1, product_id="vip_month_01"
    )
    sim.state.pay_order(stuck["order_id"], push=False)  # the delivery push never went out
    mirror_order(desk.mirror, stuck, kind="item", quantity=1, paid=1800)
    desk.mirror.conn.execute(
        "UPDATE orders SET status = 2 WHERE order_id = ?", (stuck["order_id"],)
    )
    window.go("orders")
    page = window.pages["orders"]
    page.show_order(stuck["order_id"])
    assert page.deliver_button.isEnabled()
    click(qtbot, page.deliver_button)
    qtbot.waitUntil(lambda: isinstance(getattr(page, "dialog", None), MoneyDialog), timeout=WAIT)
    dialog = page.dialog
    assert dialog.action == "deliver" and stuck["order_id"] in dialog.subject.text()
    assert not dialog.confirm.isEnabled() and dialog.reason_note.text()  # a reason first
    assert sim.state.order_row(stuck["order_id"])["status"] == 2  # nothing on one click
    dialog.reason.setCurrentText("发货推送失败，已人工核实")
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert sim.state.order_row(stuck["order_id"])["status"] == 4
    message = window.statusBar().currentMessage()
    assert stuck["order_id"] in message and ": done" not in message
    reasons = [r["params"] for r in desk.audit_rows(action="deliver") if r["result"] == "intent"]
    assert reasons and "发货推送失败，已人工核实" in reasons[0]


def test_over_the_limit_and_impossible_refunds_are_refused_before_the_click(
    qtbot, window, desk, sim
):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=4245)
    mirror_order(desk.mirror, order, quantity=4245, paid=4245)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "gift")
    dialog.reason.setCurrentText("补偿")
    qtbot.keyClicks(dialog.amount, "150000")  # as the operator types
    assert dialog.value() == 150_000 and not dialog.confirm.isEnabled()
    note = dialog.amount_note.text()
    assert "100,000" in note and dialog.amount_note.isVisible() and dialog.why.text() == note
    assert "admin" not in note and "管理员" not in note  # never "ask an admin" to an admin
    dialog.amount.setValue(100_000)
    assert dialog.confirm.isEnabled() and not dialog.amount_note.text()
    dialog.reject()
    assert sim.state.account(1, ALICE)["balance"] == 4245  # no gift, no click
    dialog = open_dialog(qtbot, page, "refund")
    dialog.reason.setCurrentText("投诉")
    dialog.yuan.setValue(999)
    assert not dialog.confirm.isEnabled()
    assert "¥42.45" in dialog.amount_note.text() and dialog.why.isVisible()
    assert "999" not in dialog.effect.text() and "99,900" not in dialog.effect.text()
    dialog.yuan.setValue(42.45)
    assert dialog.confirm.isEnabled() and "4,245" in dialog.effect.text()


def test_refund_dialog_lists_orders_and_defaults_to_the_one_the_operator_came_from(
    qtbot, window, desk, sim
):
    sim.add_user(ALICE)
    coin = sim.user_pays(ALICE, coins=600)
    item = sim.user_pays(ALICE, kind="item", coins=1, fee=1800)
    mirror_order(desk.mirror, coin)
    mirror_order(desk.mirror, item, kind="item", quantity=1, paid=1800)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "refund")
    assert dialog.order.count() == 2 and dialog.order.currentIndex() == -1  # none chosen
    assert not dialog.confirm.isEnabled()
    texts = [dialog.order.itemText(i) for i in range(2)]
    assert any("600 coins" in t and "¥6.00" in t for t in texts)
    assert any("1 item" in t and "¥18.00" in t for t in texts)
    dialog.reject()
    rows = [page.model.row_dict(r) for r in range(page.model.rowCount())]
    at = next(
        n for n, r in enumerate(rows) if r["kind"] == "order" and r["ref"] == item["order_id"]
    )
    page.table.selectRow(at)  # the operator came from the item order
    dialog = open_dialog(qtbot, page, "refund")
    assert dialog.order.currentData()["order_id"] == item["order_id"]
    dialog.activateWindow()
    qtbot.waitUntil(dialog.yuan.hasFocus, timeout=WAIT)  # the order is chosen: the amount next
    assert not dialog.clawback.isChecked() and not dialog.clawback.isEnabled()
    assert dialog.clawback_note.text() and "take back" not in dialog.effect.text()


def test_focus_goes_amount_reason_then_the_session_key_and_errors_say_why(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "deduct")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.amount.hasFocus, timeout=WAIT)
    qtbot.keyClicks(dialog.amount, "50")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.reason.hasFocus() or dialog.reason.lineEdit().hasFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "user asked")
    assert dialog.reason.currentText() == "user asked" and not dialog.session_key.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.session_key.hasFocus()  # the masked optional field comes last
    qtbot.keyClicks(dialog.session_key, "bm90IHRoZSB1c2VyIGtleQ==")  # a key, but not hers
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog._running, timeout=WAIT)
    text = dialog.message.text.text()
    assert "268490003" in text and "not this user's latest one" in text
    assert sim.state.account(1, ALICE)["balance"] == 600
