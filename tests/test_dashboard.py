"""The dashboard driven end to end, offscreen, against the simulator over loopback: look up a
user, gift coins and see the balance change, refund an order with clawback, paste a push and save
it, import a file, export a report. Any Qt warning fails a test (qt_log_level_fail)."""

from __future__ import annotations

import json

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from core.mirror.records import upsert_orders
from dashboard.dialogs import MoneyDialog
from dashboard.models import Col, OrdersModel, RowsModel
from tests.opsfixtures import mirror_order
from tests.simfixtures import ALICE

WAIT = 10_000


def look_up(qtbot, window, openid: str):
    window.go("users")
    page = window.pages["users"]
    page.openid.setText(openid)
    qtbot.mouseClick(page.lookup, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.view is not None and page.view.openid == openid, timeout=WAIT)
    return page


def open_dialog(qtbot, page, action: str) -> MoneyDialog:
    qtbot.mouseClick(page.actions[action], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: isinstance(getattr(page, "dialog", None), MoneyDialog) and page.dialog.isVisible(),
        timeout=WAIT,
    )
    return page.dialog


def test_look_up_a_user_and_gift_coins(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    page = look_up(qtbot, window, ALICE)
    assert "600" in page.balance.text()
    assert page.key_badge.text() in ("Fresh", "有效")
    dialog = open_dialog(qtbot, page, "gift")
    assert not page.actions["gift"].isEnabled()  # disabled while its dialog is open
    dialog.amount.setValue(150)
    assert not dialog.confirm.isEnabled()  # a reason is required
    dialog.reason.setCurrentText("补偿 compensation")
    assert dialog.confirm.isEnabled() and not dialog.confirm.isDefault()
    assert "150" in dialog.confirm.text() and "≈ ¥1.50" in dialog.effect.text()
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: "750" in page.balance.text(), timeout=WAIT)
    assert sim.state.account(1, ALICE)["balance"] == 750
    kinds = [page.model.row_dict(r)["kind"] for r in range(page.model.rowCount())]
    assert kinds.count("gift") == 1 and "audit" not in kinds  # one entry, its audit rows inside
    assert page.actions["gift"].isEnabled()


def test_refund_an_order_with_clawback(qtbot, window, desk, sim):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    mirror_order(desk.mirror, order)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "refund")
    assert dialog.order.count() == 1 and dialog.clawback.isChecked()
    assert "600" in dialog.effect.text()  # coins to take back
    dialog.reason.setCurrentText("用户投诉")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    sim.advance(1)  # the simulated refund finishes
    window.go("refunds")
    refunds = window.pages["refunds"]
    qtbot.mouseClick(refunds.track, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            refunds.model.rowCount() == 1 and refunds.model.row_dict(0)["clawback"] == "recovered"
        ),
        timeout=WAIT,
    )
    assert sim.state.account(1, ALICE)["balance"] == 0
    assert sim.state.order_row(order["order_id"])["left_fee"] == 0


def paste_a_coin_push(window, sim):
    """Alice pays 600 coins; the push the simulator delivered for it is pasted into the
    callback inspector (not decoded yet). Returns the page and the push."""
    sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    wire = sim.delivered[0]
    window.go("callbacks")
    page = window.pages["callbacks"]
    page.query.setText("https://merchant.example/notify?" + wire.query)
    page.body.setPlainText(wire.body)
    return page, wire


def test_paste_a_push_and_save_it(qtbot, window, desk, sim):
    page, wire = paste_a_coin_push(window, sim)
    qtbot.mouseClick(page.decode_button, Qt.MouseButton.LeftButton)
    assert page.verdict.text().startswith(("Genuine", "校验通过"))
    assert page.tree.topLevelItemCount() > 5
    assert json.loads(page.reply.toPlainText()) == {"ErrCode": 0, "ErrMsg": "success"}
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert desk.mirror.count("pushes") == 1
    page.body.setPlainText(wire.body.replace("A", "B", 1))
    qtbot.mouseClick(page.decode_button, Qt.MouseButton.LeftButton)
    assert page.verdict.text().startswith(("Rejected", "已拒绝"))
    assert page.inline.isVisible() and "signature" in page.inline.text.text().lower()


def test_import_a_file(qtbot, window, desk, tmp_path):
    path = tmp_path / "vk-pay-orders.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "out_trade_no": f"VKIMPORT{n:05d}",
                    "pay_type": "wxpay-virtual",
                    "status": 1,
                    "openid": ALICE,
                    "total_fee": 600,
                    "_add_time": 1767225600000 + n,
                    "pay_date": 1767225660000 + n,
                    "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 600},
                }
            )
            for n in range(25)
        )
        + "\n{broken\n",
        encoding="utf-8",
    )
    dialog = window.import_files([path])
    assert dialog.kind.currentData() == "orders"
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.reports) and not dialog.running, timeout=WAIT)
    assert dialog.reports[0].added == 25 and dialog.reports[0].rejected[0].line == 26
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: orders.model.rowCount() == 25, timeout=WAIT)


def test_export_a_report(qtbot, window, desk, tmp_path):
    window.go("reconcile")
    page = window.pages["reconcile"]
    qtbot.mouseClick(page.export, Qt.MouseButton.LeftButton)  # before a report: nothing to export
    page.run_report()
    qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT)
    assert page.export.isEnabled() and page.tabs.count() == 4
    target = tmp_path / "report.xlsx"
    page.export_to(target)
    qtbot.waitUntil(target.exists, timeout=WAIT)
    qtbot.waitUntil(lambda: window.ctx.runner.running == 0, timeout=WAIT)
    assert openpyxl.load_workbook(target).sheetnames[0] == "汇总 Summary"


def test_search_jumps_to_the_order(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    upsert_orders(
        desk.mirror,
        [
            {
                "order_id": order["order_id"],
                "openid": ALICE,
                "kind": "coin",
                "product_id": "coin",
                "quantity": 600,
                "order_fee": 600,
                "paid_fee": 600,
                "left_fee": 600,
                "status": 2,
                "env": 1,
                "create_time": 1,
                "paid_time": 2,
                "source": "test",
                "wx_order_id": order["wx_order_id"],
            }
        ],
    )
    window.search.setText(order["wx_order_id"])
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.pages["orders"]
    orders = window.pages["orders"]
    assert orders.detail_id.value == order["order_id"]
    assert orders.deliver_button.isEnabled()


@pytest.fixture
def many_orders(desk):
    rows = [
        {
            "order_id": f"M{n:07d}",
            "openid": f"oMODEL{n % 9:022d}",
            "kind": "coin",
            "product_id": "coin",
            "quantity": 600,
            "order_fee": 600,
            "paid_fee": 600 + n,
            "left_fee": 600,
            "status": 4 if n % 5 else 2,
            "env": 1,
            "create_time": 1000 + n,
            "paid_time": 1001 + n,
            "source": "t",
        }
        for n in range(1500)
    ]
    upsert_orders(desk.mirror, rows)
    return rows


def test_orders_model_is_lazy_and_passes_the_model_tester(qtbot, desk, many_orders, qloop):
    model = OrdersModel(desk.order_pager)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    before = model.pages_loaded  # the tester looked at a few cells
    assert model.rowCount() == 1500 and before <= 2
    assert model.index(1499, 0).data() == "M0000000"  # newest first: the last row is the oldest
    assert model.pages_loaded <= before + 1  # the last row cost one page, not all of them
    model.sort(4, Qt.SortOrder.AscendingOrder)  # by paid fee, in SQL
    assert model.index(0, 4).data() == "¥6.00"
    from core.mirror.queries import OrderFilter

    model.reload(filt=OrderFilter(statuses=(2,)))
    assert model.rowCount() == 300


def test_rows_model_passes_the_model_tester(qapp):
    model = RowsModel([Col("a", "A"), Col("b", "Paid", "fen")], [{"a": "x", "b": 100}])
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows([{"a": "y", "b": -5}, {"a": "z", "b": None}])
    assert model.index(0, 1).data() == "-¥0.05"


def test_cjk_glyphs_are_available(qapp):
    from PySide6.QtGui import QFontDatabase

    from dashboard import theme

    theme.load_fonts()
    assert QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)


def test_translations_are_complete():
    """In a fresh interpreter: the check parses every dashboard module with `ast`, and CPython
    3.11.7's AST builder fails at random ("recursion depth mismatch", gh-106905) when a finaliser
    runs in the middle, which a GUI test session's garbage can make happen."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "packaging" / "i18n.py"
    code = (
        f"import sys; sys.path.insert(0, {str(script.parent)!r}); import i18n; "
        "print(len(i18n.source_strings())); print('\\n'.join(i18n.check()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert int(out[0]) > 200
    assert [line for line in out[1:] if line] == []


def test_a_deep_jump_under_a_filter_never_waits_on_the_ui_thread(qtbot, window, desk, many_orders):
    """The anchors of a filtered list come from a second connection in a worker; meanwhile the
    rows are empty (not wrong), and they fill in with the same rows the slow path gives."""
    from core.mirror.queries import OrderFilter, OrderSort

    window.go("orders")
    model = window.pages["orders"].model
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    sort = OrderSort("paid_fee", descending=False)
    model.reload(filt=OrderFilter(statuses=(4,)), sort=sort)
    assert model.rowCount() == 1200
    with qtbot.waitSignal(model.preparing, timeout=WAIT) as started:
        assert model.index(1100, 0).data() in ("", "—")  # asked for: not there yet
    assert started.args == [True]
    qtbot.waitUntil(lambda: not model.is_preparing, timeout=WAIT)
    slow = desk.order_pager(OrderFilter(statuses=(4,)), sort).rows(1100, 5)  # computes in place
    assert [model.index(1100 + n, 0).data() for n in range(5)] == [r["order_id"] for r in slow]
    assert model.index(1100, 0).data().startswith("M")
