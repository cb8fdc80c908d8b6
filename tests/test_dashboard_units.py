"""Every number with its unit (issue 14): the Orders table's quantity says coins or items, the
timeline's amounts say ¥ or coins, the callback inspector puts Beijing dates and yuan beside the
raw values, and the reconciliation chart has a yuan axis, the day's figures on hover and a
clawback bar that never vanishes beside a large refund."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from core.mirror.records import upsert_orders
from dashboard import theme
from dashboard.pages.reconcile import DailyChart
from tests.simfixtures import ALICE
from tests.test_dashboard import paste_a_coin_push
from tests.test_dashboard_navigation import order

WAIT = 10_000


def test_quantities_and_amounts_carry_their_unit(qtbot, window, desk):
    now = desk.mirror.now()
    upsert_orders(
        desk.mirror,
        [
            order("ORDUNIT0001", ALICE, created=now - 100),
            order("ORDUNIT0002", ALICE, created=now - 50, kind="item"),
        ],
    )
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: orders.model is not None and orders.model.rowCount() == 2)
    column = [c.key for c in orders.model.columns].index("quantity")
    shown = {
        orders.model.row_dict(r)["order_id"]: orders.model.index(r, column).data() for r in range(2)
    }
    assert shown == {"ORDUNIT0001": "600 coins", "ORDUNIT0002": "1 item"}
    window.go("users", ALICE)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.model.rowCount() == 2, timeout=WAIT)
    amounts = [users.model.index(r, 2).data() for r in range(2)]
    assert amounts == ["¥6.00", "¥6.00"]
    details = [users.model.index(r, 5).data() for r in range(2)]
    assert details == ["vip_month_01 · 1 item", "600 coins"]


def test_the_callback_inspector_shows_dates_and_yuan_beside_raw_values(qtbot, window, sim):
    page, _wire = paste_a_coin_push(window, sim)
    page.decode()
    items = {}
    stack = [page.tree.topLevelItem(n) for n in range(page.tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        items[item.text(0)] = (item.text(1), item.text(2))
        stack += [item.child(n) for n in range(item.childCount())]
    raw, meaning = items["CreateTime"]
    assert raw.isdigit() and meaning.startswith("20") and len(meaning) == 19  # a Beijing time
    raw, meaning = items["ActualPrice"]
    assert raw == "600" and meaning == "¥6.00"
    assert items["Event"][1] == "Coin top-up push" and items["Quantity"] == ("600", "600 coins")
    assert "Genuine" in page.verdict.text() and "_" not in page.verdict.text()


def test_the_chart_has_an_axis_values_on_hover_and_visible_clawbacks(qtbot):
    chart = DailyChart()
    qtbot.addWidget(chart)
    chart.resize(600, 160)
    days = [
        {"day": "2026-11-01", "refunded": 5_000_000, "coins_clawed_back": 100},
        {"day": "2026-11-02", "refunded": 0, "coins_clawed_back": 0},
    ]
    chart.set_days(days, 100)
    image = QImage(chart.size(), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    chart.render(image)
    green = QColor(theme.GREEN).rgb()
    first_day = chart.plot()
    found = [
        (x, y)
        for x in range(int(first_day.left()), int(first_day.left() + first_day.width() / 2))
        for y in range(int(first_day.top()), int(first_day.bottom()) + 1)
        if image.pixel(x, y) == green
    ]
    assert found  # ¥1 of clawback beside ¥50,000 of refunds is still a bar
    assert chart.tip(0) == "2026-11-01: refunded ¥50,000.00; clawed back 100 coins (≈ ¥1.00)"
    assert chart.day_at(first_day.left() + 1) == 0 and chart.day_at(first_day.right() - 1) == 1
