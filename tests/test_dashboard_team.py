"""The real window on a team desk, against a real team server process: a push to the server
appears on the open Orders page without a click; the server stopped under an open window puts
up the banner and holds money back while the pages keep their rows, and the banner goes by
itself when the server is back; an amount above the approval threshold is said before the
click, its result is "awaiting approval", and another operator approves it on the Approvals
page. A solo window shows none of it."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication

from dashboard import i18n
from dashboard.context import AppContext
from dashboard.lifetimes import destroy
from dashboard.main_window import MainWindow
from dashboard.tasks import TaskRunner
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)
from tests.teamfixtures import own_team, pay, restart, stop  # noqa: F401  (fixture)

WAIT = 15_000
CAROL = "oTeamWindowCarol000000000001"
DAVE = "oTeamWindowDave0000000000002"
ERIN = "oTeamWindowErin0000000000003"
FRANK = "oTeamWindowFrank000000000004"


@pytest.fixture
def team_window(qtbot, qloop, settings):
    """open(server, operator) -> a window on that operator's team desk, following events."""
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
    for window, desk in opened:  # the desks first: their event threads end, their sockets close
        if shiboken6.isValid(window):
            window.ctx.runner.cancel_all()
            window.close()
        closing = asyncio.ensure_future(desk.close())  # type: ignore[attr-defined]
        qtbot.waitUntil(closing.done, timeout=WAIT)
    for window, _desk in opened:
        destroy(window)


def order_ids(page) -> list[str]:
    model = page.model
    return [model.row_dict(r)["order_id"] for r in range(model.rowCount())]


def following(qtbot, window) -> None:
    """Waits until the window's desk has its event stream open."""
    qtbot.waitUntil(lambda: window.ctx.desk._stream_socket is not None, timeout=WAIT)


def test_a_push_to_the_server_appears_on_the_open_orders_page(team, team_sim, team_window, qtbot):  # noqa: F811
    window = team_window(team, "vera")
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: orders.model is not None, timeout=WAIT)
    following(qtbot, window)
    order_id = pay(team, team_sim, CAROL, 300)
    qtbot.waitUntil(lambda: order_id in order_ids(orders), timeout=WAIT)  # no click


def test_the_server_stopped_and_restarted_under_an_open_window(
    own_team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    order_id = pay(own_team, team_sim, DAVE, 500)
    window = team_window(own_team, "fay")
    window.go("refunds")  # read once while the server is there
    window.go("orders")
    orders = window.pages["orders"]
    qtbot.waitUntil(lambda: order_id in order_ids(orders), timeout=WAIT)
    orders.select_order(order_id, DAVE)
    qtbot.waitUntil(lambda: orders.refund_button.isEnabled(), timeout=WAIT)
    following(qtbot, window)
    assert window.connection.isHidden()
    orders.refund_button.click()  # a refund dialog open, ready to confirm
    dialog = orders.dialog
    dialog.reason.setCurrentText("退款测试")
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=WAIT)

    stop(own_team)
    qtbot.waitUntil(lambda: window.connection.isVisible(), timeout=WAIT)
    text = window.connection.text()
    assert (
        "Team server unreachable" in text and "(Beijing)" in text and "money actions paused" in text
    )
    assert not orders.refund_button.isEnabled()  # money held back, with the reason
    assert "team server" in orders.refund_button.toolTip()
    assert not dialog.confirm.isEnabled() and "team server" in dialog.why.text()
    orders.refresh()  # asked while away: the page keeps what it shows
    qtbot.wait(300)
    assert order_id in order_ids(orders)
    window.go("refunds")
    refunds = window.pages["refunds"]
    refunds.refresh()  # a read while away: the last answer, marked stale
    assert window.ctx.desk.stale_since is not None
    assert refunds.inline.isHidden()  # not an error
    window.go("users", DAVE)
    users = window.pages["users"]
    qtbot.wait(300)
    assert not users.actions["gift"].isEnabled()

    restart(own_team)
    qtbot.waitUntil(lambda: window.connection.isHidden(), timeout=WAIT)  # by itself
    window.go("orders")
    assert orders.refund_button.isEnabled()
    assert "team server" not in orders.refund_button.toolTip()
    qtbot.waitUntil(dialog.confirm.isEnabled, timeout=WAIT)  # the open dialog too
    dialog.reject()


def test_an_amount_needing_approval_is_said_and_approved_in_a_second_window(
    team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    pay(team, team_sim, ERIN, 100)
    asker = team_window(team, "sam")  # support: a gift above 1,000 coins waits for approval
    asker.go("users", ERIN)
    users = asker.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == ERIN, timeout=WAIT)
    users.actions["gift"].click()
    qtbot.waitUntil(lambda: users.dialog.isVisible(), timeout=WAIT)
    dialog = users.dialog
    dialog.amount.setValue(500)
    assert dialog.approval_note.isHidden()
    dialog.amount.setValue(1500)
    dialog.reason.setCurrentText("活动补偿")
    assert dialog.approval_note.isVisible() and "needs approval" in dialog.approval_note.text()
    assert dialog.confirm.text().startswith("Request approval")
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.sent_for_approval is not None, timeout=WAIT)
    assert dialog.isVisible() and dialog.message.isVisible()  # not closed as done
    assert dialog.message.objectName() == "inlineWarn"  # and not shown as an error
    assert not dialog.confirm.isEnabled()  # pressing again would ask twice
    request_id = dialog.sent_for_approval["id"]

    approver = team_window(team, "fay")
    following(qtbot, approver)
    qtbot.waitUntil(lambda: "1" in approver.pending_button.text(), timeout=WAIT)
    assert "Requests waiting for your approval: 1" in approver.pending_button.toolTip()
    approver.pending_button.click()  # the pending list leads to the requests waiting
    listed = approver._pending_dialog.approvals
    assert listed.text().endswith("1")
    listed.click()
    page = approver.pages["approvals"]
    assert approver.stack.currentWidget() is page
    rows = lambda: [page.waiting_model.row_dict(r) for r in range(page.waiting_model.rowCount())]  # noqa: E731
    qtbot.waitUntil(lambda: any(r["id"] == request_id for r in rows()), timeout=WAIT)
    index = next(n for n, r in enumerate(rows()) if r["id"] == request_id)
    page.waiting_table.selectRow(index)
    effect = page.effect.text()
    assert ERIN in effect and "1,500" in effect and "sam" in effect and "Expires" in effect
    assert not page.approve_button.isEnabled()  # a reason first
    page.reason.setText("核对无误")
    page.approve_button.click()
    qtbot.waitUntil(lambda: page.outcome.isVisible(), timeout=WAIT)
    assert page.outcome.objectName() == "inlineOk", page.outcome.text.text()

    # the asker's window hears the decision live: My requests says approved
    following(qtbot, asker)
    asker.go("approvals")
    mine = asker.pages["approvals"]

    def approved() -> bool:
        model = mine.mine_model
        return any(
            model.row_dict(r)["id"] == request_id and model.row_dict(r)["state"] == "approved"
            for r in range(model.rowCount())
        )

    qtbot.waitUntil(approved, timeout=WAIT)


def test_a_solo_window_has_no_banner_and_no_approvals(window, qtbot):
    qtbot.wait(100)
    names = [spec.name for spec in window.page_specs]
    assert "approvals" not in names
    assert window.connection.isHidden()
    window.connection.update_state()
    assert window.connection.isHidden()


@pytest.fixture
def los_angeles():
    """This computer's zone is not Beijing's: the banner's time must still be Beijing's."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_the_banner_in_chinese_gives_the_time_in_beijing(team, team_window, qtbot, los_angeles):  # noqa: F811
    window = team_window(team, "vera")
    following(qtbot, window)
    translator = i18n.install("zh_CN")
    try:
        desk = window.ctx.desk
        desk.server = "http://127.0.0.1:9"  # the server is gone (nothing listens on port 9)
        desk._http.base_url = "http://127.0.0.1:9/api/v1"
        desk._wake_stream()  # the stream breaks; the reconnection finds nobody
        qtbot.waitUntil(lambda: window.connection.isVisible(), timeout=WAIT)
        at = datetime.fromtimestamp(desk.last_contact, ZoneInfo("Asia/Shanghai"))
        assert window.connection.text() == (
            f"⚠ 无法连接团队服务器 · 显示的是 {at:%H:%M}（北京时间）的数据 · 资金操作已暂停"
        )
    finally:
        if translator is not None:
            QApplication.instance().removeTranslator(translator)


def test_a_request_rejected_with_a_reason_leaves_the_waiting_list(
    team,  # noqa: F811
    team_sim,  # noqa: F811
    team_window,
    qtbot,
):
    team_sim.add_user(FRANK)
    with team.client() as http:  # dora (support) asks over the API, as her own desktop would
        asked = http.post(
            "/api/v1/gift",
            headers=team.token("dora"),
            json={"openid": FRANK, "amount": 1200, "reason": "补偿", "request_key": "dora-1"},
        )
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["approval"]["id"]
    window = team_window(team, "fred")
    window.go("approvals")
    page = window.pages["approvals"]

    def waiting() -> list[str]:
        model = page.waiting_model
        return [model.row_dict(r)["id"] for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: request_id in waiting(), timeout=WAIT)
    page.waiting_table.selectRow(waiting().index(request_id))
    assert "Gift" in page.effect.text() and FRANK in page.effect.text()
    assert not page.reject_button.isEnabled() and "reason" in page.why.text()
    page.reason.setText("金额与工单不符")
    page.reject_button.click()
    qtbot.waitUntil(lambda: page.outcome.isVisible(), timeout=WAIT)
    assert "Rejected" in page.outcome.text.text()
    qtbot.waitUntil(lambda: request_id not in waiting(), timeout=WAIT)
    with team.client() as http:
        mine = http.get(
            "/api/v1/approvals", params={"mine": True, "waiting": False}, headers=team.token("dora")
        ).json()
    decided = next(a for a in mine if a["id"] == request_id)
    assert decided["state"] == "rejected" and decided["decision_reason"] == "金额与工单不符"
