"""The money dialogs as a support agent met them (QA support report #1–#4, #6, #12, #15, #16),
offscreen, through the real window against the simulator."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication

from dashboard import fmt, i18n, theme
from dashboard.dialogs import MoneyDialog
from dashboard.i18n import tr
from tests.opsfixtures import mirror_order
from tests.simfixtures import ALICE
from tests.test_dashboard import look_up, open_dialog
from tests.test_refund_tracking import refund_elsewhere

WAIT = 10_000


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def alice_with_a_deduction(qtbot, window, desk, sim, coins: int = 600):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=1000)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "deduct")
    dialog.amount.setValue(coins)
    dialog.reason.setCurrentText("误充")
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    return page


def test_a_cancellation_is_bounded_by_the_deduction_before_anything_is_sent(
    qtbot, window, desk, sim
):
    page = alice_with_a_deduction(qtbot, window, desk, sim)
    dialog = open_dialog(qtbot, page, "cancel")
    dialog.activateWindow()
    qtbot.waitUntil(  # deduction and amount are filled in: the reason is what is left to type
        lambda: dialog.reason.hasFocus() or dialog.reason.lineEdit().hasFocus(), timeout=WAIT
    )
    assert dialog.value() == 600 and "600" in dialog.limits.text()
    dialog.reason.setCurrentText("撤销误扣")
    dialog.amount.setValue(700)
    assert not dialog.confirm.isEnabled()
    assert "600" in dialog.amount_note.text() and dialog.why.text() == dialog.amount_note.text()
    assert "→" not in dialog.effect.text()  # never a balance it cannot reach
    dialog.amount.setValue(600)
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert sim.state.account(1, ALICE)["balance"] == 1000


def test_no_deduction_to_cancel_is_said_instead_of_an_empty_form(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "cancel")
    assert not dialog.deduction.isVisible() and not dialog.amount.isVisible()
    assert dialog.why.text() == tr("This user has no deduction to cancel.")
    assert tr("Enter a number of coins.") not in dialog.amount_note.text()
    assert not dialog.confirm.isEnabled()


def test_after_a_refusal_the_confirm_button_works_again(qtbot, window, desk, sim):
    page = alice_with_a_deduction(qtbot, window, desk, sim)
    dialog = open_dialog(qtbot, page, "cancel")
    new_key = sim.state.relogin(ALICE)  # the stored key dies: WeChat refuses the cancellation
    dialog.reason.setCurrentText("撤销误扣")
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog._running, timeout=WAIT)
    assert sim.state.account(1, ALICE)["balance"] == 400
    desk.vault.store(ALICE, new_key, obtained_at=desk.mirror.now(), source="import")
    assert dialog.confirm.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert sim.state.account(1, ALICE)["balance"] == 1000


def test_a_long_message_grows_the_dialog_instead_of_being_clipped(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "gift")
    dialog.reason.setCurrentText("补偿")
    qtbot.keyClicks(dialog.amount, "150000")  # over the admin's limit: a long note, twice
    qtbot.waitUntil(
        lambda: dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width()),
        timeout=WAIT,
    )
    note = dialog.amount_note.text()
    assert note and "[limits]" not in note and "profile" in note
    assert dialog.amount_note.height() >= dialog.amount_note.heightForWidth(
        dialog.amount_note.width()
    )


def test_amounts_use_comma_grouping_whatever_the_system_locale(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    page = look_up(qtbot, window, ALICE)
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        dialog = open_dialog(qtbot, page, "gift")
        dialog.reason.setCurrentText("补偿")
        dialog.amount.setValue(100_001)
        assert dialog.amount.text() == "100,001"
        dialog.amount.clear()
        qtbot.keyClicks(dialog.amount, "1.5")
        assert dialog.value() != 15 and not dialog.confirm.isEnabled()
        assert dialog.amount_note.text() == tr("Whole coins only: “1.5” is not a number of coins.")
        dialog.amount.clear()
        qtbot.keyClicks(dialog.amount, "15")
        assert dialog.value() == 15 and dialog.confirm.isEnabled()
    finally:
        QLocale.setDefault(before)


def test_a_malformed_pasted_session_key_is_said_beside_the_field(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    coin = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, coin)
    refund_elsewhere(sim, desk.mirror, coin, "CONSOLE_REFUND_21", 300)
    window.go("refunds")
    page = window.pages["refunds"]
    row = next(
        r
        for r in range(page.model.rowCount())
        if page.model.row_dict(r)["refund_order_id"] == "CONSOLE_REFUND_21"
    )
    page.table.selectRow(row)
    click(qtbot, page.retry)
    qtbot.waitUntil(lambda: isinstance(getattr(page, "dialog", None), MoneyDialog), timeout=WAIT)
    dialog = page.dialog
    dialog.reason.setCurrentText("控制台退款")
    qtbot.keyClicks(dialog.session_key, "QA over clawback")
    assert not dialog.confirm.isEnabled()
    assert dialog.why.text() == tr(
        "The pasted session key is malformed: WeChat's are 24 characters of base64. "
        "Copy it again, or leave it empty to use the stored key."
    )
    assert "QA over clawback" not in dialog.why.text() + dialog.effect.text()
    pending = len(desk.ops.pending())
    dialog.session_key.clear()
    assert dialog.confirm.isEnabled()
    assert len(desk.ops.pending()) == pending


def test_the_refund_dialog_shows_the_balance_when_opened_without_one(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    order = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, order)
    # as the complaints page opens it: the order, no balance
    dialog = MoneyDialog(
        window.ctx,
        "refund",
        ALICE,
        parent=window,
        orders=desk.user_orders(ALICE),
        order_id=order["order_id"],
    )
    dialog.open()
    balance = f"{fmt.coins(600)} → {fmt.coins(0)}"
    qtbot.waitUntil(lambda: balance in dialog.effect.text(), timeout=WAIT)
    dialog.reject()


def test_the_chinese_reason_field_is_wide(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    translator = i18n.install("zh_CN")
    try:
        page = look_up(qtbot, window, ALICE)
        gift = open_dialog(qtbot, page, "gift")
        assert gift.reason.width() >= 250
    finally:
        if translator is not None:
            QApplication.instance().removeTranslator(translator)


def test_mark_delivered_says_why_it_cannot_on_a_delivered_order(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, kind="item", coins=1, fee=1800)
    mirror_order(desk.mirror, order, kind="item", quantity=1, paid=1800)  # status 4: delivered
    window.go("orders")
    page = window.pages["orders"]
    page.show_order(order["order_id"])
    button = page.deliver_button
    assert not button.isEnabled() and button.text() == tr("Already delivered")
    assert fmt.status_text(4)[0] in button.toolTip()


def test_a_failed_cancellation_is_not_shown_as_a_credit(qtbot, window, desk, sim):
    page = alice_with_a_deduction(qtbot, window, desk, sim)
    dialog = open_dialog(qtbot, page, "cancel")
    sim.state.relogin(ALICE)  # WeChat refuses the cancellation: nothing moves
    dialog.reason.setCurrentText("撤销误扣")
    click(qtbot, dialog.confirm)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and not dialog._running, timeout=WAIT)
    dialog.reject()
    page = look_up(qtbot, window, ALICE)
    model = page.model

    def cancel_rows() -> list[int]:
        return [r for r in range(model.rowCount()) if model.row_dict(r)["kind"] == "cancel"]

    def settled() -> bool:
        rows = cancel_rows()
        return bool(rows) and all(model.row_dict(r)["entry"].status != "sending" for r in rows)

    # the user was already on screen, so look_up returns at once; a refresh started while the
    # cancellation was being sent may land first: wait for the timeline with its final state
    qtbot.waitUntil(settled, timeout=WAIT)
    column = next(n for n, c in enumerate(model.columns) if c.key == "signed_amount")
    rows = cancel_rows()
    for r in rows:
        brush = model.data(model.index(r, column), Qt.ItemDataRole.ForegroundRole)
        assert brush is not None and brush.color().name().lower() == theme.GREY.lower()
