"""QA T1 (support tester) findings 3-7 and 12 on a team window, against a real team server
process stopped under the open window: pages with data keep showing it (stale, marked), pages
with nothing say the server is unreachable (never "no refunds yet"); another order selected
offline never leaves the previous order's detail beside a Refund button; the sidebar follows
Ctrl+N; every money-moving button is held disabled with the reason; the banner's time is the
last contact with the server; an amount that needs approval never previews the balance as if
it moved on click; an item refund's result never mentions coins."""

from __future__ import annotations

import asyncio
import time

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from dashboard.connection import data_time
from dashboard.context import AppContext
from dashboard.lifetimes import destroy
from dashboard.main_window import MainWindow
from dashboard.tasks import TaskRunner
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team_sim  # noqa: F401  (fixture)
from tests.teamfixtures import own_team, pay, stop  # noqa: F401  (fixture)

WAIT = 15_000
ANN = "oOfflineQaAnn00000000000001"
BEN = "oOfflineQaBen00000000000002"


@pytest.fixture
def team_window(qtbot, qloop, settings):
    opened: list[tuple[MainWindow, object]] = []

    def open_window(server, name: str) -> MainWindow:
        desk = remote_desk(server, name)
        ctx = AppContext(TaskRunner())
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        ctx.set_desk(desk)
        window.show()
        opened.append((window, desk))
        return window

    yield open_window
    for window, desk in opened:
        if shiboken6.isValid(window):
            window.ctx.runner.cancel_all()
            window.close()
        closing = asyncio.ensure_future(desk.close())  # type: ignore[attr-defined]
        qtbot.waitUntil(closing.done, timeout=WAIT)
    for window, _desk in opened:
        destroy(window)


def offline(qtbot, window, server) -> None:
    qtbot.waitUntil(lambda: window.ctx.desk._stream_socket is not None, timeout=WAIT)
    stop(server)
    qtbot.waitUntil(lambda: window.connection.isVisible(), timeout=WAIT)


def order_ids(page) -> list[str]:
    return [page.model.row_dict(r)["order_id"] for r in range(page.model.rowCount())]


def test_refunds_page_opened_offline_says_unreachable_and_ctrl_3_shows_it(
    own_team,  # noqa: F811
    team_window,
    qtbot,
):
    window = team_window(own_team, "sam")
    window.go("orders")
    offline(qtbot, window, own_team)
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    refunds = window.pages["refunds"]
    assert window.stack.currentWidget() is refunds  # the sidebar and the page agree
    assert window.nav.currentRow() == window.stack.currentIndex()
    assert refunds.empty.isVisible()
    assert "No refunds yet" not in refunds.empty.text()
    assert "unreachable" in refunds.empty.text()
    for widget in (refunds.retry, refunds.track):  # built offline: held from the start
        assert not widget.isEnabled() and "team server" in widget.toolTip()


def test_refunds_page_offline_keeps_its_rows_marked_stale(
    own_team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    order_id = pay(own_team, team_sim, ANN, 600)
    window = team_window(own_team, "fay")
    desk = window.ctx.desk
    refunding = asyncio.ensure_future(
        desk.refund(order_id, 100, reason="退款测试", left_fee=600, request_key="qa-t1-4")
    )
    qtbot.waitUntil(refunding.done, timeout=WAIT)
    window.go("refunds")
    refunds = window.pages["refunds"]
    qtbot.waitUntil(lambda: refunds.model.rowCount() == 1, timeout=WAIT)
    offline(qtbot, window, own_team)
    refunds.only_open.setChecked(True)  # a list never asked before: nothing kept for it
    assert refunds.model.rowCount() == 1  # what was shown stays
    assert refunds.empty.isHidden()
    assert "unreachable" in refunds.summary.text()


def test_another_order_selected_offline_never_shows_the_previous_one(
    own_team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    first = pay(own_team, team_sim, ANN, 300)
    second = pay(own_team, team_sim, BEN, 400)
    window = team_window(own_team, "sam")
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: second in order_ids(orders), timeout=WAIT)
    qtbot.waitUntil(lambda: first in order_ids(orders), timeout=WAIT)
    orders.table.selectRow(order_ids(orders).index(first))
    qtbot.waitUntil(lambda: orders.detail_id.value == first, timeout=WAIT)
    offline(qtbot, window, own_team)
    orders.table.selectRow(order_ids(orders).index(second))  # never read: nothing kept
    assert orders.detail_id.value != first
    assert orders.current is None
    assert not orders.refund_button.isEnabled()
    assert "can't be loaded" in orders.detail_note.text()
    assert "Unexpected" not in window.statusBar().currentMessage()
    orders.table.selectRow(order_ids(orders).index(first))  # read before: shown from then
    assert orders.detail_id.value == first
    assert orders.detail_note.isHidden() or "can't be loaded" not in orders.detail_note.text()


def test_every_money_button_is_held_disabled_offline_with_the_reason(
    own_team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    from dashboard.connection import money_buttons

    order_id = pay(own_team, team_sim, ANN, 300)
    window = team_window(own_team, "sam")
    window.go("users", ANN)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None, timeout=WAIT)
    window.go("orders")
    window.pages["orders"].select_order(order_id, ANN)
    window.go("refunds")
    window.go("complaints")
    window.pending_button.click()
    pending = window._pending_dialog
    found = {b.text() for b in money_buttons(window)}
    for text in ("Cancel deduction", "Gift coins", "Start clawback", "Resolve now"):
        assert text in found, found
    assert any(t.startswith("Abandon") for t in found)
    assert any(t in ("Mark delivered", "Already delivered") for t in found)
    offline(qtbot, window, own_team)
    pending.note.setText("never sent")  # the abandon button wants a note: still held
    users.actions["cancel"].setEnabled(True)  # a page changing its mind: still held
    for widget in money_buttons(window):
        assert not widget.isEnabled(), widget.text()
        assert "team server" in widget.toolTip(), widget.text()


def test_the_banner_time_is_the_last_contact_with_the_server(
    own_team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    window = team_window(own_team, "sam")
    window.go("refunds")  # an answer kept from now
    qtbot.waitUntil(lambda: window.ctx.desk._stream_socket is not None, timeout=WAIT)
    time.sleep(1.2)
    heard: list[float] = []
    window.ctx.desk.subscribe(lambda what: "pushes" in what and heard.append(time.time()))
    pay(own_team, team_sim, ANN, 300)  # a push arrives later, as an event
    qtbot.waitUntil(lambda: bool(heard), timeout=WAIT)
    offline(qtbot, window, own_team)
    window.pages["refunds"].refresh()  # falls back to the older answer
    assert data_time(window.ctx.desk) >= heard[0] - 0.5


def test_a_gift_that_needs_approval_previews_the_balance_after_approval(
    own_team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    from dashboard.dialogs import MoneyDialog

    team_sim.add_user(BEN)
    window = team_window(own_team, "sam")  # support: a gift above 1,000 coins needs approval
    dialog = MoneyDialog(window.ctx, "gift", BEN, parent=window, balance=100)
    dialog.open()
    dialog.reason.setCurrentText("活动补偿")
    dialog.amount.setValue(500)
    assert "Balance 100 → 600" in dialog.effect.text().replace(" coins", "")
    dialog.amount.setValue(1500)
    assert dialog.approval_note.isVisible()
    assert "Balance 100 → 1,600" not in dialog.effect.text().replace(" coins", "")
    assert "after approval" in dialog.effect.text()
    dialog.reject()


def test_an_item_refund_result_never_mentions_coins(qtbot, window, desk, sim):
    from core.operations.engine import OpResult
    from dashboard.dialogs import MoneyDialog
    from tests.opsfixtures import mirror_order
    from tests.simfixtures import ALICE

    sim.add_user(ALICE)
    item = sim.user_pays(ALICE, kind="item", coins=1, fee=1800)
    mirror_order(desk.mirror, item, kind="item", quantity=1, paid=1800)
    dialog = MoneyDialog(
        window.ctx,
        "refund",
        ALICE,
        parent=window,
        orders=desk.user_orders(ALICE),
        order_id=item["order_id"],
    )
    dialog.amount.setValue(1800)
    said = dialog._success_text(OpResult(1, "refund", "", "refunding", "", {}))
    assert "Refund started" in said and "coin" not in said
    dialog.reject()


def test_ctrl_n_shows_the_page_the_sidebar_highlights_on_a_solo_window(qtbot, window):
    for n in range(1, 10):
        QTest.keyClick(window, getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.ControlModifier)
        assert window.nav.currentRow() == n - 1
        assert window.stack.currentIndex() == n - 1
        assert window.stack.currentWidget() is window.pages[window.page_specs[n - 1].name]


def test_complaints_and_search_offline_say_unreachable_not_nothing(
    own_team,  # noqa: F811
    team_window,
    qtbot,
):
    window = team_window(own_team, "sam")
    offline(qtbot, window, own_team)
    window.go("complaints")
    complaints = window.pages["complaints"]
    assert window.stack.currentWidget() is complaints
    assert complaints.empty.isHidden() and "unreachable" in complaints.summary.text()
    window.search.setText("nothing-like-this-was-ever-asked")
    window._search()
    assert "unreachable" in window.search_note.text()
    assert "Unexpected" not in window.statusBar().currentMessage()
