"""The Complaints page driven through the real window against the simulator over loopback: a
complaint answered with an image (chosen in the file dialog) and completed, the pending counter,
a refund offered from the complaint with the dialog pre-filled, a push that brings a new one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.simulator import populate
from dashboard.dialogs import MoneyDialog
from dashboard.main_window import PAGE_CLASSES
from tests.simfixtures import ALICE, BOB
from tests.test_complaints import png

WAIT = 10_000


def open_page(qtbot, window, complaint_id: str):
    window.go("complaints")
    page = window.pages["complaints"]
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.row.complaint_id == complaint_id, timeout=WAIT
    )
    return page


def open_complaint_with_evidence(qtbot, window, sim):
    """The demo data's two-hour-old complaint (one evidence image), opened on its page."""
    summary = populate(sim.state, users=30, orders=300, days=30)
    complaint_id = summary.cases["complaint_2h"]
    window.go("complaints", "")
    page = window.pages["complaints"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=WAIT)
    window.go("complaints", complaint_id)
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.row.complaint_id == complaint_id, timeout=WAIT
    )
    return page


def complaint(sim, openid: str = ALICE, detail: str = "代币没到账") -> tuple[str, dict]:
    sim.add_user(openid)
    order = sim.user_pays(openid, coins=600)
    return sim.add_complaint(openid, order["order_id"], detail=detail), order


def test_answer_a_complaint_with_an_image_and_complete_it(qtbot, window, desk, sim, tmp_path):
    complaint_id, order = complaint(sim)
    image = tmp_path / "补发记录.png"
    image.write_bytes(png())
    spec = [c.name for c in PAGE_CLASSES].index("complaints")
    assert window.nav.item(spec).toolTip() == "Ctrl+9"  # the other pages keep Ctrl+1..8
    page = open_page(qtbot, window, complaint_id)
    qtbot.waitUntil(lambda: window.pending_button.text().endswith("1"), timeout=WAIT)
    assert page.model.rowCount() == 1 and page.user.value == ALICE
    assert page.order.value == order["order_id"] and "¥6.00" in page.order_info.text()
    assert page.history.count() == 1 and "代币没到账" in page.history.item(0).text()
    assert not page.send.isEnabled() and page.why.text()  # says why: no answer yet
    page.answer.setFocus()
    page.answer.insertPlainText("已核实，代币已补发，请查收")  # typed (keyClicks is ASCII only)
    assert page.send.isEnabled()
    qtbot.mouseClick(page.add_image, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.file_dialog is not None and page.file_dialog.isVisible())
    page.file_dialog.selectFile(str(image))
    page.file_dialog.accept()
    qtbot.waitUntil(lambda: page.images == [image], timeout=WAIT)
    assert page.image_list.item(0).text() == image.name
    qtbot.mouseClick(page.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.view is not None and page.history.count() == 2, timeout=WAIT)
    answer = sim.state.complaint(complaint_id)[1][-1]
    assert answer["operate_type"] == "MERCHANT_RESPONSE"
    assert answer["operate_details"] == "已核实，代币已补发，请查收"
    file_id = answer["complaint_media_list"][0]["media_url"][0].rsplit("/", 1)[-1]
    assert sim._files[f"upload-{file_id}"][0] == image.read_bytes()
    assert page.answer.toPlainText() == "" and page.images == []  # sent: the form is empty
    qtbot.mouseClick(page.complete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=WAIT)
    assert not page.confirm_complete.isDefault()
    qtbot.mouseClick(page.confirm_complete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT)
    assert sim.state.complaint(complaint_id)[0]["complaint_state"] == "PROCESSED"
    assert page.empty.isVisible()
    qtbot.waitUntil(lambda: window.pending_button.text().endswith("0"), timeout=WAIT)
    actions = [r["action"] for r in desk.audit_rows()]
    assert actions.count("complaint_response") == 2 and actions.count("complaint_complete") == 2


def test_offer_a_refund_from_a_complaint(qtbot, window, desk, sim):
    complaint_id, order = complaint(sim)
    page = open_page(qtbot, window, complaint_id)
    assert page.refund.isEnabled()
    qtbot.mouseClick(page.refund, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, MoneyDialog) and dialog.isVisible()
    assert dialog.order.currentData()["order_id"] == order["order_id"]
    assert dialog.value() == 600 and complaint_id in dialog.reason.currentText()
    assert dialog.confirm.isEnabled() and not dialog.confirm.isDefault()
    dialog.reject()
    qtbot.mouseClick(page.open_user, Qt.MouseButton.LeftButton)  # from the complaint to its user
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ALICE, timeout=WAIT)
    assert window.stack.currentWidget() is users


def test_a_saved_complaint_push_brings_a_new_one(qtbot, window, desk, sim):
    first, _order = complaint(sim)
    page = open_page(qtbot, window, first)
    second, _order = complaint(sim, BOB, detail="月卡没有生效")
    wire = next(w for w in reversed(sim.delivered) if w.event == "xpay_complaint_notify")
    window.go("callbacks")
    callbacks = window.pages["callbacks"]
    callbacks.query.setText("https://merchant.example/notify?" + wire.query)
    callbacks.body.setPlainText(wire.body)
    qtbot.mouseClick(callbacks.decode_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(callbacks.save_button, Qt.MouseButton.LeftButton)
    ids = lambda: [page.model.row_dict(r)["complaint_id"] for r in range(page.model.rowCount())]  # noqa: E731
    qtbot.waitUntil(lambda: ids() == [first, second], timeout=WAIT)
    window.go("complaints", second)
    qtbot.waitUntil(
        lambda: page.view is not None and page.view.row.complaint_id == second, timeout=WAIT
    )
    assert page.detail.text() == "月卡没有生效"


def test_the_user_evidence_is_shown(qtbot, window, desk, sim):
    page = open_complaint_with_evidence(qtbot, window, sim)
    assert page.evidence.count() == 1 and page.evidence.item(0).toolTip().startswith("https://")
    page.evidence.itemActivated.emit(page.evidence.item(0))  # a double-click or Enter
    qtbot.waitUntil(lambda: page.preview.isVisible(), timeout=WAIT)
    assert not page.preview.pixmap().isNull()
