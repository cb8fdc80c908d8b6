"""QA T1 8 and 15 on the Orders page: an order only a push vouches for (not found at WeChat, or
an old pasted push) offers no refund or delivery and says why; the history of one second lists
the payment before the delivery."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.mirror.records import upsert_orders
from tests.simfixtures import ALICE


def order_row(order_id: str, source: str, at: int) -> dict:
    return {
        "order_id": order_id, "openid": ALICE, "kind": "item", "product_id": "sword",
        "quantity": 1, "order_fee": 600, "paid_fee": 600, "left_fee": 600, "status": 4,
        "env": 1, "create_time": at, "paid_time": at, "provide_time": at, "source": source,
    }  # fmt: skip


def test_an_order_not_found_at_wechat_offers_no_refund(window, desk):
    at = desk.mirror.now()
    with desk.mirror.transaction():
        upsert_orders(desk.mirror, [order_row("ORDnotfound0001", "not_found", at)])
        upsert_orders(desk.mirror, [order_row("ORDpasted000001", "pasted", at)])
        upsert_orders(desk.mirror, [order_row("ORDfine00000001", "push", at)])
    page = window.pages["orders"]
    page.show_order("ORDnotfound0001")
    assert not page.refund_button.isEnabled()
    assert "not found at WeChat" in page.refund_button.toolTip()
    assert "Not found at WeChat" in [v.text() for v in page.form_labels.values()]
    page.show_order("ORDpasted000001")
    assert not page.refund_button.isEnabled() and "refresh it" in page.refund_button.toolTip()
    page.show_order("ORDfine00000001")
    assert page.refund_button.isEnabled() and page.refund_button.toolTip() == ""


def test_the_history_of_one_second_is_in_the_order_things_happen(window, desk):
    with desk.mirror.transaction():
        upsert_orders(desk.mirror, [order_row("ORDsamesecond01", "push", desk.mirror.now())])
    page = window.pages["orders"]
    page.show_order("ORDsamesecond01")
    lines = page.history.toPlainText().splitlines()
    said = [line.split("  ", 1)[1] for line in lines]
    assert said.index("Payment received") < said.index("Delivered")


def test_an_old_push_is_saved_only_on_a_second_press_and_unverified(window, desk):
    from core.simulator import SimConfig, Simulator

    with Simulator(SimConfig(), seed=13) as previous:  # a previous demo run: same demo keys
        previous.state.offset = -1200
        order = previous.user_pays(ALICE, coins=600)
        push = previous.delivered[-1]
    window.go("callbacks")
    page = window.pages["callbacks"]
    page.query.setText(push.query)
    page.body.setPlainText(push.body)
    page.decode()
    assert page.save_button.text() == "Save to mirror"
    page.save()  # the first press only says it may be a replay
    assert desk.order_detail(order["order_id"]) is None
    assert "min old" in page.save_button.text() and "replay" in page.inline.text.text()
    page.save()
    assert desk.order_detail(order["order_id"])["order"]["source"] == "pasted"


def test_a_fresh_push_is_saved_at_once(window, desk, sim):
    order = sim.user_pays(ALICE, coins=600)
    push = sim.delivered[-1]
    window.go("callbacks")
    page = window.pages["callbacks"]
    page.query.setText(push.query)
    page.body.setPlainText(push.body)
    page.decode()
    page.save()
    assert desk.order_detail(order["order_id"])["order"]["source"] == "push"


def test_the_push_meaning_column_shows_each_meaning_whole(window, sim):
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    sim.user_pays(ALICE, coins=600)
    push = sim.delivered[-1]
    window.resize(900, 700)
    window.go("callbacks")
    page = window.pages["callbacks"]
    page.query.setText(push.query)
    page.body.setPlainText(push.body)
    page.decode()
    metrics = page.tree.fontMetrics()
    items = QTreeWidgetItemIterator(page.tree)
    widest = 0
    while items.value():
        widest = max(widest, metrics.horizontalAdvance(items.value().text(2)))
        items += 1
    assert widest > 0 and page.tree.columnWidth(2) >= widest


def test_a_user_looked_up_here_says_when(window, qtbot):
    page = window.pages["users"]
    someone = "oNeverPaidLookedUp0000000001"
    window.go("users")
    page.show_user(someone)
    qtbot.waitUntil(lambda: page.view is not None, timeout=20_000)
    page.refresh_overview()
    model = page.lists["recent"][1]
    rows = [model.row_dict(r) for r in range(model.rowCount())]
    (row,) = [r for r in rows if r["openid"] == someone]
    assert row["last_label"] == "Looked up here" and row["at"] > 0


def test_an_empty_pending_list_says_so_in_a_sentence(window):
    window._show_pending()
    dialog = window._pending_dialog
    assert dialog.model.rowCount() == 0
    assert dialog.empty.isVisible() and not dialog.table.isVisible()
    assert dialog.empty.text() == "Nothing to resolve: no operation is pending."
    assert not dialog.resolve_button.isEnabled()


def test_a_field_problem_is_grey_until_the_operator_types(qtbot, window, sim):
    from dashboard import theme
    from tests.test_dashboard import look_up, open_dialog

    sim.add_user(ALICE)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "gift")
    assert dialog.reason_note.text()  # said at once, as a hint
    assert theme.RED not in dialog.reason_note.styleSheet()
    assert theme.RED not in dialog.why.styleSheet()
    qtbot.keyClicks(dialog.reason.lineEdit(), "x")
    qtbot.keyClick(dialog.reason.lineEdit(), Qt.Key.Key_Backspace)
    assert dialog.reason_note.text() and theme.RED in dialog.reason_note.styleSheet()
    dialog.reject()


def test_the_columns_button_and_the_profile_switcher_show_their_words_whole(window, qtbot):
    window.go("orders")
    button = window.pages["orders"].columns_button
    qtbot.wait(20)
    # the word, the menu arrow beside it, and the button's padding
    assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()) + 30
    box = window.profile_box
    long_name = "team-demo-finance-shanghai-office"
    box.addItem(long_name)  # a profile listed after the window was first shown
    box.setCurrentIndex(box.count() - 1)
    qtbot.wait(20)
    assert box.width() >= box.fontMetrics().horizontalAdvance(long_name) + 20


def test_the_closed_order_choice_shows_the_order_whole(qtbot, window, desk, sim):
    from tests.opsfixtures import mirror_order
    from tests.test_dashboard import look_up, open_dialog

    sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, paid)
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "refund")
    qtbot.wait(20)
    chosen = dialog.order.currentText()
    assert paid["order_id"] in chosen
    assert dialog.order.width() >= dialog.order.fontMetrics().horizontalAdvance(chosen) + 20
    dialog.reject()


def test_needs_attention_shows_since_without_scrolling(window, qtbot):
    window.resize(1000, 700)
    window.go("users")
    table, model = window.pages["users"].lists["attention"]
    qtbot.wait(20)
    since = [c.key for c in model.columns].index("at")
    header = table.horizontalHeader()
    assert header.sectionViewportPosition(since) + header.sectionSize(since) <= (
        table.viewport().width()
    )


def test_the_status_bar_says_an_error_in_the_operator_language(window):
    from core.errors import XPayDeskError
    from core.remote.errors import ServerUnreachable

    window._unexpected(XPayDeskError("出错了", "something went wrong"))
    said = window.statusBar().currentMessage()
    assert "something went wrong" in said and "出错了" not in said
    away = ServerUnreachable("https://team.example", "ConnectError")
    assert "(the connection failed)" in away.message("en") and "（连接失败）" in away.message_zh
    assert "offline" not in ServerUnreachable("https://team.example", "offline").message("en")


def test_the_refund_dialog_notes_are_whole(qtbot, window, desk, sim):
    from tests.opsfixtures import mirror_order
    from tests.test_dashboard import look_up, open_dialog

    sim.add_user(ALICE)
    mirror_order(desk.mirror, sim.user_pays(ALICE, coins=600))
    page = look_up(qtbot, window, ALICE)
    dialog = open_dialog(qtbot, page, "refund")
    qtbot.wait(20)
    for note in (dialog.reason_note, dialog.amount_note):
        if note.text():
            assert note.height() >= note.heightForWidth(note.width()), note.text()
    assert dialog.reason_note.text() == "A reason is required."
    dialog.reject()
