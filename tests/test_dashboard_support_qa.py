"""What a support agent met using the demo in a real window (QA support report), through the real
window against the simulator over loopback: a rejected push is never saved as if genuine, the
inspector says what a push means (paid how much, when, which order, what the mirror says), one
status word for one state, ids whole in detail panes, and a window that stays on the screen."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from tests.opsfixtures import mirror_order, refund_all_with_clawback
from tests.simfixtures import ALICE

WAIT = 10_000


def paste(qtbot, window, query: str, body: str):
    window.go("callbacks")
    page = window.pages["callbacks"]
    page.query.setText("https://merchant.example/notify?" + query)
    page.body.setPlainText(body)
    qtbot.mouseClick(page.decode_button, Qt.MouseButton.LeftButton)
    return page


def test_a_rejected_push_is_never_saved_as_if_genuine(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    wire = sim.delivered[0]
    page = paste(qtbot, window, wire.query, wire.body.replace("A", "B", 1))
    assert page.verdict.text().startswith(("Rejected", "已拒绝"))
    assert "rejected" in page.save_button.text().lower() or "拒绝" in page.save_button.text()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    said = window.statusBar().currentMessage()
    assert "✔" not in said and "Push saved to the mirror" not in said
    assert "rejected" in said.lower() or "拒绝" in said
    row = desk.mirror.one("SELECT verdict, order_id FROM pushes")
    assert row is not None and row["verdict"] == "reject" and row["order_id"] == ""
    assert desk.mirror.count("orders") == 0  # a rejected push changes nothing
    # the genuine push is saved as such, with the plain button again
    page = paste(qtbot, window, wire.query, wire.body)
    assert page.save_button.text() in ("Save to mirror", "保存到本地镜像")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert window.statusBar().currentMessage().startswith("✔")


def test_the_inspector_says_whether_the_user_paid_and_links_the_order(qtbot, window, desk, sim):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    wire = sim.delivered[0]
    page = paste(qtbot, window, wire.query, wire.body)
    said = page.summary.text()
    assert page.summary.isVisible()
    assert "paid ¥6.00 (600 coins) at 20" in said and order["order_id"] in said
    assert "not in the mirror yet" in said
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    page.decode()  # again, now that the mirror has it
    assert "In the mirror: Delivered, paid ¥6.00" in page.summary.text()
    page.summary.linkActivated.emit("order")
    orders = window.pages["orders"]
    assert window.stack.currentWidget() is orders
    assert orders.detail_id.value == order["order_id"]
    # a rejected push says it cannot tell
    page = paste(qtbot, window, wire.query, wire.body.replace("A", "B", 1))
    assert "Not trusted" in page.summary.text() and order["order_id"] not in page.summary.text()


DASHED = "oGaR-5pQ8s-Xk2m9LdEw-Z4hTn7Yc"  # openids carry "-" and "_"


def whole(id_label) -> bool:
    label = id_label.label
    metrics = label.fontMetrics()
    return (
        label.isVisible()
        and label.text() == id_label.value
        and label.width() >= metrics.horizontalAdvance(label.text())
        and label.height() < 2 * metrics.height()  # one line, not wrapped at the "-"
    )


def test_an_openid_with_dashes_is_shown_whole_in_detail_panes(qtbot, window, desk, sim):
    from core.mirror.records import upsert_orders
    from tests.test_dashboard_navigation import order

    upsert_orders(desk.mirror, [order("ORDDASH00001", DASHED, created=desk.mirror.now() - 60)])
    window.resize(1100, 700)
    window.go("orders", "ORDDASH00001")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: orders.detail_openid.value == DASHED, timeout=WAIT)
    qtbot.waitUntil(lambda: whole(orders.detail_openid) and whole(orders.detail_wx))
    # the Complaints page's detail pane
    sim.add_user(DASHED)
    paid = sim.user_pays(DASHED, coins=600)
    sim.add_complaint(DASHED, paid["order_id"])
    window.go("complaints")
    complaints = window.pages["complaints"]
    qtbot.waitUntil(lambda: complaints.view is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: whole(complaints.user) and whole(complaints.order))
    # the callback inspector's OpenId: the value column fits the whole id
    wire = sim.delivered[0]
    page = paste(qtbot, window, wire.query, wire.body)
    (item,) = page.tree.findItems("OpenId", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
    assert item.text(1) == DASHED
    assert page.tree.columnWidth(1) >= page.tree.sizeHintForColumn(1)  # no value elided


def test_the_search_matches_and_an_evidence_image_never_grow_the_window(qtbot, window, desk, sim):
    from core.mirror.records import upsert_orders
    from tests.test_dashboard_complaints import open_complaint_with_evidence
    from tests.test_dashboard_navigation import order, search

    now = desk.mirror.now()
    upsert_orders(desk.mirror, [order(f"ORDGROW{n:05d}", ALICE, created=now - n) for n in range(6)])
    window.resize(1000, 560)
    qtbot.waitUntil(lambda: window.stack.height() > 0)
    size, page_height = window.size(), window.stack.height()
    search(qtbot, window, "ORDGROW")  # the start of six ids: listed over the page
    assert window.matches.isVisible() and window.matches.count() == 6
    qtbot.wait(50)
    assert window.size() == size and window.stack.height() == page_height
    assert window.minimumSizeHint().height() <= size.height()
    qtbot.keyClick(window.matches, Qt.Key.Key_Escape)
    # a complaint's evidence image: in its own window, the list keeps its rows
    page = open_complaint_with_evidence(qtbot, window, sim)
    qtbot.wait(50)
    assert window.size() == size  # the page itself fits the window
    table_height = page.table.height()
    page.evidence.itemActivated.emit(page.evidence.item(0))
    qtbot.waitUntil(lambda: page.preview.isVisible(), timeout=WAIT)
    qtbot.wait(50)
    assert not page.preview.pixmap().isNull()
    assert window.size() == size and page.table.height() == table_height


def clipped(table) -> list[str]:
    """The columns whose header or visible cells do not fit their width."""
    header, model = table.horizontalHeader(), table.model()
    return [
        str(model.headerData(n, Qt.Orientation.Horizontal))
        for n in range(model.columnCount())
        if not header.isSectionHidden(n)
        and table.columnWidth(n)
        < max(header.sectionSizeHint(n), min(table.sizeHintForColumn(n), 320))
    ]


def test_headers_cells_and_buttons_are_not_clipped(qtbot, window, desk, sim):
    from core.mirror.records import upsert_orders
    from tests.test_dashboard_navigation import order

    now = desk.mirror.now()
    upsert_orders(desk.mirror, [order("ORDCLIP00001", ALICE, created=now - 60, kind="item")])
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: orders.model is not None and orders.model.rowCount() == 1)
    qtbot.waitUntil(lambda: clipped(orders.table) == [], timeout=2000)  # "Item purch…"
    button = orders.columns_button
    assert button.width() >= button.sizeHint().width()  # "Columns" whole
    # the pending list: its columns sized, "Id sent to WeChat" whole
    sim.add_user(ALICE)
    window.pending_button.click()
    dialog = window._pending_dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    qtbot.waitUntil(lambda: clipped(dialog.table) == [], timeout=2000)
    # the Users page's lists
    window.go("users")
    users = window.pages["users"]
    for table in users.findChildren(type(orders.table)):
        if table.isVisible() and table.model() is not None:
            assert clipped(table) == [], table.objectName()


def test_the_record_pane_and_a_copied_row_belong_to_the_user_shown(qtbot, window, desk):
    import json

    from PySide6.QtGui import QGuiApplication

    from tests.simfixtures import BOB
    from tests.test_dashboard_navigation import seed

    seed(desk)  # Alice: two orders and three refunds; Bob: one order
    window.go("users", ALICE)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.model.rowCount() >= 2, timeout=WAIT)
    users.table.setFocus()
    users.table.selectRow(0)
    before = users.raw.toPlainText()
    assert users.model.row_dict(0)["ref"].startswith("RFD") and "Refund" in before
    # Ctrl+Shift+C: the row as clean JSON, not a Python repr
    qtbot.keyClick(
        users.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    copied = QGuiApplication.clipboard().text()
    assert "TimelineEntry(" not in copied
    row = json.loads(copied)
    assert row["entry"]["kind"] == users.model.row_dict(0)["kind"]
    window.go("users", BOB)
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == BOB, timeout=WAIT)
    assert "Refund" not in users.raw.toPlainText()  # not Alice's refund any more


def test_the_audit_log_says_what_a_delivery_and_a_complaint_answer_were(qtbot, window, desk):
    audit = desk.ops.audit
    audit.append("deliver", {"wechat_id": "ORDITEM0001", "amount": 0}, result="ok", openid=ALICE)
    audit.append(
        "complaint_response",
        {"complaint_id": "200012345", "response_content": "已补发", "images": ["a.png"]},
        result="ok",
        openid=ALICE,
    )
    window.go("audit")
    page = window.pages["audit"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    said = {page.model.row_dict(r)["action"]: page.model.row_dict(r)["summary"] for r in range(2)}
    assert "coins" not in said["deliver"] and "ORDITEM0001" in said["deliver"]  # no "0 coins"
    answer = said["complaint_response"]
    assert "200012345" in answer and "已补发" in answer and "Images attached: 1" in answer


def test_settings_name_the_demo_environment_and_files_once(qtbot, desk, qloop):
    from PySide6.QtWidgets import QFormLayout

    from dashboard.context import AppContext
    from dashboard.lifetimes import destroy
    from dashboard.main_window import MainWindow
    from dashboard.tasks import TaskRunner

    ctx = AppContext(TaskRunner(), demo=True)
    window = MainWindow(ctx)
    ctx.set_desk(desk)
    window.show()
    try:
        window.go("settings")
        page = window.pages["settings"]
        form = page.profile_form
        shown = {
            form.itemAt(r, QFormLayout.ItemRole.LabelRole).widget().text(): form.itemAt(
                r, QFormLayout.ItemRole.FieldRole
            )
            .widget()
            .text()
            for r in range(form.rowCount())
        }
        listed = page.profiles_model.row_dict(0)
        assert listed["env_label"] == shown["Environment"]  # one word, list and detail
        assert "Demo" in listed["env_label"]
        # the file the demo runs from is named as such, apart from the operator's own file
        said = page.profiles_path.text()
        assert shown["Profile file"] in said and "demo" in said.lower()
    finally:
        ctx.runner.cancel_all()
        destroy(window)


def test_the_complaint_countdown_is_one_time_in_the_list_and_the_detail(
    qtbot, window, desk, sim, monkeypatch
):
    import itertools
    import time
    import types

    from dashboard.pages import complaints as complaints_page

    sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    complaint_id = sim.add_complaint(ALICE, paid["order_id"])
    ticks = itertools.count()
    start = int(time.time())

    def clock() -> float:  # every reading a minute later: the list and the detail read it apart
        return start + 61 * next(ticks)

    window.ctx.clock = clock
    # the page read time.time() twice before; now the window's clock, once per refresh
    monkeypatch.setattr(complaints_page, "time", types.SimpleNamespace(time=clock), raising=False)
    window.go("complaints", complaint_id)
    page = window.pages["complaints"]
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.row.complaint_id == complaint_id, timeout=WAIT
    )
    listed = page.model.row_dict(0)["left_label"]
    assert "left" in listed and page.due.text().endswith(" · " + listed)


CJK = re.compile(r"[\u3400-\u9fff]")


def test_the_english_window_speaks_english_first(qtbot, desk, sim, qloop):
    """QA support #18: the demo banner ended in 演示模式 DEMO, error banners began in Chinese,
    the pending list's Message column was Chinese."""
    import asyncio

    from dashboard.context import AppContext
    from dashboard.lifetimes import destroy
    from dashboard.main_window import MainWindow
    from dashboard.tasks import TaskRunner

    old = sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, paid)
    desk.vault.store(ALICE, old, obtained_at=desk.mirror.now() - 10, source="import")
    sim.state.relogin(ALICE)  # the stored key is stale: the clawback waits for a login
    refunding = asyncio.ensure_future(refund_all_with_clawback(desk.ops, paid["order_id"], "rf-en"))
    qtbot.waitUntil(refunding.done, timeout=WAIT)
    waiting = asyncio.ensure_future(
        desk.ops.wait_for_refund(refunding.result().intent_id, timeout=10)
    )
    qtbot.waitUntil(waiting.done, timeout=WAIT)
    ctx = AppContext(TaskRunner(), demo=True)
    window = MainWindow(ctx)
    ctx.set_desk(desk)
    window.show()
    try:
        assert window.banner.isVisible() and not CJK.search(window.banner.text())
        window.pending_button.click()
        dialog = window._pending_dialog
        qtbot.waitUntil(lambda: dialog.model.rowCount() >= 1)
        column = [c.key for c in dialog.model.columns].index("message")
        messages = [dialog.model.index(r, column).data() for r in range(dialog.model.rowCount())]
        assert any(messages) and not any(CJK.search(m or "") for m in messages), messages
        dialog.close()
        window.go("users")
        users = window.pages["users"]
        users.openid.setText("not an openid!")
        qtbot.mouseClick(users.lookup, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: users.inline.isVisible(), timeout=WAIT)
        first = users.inline.text.text().splitlines()[0]
        assert not CJK.search(first), users.inline.text.text()
    finally:
        ctx.runner.cancel_all()
        destroy(window)


def test_the_user_card_says_an_expired_session_key_once(qtbot, window, desk, sim):
    """QA support #17: the card showed the same error in Chinese, then in English."""
    old = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    desk.vault.store(ALICE, old, obtained_at=desk.mirror.now() - 10, source="import")
    sim.state.relogin(ALICE)
    window.go("users", ALICE)
    users = window.pages["users"]
    qtbot.waitUntil(
        lambda: users.view is not None and bool(users.balance_note.text()), timeout=WAIT
    )
    said = users.balance_note.text()
    assert "\n" not in said and not CJK.search(said.split("(errmsg")[0])  # WeChat's own errmsg
    assert CJK.search(users.balance_note.toolTip())  # both in the tooltip


def test_a_push_on_the_timeline_has_its_amount_and_opens_in_the_inspector(qtbot, window, desk, sim):
    from tests.test_dashboard_navigation import double_click_row

    sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    wire = sim.delivered[0]
    assert desk.save_push(wire.query, wire.body)
    window.go("users", ALICE)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.model.rowCount() >= 1, timeout=WAIT)
    row = next(
        r for r in range(users.model.rowCount()) if users.model.row_dict(r)["kind"] == "push"
    )
    assert users.model.index(row, 2).data() == "¥6.00"
    assert users.model.index(row, 5).data() == "600 coins"
    double_click_row(qtbot, users.table, row)
    page = window.pages["callbacks"]
    assert window.stack.currentWidget() is page
    assert page.verdict.text().startswith("Genuine") and paid["order_id"] in page.summary.text()


def test_the_file_dialog_speaks_chinese_in_the_chinese_window(qtbot, window, desk, sim):
    """QA support #17: Qt's own texts come from qtbase_zh_CN.qm, which PySide6-Essentials ships
    in its translations folder; the dialog is Qt's own, so they apply."""
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QLabel

    from dashboard import i18n

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    assert (Path(folder) / "qtbase_zh_CN.qm").exists()
    sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    complaint_id = sim.add_complaint(ALICE, paid["order_id"])
    window.go("complaints", complaint_id)
    page = window.pages["complaints"]
    qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT)
    assert i18n.install_qt("zh_CN")
    try:
        qtbot.mouseClick(page.add_image, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.file_dialog is not None and page.file_dialog.isVisible())
        labels = {label.text() for label in page.file_dialog.findChildren(QLabel)}
        assert {"查找范围(&L)：", "文件类型(&T)："} <= labels and "&Look in:" not in labels
        page.file_dialog.reject()
    finally:
        i18n.install_qt("en")  # the session's application stays English for other tests


def test_an_automatic_clawback_reason_reads_in_the_operator_language(qtbot, window, desk, sim):
    """QA support #18: the clawback the desk starts itself had the reason "退款 X 的代币回收"."""
    import asyncio

    key = sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    mirror_order(desk.mirror, paid)
    desk.vault.store(ALICE, key, obtained_at=desk.mirror.now(), source="import")
    refunding = asyncio.ensure_future(
        refund_all_with_clawback(desk.ops, paid["order_id"], "rf-claw")
    )
    qtbot.waitUntil(refunding.done, timeout=WAIT)
    window.go("users", ALICE)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.model.rowCount() >= 1, timeout=WAIT)
    claw = [
        users.model.index(r, 5).data()
        for r in range(users.model.rowCount())
        if users.model.row_dict(r)["kind"] == "clawback"
    ]
    assert claw and not any(CJK.search(text) for text in claw), claw
    assert refunding.result().wechat_id in claw[0]
    window.go("audit")
    audit = window.pages["audit"]
    qtbot.waitUntil(lambda: audit.model.rowCount() >= 1, timeout=WAIT)
    said = [
        audit.model.row_dict(r)["summary"]
        for r in range(audit.model.rowCount())
        if audit.model.row_dict(r)["action"] == "clawback"
    ]
    assert said and not any(CJK.search(text) for text in said), said
