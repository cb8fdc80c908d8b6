"""The finance tester's approvals findings (T2: 4, 5, 6, 17, 18, 19, 22), each against a real team
server process and the simulator as WeChat, or the solo window where team mode adds nothing."""

from __future__ import annotations

import asyncio

from core.operations import coins_to_claw_back
from dashboard import theme
from dashboard.dialogs import MoneyDialog
from dashboard.pages.users import entry_words
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)
from tests.test_dashboard_team import following, pay, team_window  # noqa: F401  (a fixture)

WAIT = 20_000
GINA = "oT2approvalsGina000000000001"
HANK = "oT2approvalsHank000000000002"
IVAN = "oT2approvalsIvan000000000003"


def run(coro):
    return asyncio.run(coro)


async def approval_entries(desk, openid: str) -> list:
    view = await desk.lookup_user(openid, live=False)
    return [e for e in view.timeline if e.info.get("approval")]


def test_a_refund_request_names_the_user_and_the_coins_its_clawback_takes(team, team_sim):  # noqa: F811
    """#4: the request records the order's openid (looked up by the server) and the coins the
    clawback will take; it is on the user's timeline."""
    order_id = pay(team, team_sim, GINA, 10_000)
    order = team_sim.state.order_row(order_id)

    async def scenario():
        fay, fred = remote_desk(team, "fay"), remote_desk(team, "fred")
        try:
            asked = await fay.refund(
                order_id,
                6800,
                left_fee=order["left_fee"],
                reason="投诉退款",
                request_key="t2-4-refund",
                clawback=True,  # no openid: the desktop's refund dialog sends none
            )
            ident = asked.outcome["approval"]["id"]
            (waiting,) = [a for a in fred.approvals(waiting=True) if a.id == ident]
            return asked, waiting, await approval_entries(fred, GINA)
        finally:
            await fay.close()
            await fred.close()

    asked, waiting, entries = run(scenario())
    assert asked.state == "awaiting_approval"
    due = coins_to_claw_back(10_000, order["paid_fee"], 6800)
    assert waiting.request["openid"] == GINA and waiting.request["clawback_coins"] == due
    assert f"{due:,} 代币" in waiting.describe("zh_CN") and GINA in waiting.describe("en")
    (entry,) = entries
    assert (entry.amount, entry.unit, entry.status) == (6800, "fen", "awaiting_approval")
    assert entry.info["clawback_coins"] == due


def test_the_timeline_shows_a_rejected_request_as_rejected_with_who_decided(team, team_sim):  # noqa: F811
    """#5: one entry per request, in its current state, with its amount and who decided."""
    team_sim.add_user(HANK)

    async def scenario():
        sam, fay = remote_desk(team, "sam"), remote_desk(team, "fay")
        try:
            asked = await sam.gift(HANK, 1500, reason="活动补偿", request_key="t2-5-gift")
            await fay.reject(asked.outcome["approval"]["id"], "金额与工单不符")
            return await approval_entries(fay, HANK)
        finally:
            await sam.close()
            await fay.close()

    (entry,) = run(scenario())  # the rejection row is a part of it, not an entry of its own
    assert (entry.amount, entry.unit, entry.status) == (1500, "coins", "rejected")
    assert entry.info["decided_by"] == "fay"
    assert [p.info["action"] for p in entry.parts] == ["reject"]
    _event, status, details = entry_words(entry)
    assert status == "Rejected" and "fay" in details and "金额与工单不符" in details
    assert "—" not in details


def test_spent_in_total_says_it_is_wechats_figure(window):
    """#6: sum_cost is WeChat's own (a clawback is a payment to it): labelled so."""
    users = window.pages["users"]
    assert "clawbacks included" in users.fields["sum_cost"].toolTip()


def test_export_is_disabled_until_a_report_and_says_where_it_wrote(qtbot, window, tmp_path):
    """#19: 导出… disabled (tooltip says why) before a report; the export says its path."""
    window.go("reconcile")
    page = window.pages["reconcile"]
    assert not page.export.isEnabled() and "run a report" in page.export.toolTip().lower()
    page.run_report()
    qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT)
    target = tmp_path / "report.xlsx"
    page.export_to(target)
    qtbot.waitUntil(lambda: not page.inline.isHidden(), timeout=WAIT)
    assert str(target) in page.inline.text.text() and page.inline.objectName() == "inlineOk"


def test_the_pending_list_counts_what_its_counter_counts(qtbot, window):
    """#18: an empty list: nothing to resolve, said; the counter and the list agree."""
    window._show_pending()
    dialog = window._pending_dialog
    assert dialog.model.rowCount() == 0 and not dialog.resolve_button.isEnabled()
    assert "Nothing to resolve" in dialog.resolve_button.toolTip()
    assert window.pending_button.text() in dialog.total.text()


def test_an_approved_refund_is_followed_to_its_end(team, team_sim, team_window, qtbot):  # noqa: F811
    """#17, #18, #19, #22 on real windows: the asker's "sent for approval" is a notice, not an
    error; the approver's pending list closes when it leads to the approvals, and counts what
    the counter counts; the approver's banner says the refund done once it is; each operator
    keeps their own recent reasons."""
    order_id = pay(team, team_sim, IVAN, 10_000)
    asker = team_window(team, "fred")  # finance: a refund above ¥50 waits for approval
    asker.go("users", IVAN)
    users = asker.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == IVAN, timeout=WAIT)
    dialog = MoneyDialog(
        asker.ctx,
        "refund",
        IVAN,
        parent=asker,
        orders=asker.ctx.desk.user_orders(IVAN),
        order_id=order_id,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.yuan.setValue(68.0)
    dialog.reason.setCurrentText("投诉退款 T2")
    dialog.confirm.click()
    qtbot.waitUntil(lambda: dialog.sent_for_approval is not None, timeout=WAIT)
    assert dialog.why.text() == "Sent for approval." and theme.ORANGE in dialog.why.styleSheet()
    request_id = dialog.sent_for_approval["id"]

    approver = team_window(team, "fay")
    following(qtbot, approver)
    # #22: fred's reason is fred's: fay's dialogs do not offer it
    assert "投诉退款 T2" in dialog._recent_reasons()
    theirs = MoneyDialog(approver.ctx, "gift", IVAN, parent=approver)
    qtbot.addWidget(theirs)
    assert "投诉退款 T2" not in theirs._recent_reasons()
    theirs.close()

    qtbot.waitUntil(lambda: "Requests waiting" in approver.pending_button.toolTip(), timeout=WAIT)
    approver.pending_button.click()
    pending = approver._pending_dialog
    assert approver.pending_button.text() in pending.total.text()
    pending.approvals.click()
    assert not pending.isVisible()  # it led to the approvals page and closed
    page = approver.pages["approvals"]

    def ids() -> list[str]:
        model = page.waiting_model
        return [model.row_dict(r)["id"] for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: request_id in ids(), timeout=WAIT)
    page.waiting_table.selectRow(ids().index(request_id))
    assert IVAN in page.effect.text() and "6,800" in page.effect.text()  # the coins clawed back
    row = page.waiting_model.row_dict(ids().index(request_id))
    assert row["user"] == IVAN and "6,800" in row["amount_label"]
    mine = asker.pages["approvals"]
    mine.refresh()
    (asked,) = [
        mine.mine_model.row_dict(r)
        for r in range(mine.mine_model.rowCount())
        if mine.mine_model.row_dict(r)["id"] == request_id
    ]
    assert asked["user"] == IVAN and "6,800" in asked["amount_label"]  # My requests says them too
    page.reason.setText("核对无误")
    page.approve_button.click()
    qtbot.waitUntil(lambda: not page.outcome.isHidden(), timeout=WAIT)
    assert "Refunding" in page.outcome.text.text() or "Done" in page.outcome.text.text()
    qtbot.waitUntil(lambda: "Done" in page.outcome.text.text(), timeout=40_000)
    assert "Refunding" not in page.outcome.text.text()
    # the asker's dialog followed it too
    qtbot.waitUntil(lambda: "Done" in dialog.message.text.text(), timeout=WAIT)
    dialog.close()
