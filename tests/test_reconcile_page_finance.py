"""Finance QA on the reconciliation page: the first view, card units, readable discrepancies,
the day drill-down and a discrepancy's order selected in the Orders list."""

from __future__ import annotations

from datetime import date

from core.mirror.records import upsert_orders, upsert_refunds
from tests.test_reconcile import _double_click_discrepancy, _paid_last_month, order, refund, ts

WAIT = 10_000


def _run(qtbot, window, since: date, until: date):
    window.go("reconcile")
    page = window.pages["reconcile"]
    page.preset.setCurrentIndex(3)  # custom
    page.since.setDate(since)
    page.until.setDate(until)
    page.run_report()
    qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT)
    return page


def test_before_the_first_run_the_page_asks_for_a_report_not_no_data(qtbot, window):
    from dashboard.i18n import tr
    from dashboard.pages.reconcile import RUN_FIRST

    window.go("reconcile")
    page = window.pages["reconcile"]
    assert page.chart.empty_text() == tr(RUN_FIRST) != tr("No data for this period")
    page = _run(qtbot, window, date(2026, 11, 1), date(2026, 11, 2))
    assert page.chart.empty_text() == tr("No data for this period")


def test_cards_say_what_they_count(qtbot, window, desk):
    upsert_orders(desk.mirror, [order("O1", status=2, day=2)])  # paid, never delivered
    page = _run(qtbot, window, date(2026, 11, 1), date(2026, 11, 30))
    assert page.figures["discrepancies"].value.text() in ("1 处差异", "1 discrepancy")
    assert page.figures["open_items"].value.text() in ("1 项", "1 open item")
    assert page.figures["needs_login"].value.text() in ("0 笔退款", "0 refunds")


def test_a_discrepancys_explanation_and_type_read_whole(qtbot, window, desk):
    from PySide6.QtCore import Qt

    upsert_orders(desk.mirror, [order("O1", status=2, day=2)])
    page = _run(qtbot, window, date(2026, 11, 1), date(2026, 11, 30))
    table, model = page.tables["discrepancies"]
    keys = [c.key for c in model.columns]
    detail = model.index(0, keys.index("detail"))
    shown = detail.data(Qt.ItemDataRole.DisplayRole)
    assert shown and detail.data(Qt.ItemDataRole.ToolTipRole) == shown
    for key in ("detail", keys[0]):  # the explanation and the type
        n = keys.index(key)
        assert table.columnWidth(n) >= table.sizeHintForColumn(n), key


def test_the_day_drill_down_lists_payments_and_refunds_with_whole_ids(qtbot, window, desk):
    upsert_orders(desk.mirror, [order("ORD1790000000000000007", day=2, left=300)])
    upsert_refunds(
        desk.mirror, [refund("REF1790000000000000009", "ORD1790000000000000007", 300, day=2)]
    )
    page = _run(qtbot, window, date(2026, 11, 1), date(2026, 11, 30))
    table, model = page.tables["daily"]
    table.setCurrentIndex(model.index(0, 0))
    page._drill_day()
    qtbot.waitUntil(lambda: page.drill_model.rowCount() == 2, timeout=WAIT)
    ids = [page.drill_model.index(n, 1).data() for n in range(2)]
    assert ids == ["ORD1790000000000000007", "REF1790000000000000009"]
    keys = [c.key for c in page.drill_model.columns]
    assert keys[-1] == "openid"  # the time column is not the one stretched over the table
    n = keys.index("id")
    assert page.drill_table.columnWidth(n) >= page.drill_table.sizeHintForColumn(n)
    assert ts(2) in [page.drill_model.row_dict(r)["at"] for r in range(2)]


def test_a_discrepancys_order_is_selected_in_the_orders_list(qtbot, window, desk, sim):
    item = _paid_last_month(sim, kind="item", fee=990)
    upsert_orders(
        desk.mirror,
        [
            order(item["order_id"], kind="item", paid_fee=990, quantity=1, status=2)
            | {"openid": item["openid"], "paid_time": item["paid_time"], "env": 1}
        ],
    )
    orders = _double_click_discrepancy(qtbot, window, item["paid_time"], item["order_id"])
    qtbot.waitUntil(lambda: orders.current is not None, timeout=WAIT)
    index = orders.table.currentIndex()
    assert index.isValid() and orders.model.row_dict(index.row())["order_id"] == item["order_id"]
    assert orders.fix_hint.isVisible()
    history = orders.history.toPlainText()
    assert "实付" not in history and any(w in history for w in ("支付成功", "Payment received"))
