"""Getting around (issue 14), through the real window against the simulator over loopback: from
an order to its user and back, Ctrl+K selecting the row it found (a refund id opens that refund,
the start of an id lists its matches, "nothing found" stays until the operator types again), the
Users page opening with the users that need attention, and a language switch keeping the page,
the user and the pasted text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.mirror.records import upsert_orders, upsert_refunds
from dashboard.context import AppContext
from dashboard.lifetimes import destroy
from dashboard.main_window import MainWindow
from dashboard.tasks import TaskRunner
from tests.simfixtures import ALICE, BOB

WAIT = 10_000


def order(order_id: str, openid: str, *, created: int, kind: str = "coin") -> dict:
    return {
        "order_id": order_id,
        "openid": openid,
        "kind": kind,
        "product_id": "vip_month_01" if kind == "item" else "coin",
        "quantity": 1 if kind == "item" else 600,
        "order_fee": 600,
        "paid_fee": 600,
        "left_fee": 600,
        "status": 4,
        "env": 1,
        "create_time": created,
        "paid_time": created + 5,
        "source": "vk-pay",
        "wx_order_id": f"VPO{order_id}",
    }


def seed(desk) -> None:
    now = desk.mirror.now()
    upsert_orders(
        desk.mirror,
        [
            order("ORDALICE0001", ALICE, created=now - 300),
            order("ORDALICE0002", ALICE, created=now - 200, kind="item"),
            order("ORDBOB000001", BOB, created=now - 100),
        ],
    )
    upsert_refunds(
        desk.mirror,
        [
            {
                "refund_order_id": f"RFD{n:04d}",
                "order_id": "ORDALICE0001",
                "openid": ALICE,
                "refund_fee": 100,
                "status": "refunded",
                "started_at": now - 50 + n,
                "finished_at": now - 40 + n,
                "operator": "alice",
                "source": "test",
            }
            for n in range(3)
        ],
    )


def double_click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_from_an_order_to_its_user_and_back(qtbot, window, desk):
    seed(desk)
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: orders.model is not None and orders.model.rowCount() == 3)
    row = next(r for r in range(3) if orders.model.row_dict(r)["order_id"] == "ORDALICE0002")
    double_click_row(qtbot, orders.table, row)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ALICE, timeout=WAIT)
    assert window.stack.currentWidget() is users
    assert users.id_label.label.text() == ALICE  # whole, not elided
    # back: the user's orders, on the Orders page
    users.orders_link.linkActivated.emit("orders")
    assert window.stack.currentWidget() is orders
    assert orders.openid.text() == ALICE and orders.model.rowCount() == 2
    assert orders.detail_openid.value == ALICE
    # the detail pane's link and the row's context menu lead to the user too
    window.go("users", BOB)
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == BOB, timeout=WAIT)
    window.go("orders", "ORDALICE0001")
    assert orders.detail_id.label.text() == "ORDALICE0001"
    assert orders.detail_wx.label.text() == "VPOORDALICE0001"  # whole, with a copy button
    orders.user_link.linkActivated.emit("user")
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ALICE, timeout=WAIT)
    window.go("users", BOB)
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == BOB, timeout=WAIT)
    window.go("orders", "openid:" + ALICE)
    rect = orders.table.visualRect(orders.model.index(0, 0))
    menu = orders.row_menu_at(rect.center())  # what a right click pops up
    assert [a.text() for a in menu.actions()] == ["Open this user", "Refresh from WeChat"]
    menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ALICE, timeout=WAIT)
    # an order entry of the timeline opens its order
    window.go("users", ALICE)
    qtbot.waitUntil(lambda: users.model.rowCount() >= 2, timeout=WAIT)
    entry = next(
        r for r in range(users.model.rowCount()) if users.model.row_dict(r)["ref"] == "ORDALICE0002"
    )
    double_click_row(qtbot, users.table, entry)
    assert window.stack.currentWidget() is orders
    assert orders.detail_id.value == "ORDALICE0002"


def search(qtbot, window, text: str) -> None:
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    window.search.setText(text)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)


def test_ctrl_k_selects_what_it_found(qtbot, window, desk):
    seed(desk)
    search(qtbot, window, "RFD0001")  # a refund id opens that refund
    refunds = window.pages["refunds"]
    assert window.stack.currentWidget() is refunds
    index = refunds.table.currentIndex()
    assert index.isValid() and refunds.model.row_dict(index.row())["refund_order_id"] == "RFD0001"
    assert refunds.ids["refund"].label.text() == "RFD0001"  # whole, with a copy button
    assert refunds.ids["openid"].label.text() == ALICE
    refunds.user_link.linkActivated.emit("user")  # from the refund to its user
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ALICE, timeout=WAIT)
    window.go("refunds", "RFD0001")
    double_click_row(qtbot, refunds.table, refunds.table.currentIndex().row())  # its order
    assert window.pages["orders"].detail_id.value == "ORDALICE0001"
    search(qtbot, window, "VPOORDALICE0002")  # a WeChat order id: its order, row selected
    orders = window.pages["orders"]
    assert window.stack.currentWidget() is orders
    index = orders.table.currentIndex()
    assert orders.model.row_dict(index.row())["order_id"] == "ORDALICE0002"
    assert orders.detail_id.value == "ORDALICE0002"
    search(qtbot, window, "ORDALICE")  # the start of two ids: both listed
    matches = window.matches
    assert matches.isVisible()
    shown = [matches.item(n).text().split()[1] for n in range(matches.count())]
    assert shown == ["ORDALICE0001", "ORDALICE0002"]
    matches.setCurrentRow(0)
    qtbot.keyClick(matches, Qt.Key.Key_Return)
    assert orders.detail_id.value == "ORDALICE0001" and not matches.isVisible()
    index = orders.table.currentIndex()
    assert orders.model.row_dict(index.row())["order_id"] == "ORDALICE0001"
    search(qtbot, window, "NOSUCHID42")
    assert window.search_note.isVisible() and "NOSUCHID42" in window.search_note.text()
    qtbot.wait(50)
    assert window.search_note.isVisible()  # it stays...
    qtbot.keyClicks(window.search, "3")
    assert not window.search_note.isVisible()  # ...until the operator types again


def test_the_users_page_opens_with_users_needing_attention(qtbot, window, desk):
    seed(desk)
    now = desk.mirror.now()
    desk.mirror.conn.execute(
        "INSERT INTO intents (action, request_key, wechat_id, openid, target, amount, state, "
        "operator, reason, created_at, updated_at) VALUES ('clawback', 'k1', 'CLAW0001', ?, "
        "'RFD0001', 600, 'needs_login', 'alice', 'r', ?, ?)",
        (BOB, now, now),
    )
    window.go("orders")
    window.go("users")  # opening the page reads the lists again
    users = window.pages["users"]
    table, attention = users.lists["attention"]
    assert users.overview.isVisible() and not users.body.isVisible()
    assert [r["openid"] for r in attention.rows] == [BOB]
    assert attention.index(0, 2).data() in (
        "Clawback needs the session key (user login)",
        "回收需要会话密钥（等待用户登录）",
    )
    recent = users.lists["recent"][1]
    assert {r["openid"] for r in recent.rows} >= {ALICE, BOB}
    table.selectRow(0)
    double_click_row(qtbot, table, 0)
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == BOB, timeout=WAIT)
    assert users.back.isVisible()
    qtbot.mouseClick(users.back, Qt.MouseButton.LeftButton)
    assert users.overview.isVisible()
    assert users.lists["recent"][1].rows[0]["openid"] == BOB  # looked up here, listed first


def test_a_language_switch_keeps_the_page_the_user_and_pasted_text(qtbot, window, desk, qloop):
    seed(desk)
    window.go("users", ALICE)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ALICE, timeout=WAIT)
    window.go("callbacks")
    window.pages["callbacks"].query.setText("signature=abc&timestamp=1&nonce=2")
    window.pages["callbacks"].body.setPlainText('{"Event": "pasted"}')
    kept = window.carry_state()
    ctx = AppContext(TaskRunner())
    again = MainWindow(ctx)  # what app.run_windows opens in the new language
    try:
        ctx.set_desk(desk)
        again.show()
        again.restore_state(kept)
        assert again.stack.currentWidget() is again.pages["callbacks"]
        assert again.pages["callbacks"].query.text() == "signature=abc&timestamp=1&nonce=2"
        assert again.pages["callbacks"].body.toPlainText() == '{"Event": "pasted"}'
        users_again = again.pages["users"]
        qtbot.waitUntil(
            lambda: users_again.view is not None and users_again.view.openid == ALICE,
            timeout=WAIT,
        )
    finally:
        ctx.runner.cancel_all()
        destroy(again)
    assert QApplication.instance() is not None
