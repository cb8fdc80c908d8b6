"""Issue 19 end to end: the REAL main window, opened the way `xpaydesk` opens it
(dashboard.app.start on a team profile from a profiles file), against a REAL team server process
on a REAL PostgreSQL (a throwaway cluster), with the simulator as WeChat.

A viewer logs in with TOTP through the dialog and every page opens on the team desk with no
error; a cancelled login says so with a way to log in again; a gift; a refund followed live to
its clawback (the user's session key posted by the merchant's backend, the server's tracker takes
the coins back, the Refunds page shows it with no click); a gift above the approval amount asked
by support in one window and granted by finance in a second; the server stopped (SIGTERM) under
an open window and started again on the same port."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.mirror.db import Mirror
from core.profiles import TeamProfile
from core.remote.session import TokenKeeper
from core.server import store
from dashboard.app import parse_args, start, startup_failed
from dashboard.context import AppContext
from dashboard.lifetimes import destroy
from dashboard.login_dialog import LoginDialog
from dashboard.main_window import MainWindow
from dashboard.tasks import TaskRunner
from tests.serverfixtures import (
    ROOT,
    TeamServer,
    start_server,
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)
from tests.teamfixtures import pay, restart, stop

WAIT = 20_000
PEOPLE = (("vera", "viewer"), ("sam", "support"), ("fay", "finance"), ("fred", "finance"))
GIFTED = "oE2eGift000000000000000000001"
REFUNDED = "oE2eRefund0000000000000000002"
ASKED = "oE2eAsked00000000000000000003"
AWAY = "oE2eAway000000000000000000004"


@pytest.fixture(scope="module")
def pg_team(team_sim, tmp_path_factory, pg_cluster):  # noqa: F811
    folder = tmp_path_factory.mktemp("e2e-pg")
    url = pg_cluster.new_database()
    config = write_config(folder, team_sim, db=url)
    with Mirror(url) as mirror:
        store.create_tables(mirror)
        people = {name: store.add_operator(mirror, name, role) for name, role in PEOPLE}
    proc, address = start_server(config)
    server = TeamServer(address, folder, config, url, proc, people)
    yield server
    if server.proc.poll() is None:
        stop(server)


def profiles_file(team: TeamServer, tmp_path, name: str):
    path = tmp_path / f"profiles-{name}.toml"
    path.write_text(
        f'default_profile = "office"\n\n[profiles.office]\nserver = "{team.url}"\n'
        f'operator = "{name}"\n',
        encoding="utf-8",
    )
    return path


def remember_session(team: TeamServer, name: str) -> None:
    """A session kept in the (test's) keyring from an earlier login: start opens no dialog."""
    profile = TeamProfile(name="office", server=team.url, operator=name)
    TokenKeeper(profile).login(team.people[name].password, team.code(name))


@pytest.fixture
def app_window(qtbot, qloop, settings, tmp_path):
    """open(team, operator, stored=True) -> the main window, started as `xpaydesk --config F
    --profile office` starts it (dashboard.app.start, errors to app.startup_failed)."""
    opened: list[MainWindow] = []

    def open_window(team: TeamServer, name: str, *, stored: bool = True) -> MainWindow:
        if stored:
            remember_session(team, name)
        path = profiles_file(team, tmp_path, name)
        args = parse_args(["--config", str(path), "--profile", "office"])
        ctx = AppContext(TaskRunner())
        ctx.config_path, ctx.profile_name = args.config, args.profile
        window = MainWindow(ctx)  # not qtbot.addWidget: deleted below, after its runner stops
        window.show()
        ctx.runner.run(start(ctx, args, window), on_error=lambda e: startup_failed(window, e))
        opened.append(window)
        return window

    yield open_window
    desks = [w.ctx.desk for w in opened if w.ctx.desk is not None]
    for window in opened:
        window.ctx.runner.cancel_all()
        destroy(window)  # closed and deleted here, on the GUI thread
    for desk in desks:
        closing = asyncio.ensure_future(desk.close())
        qtbot.waitUntil(closing.done, timeout=WAIT)


def ready(qtbot, window) -> None:
    qtbot.waitUntil(
        lambda: window.ctx.desk is not None and not window.ctx.runner.running, timeout=WAIT
    )
    qtbot.waitUntil(lambda: window.ctx.desk._stream_socket is not None, timeout=WAIT)


def login_dialog(qtbot) -> LoginDialog:
    def shown() -> LoginDialog | None:
        return next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, LoginDialog) and w.isVisible()
            ),
            None,
        )

    qtbot.waitUntil(lambda: shown() is not None, timeout=WAIT)
    dialog = shown()
    assert dialog is not None
    return dialog


@pytest.fixture(scope="module")
def shop_token(pg_team) -> str:
    """The merchant's backend's own token (`xpaydesk-server backend add`)."""
    made = subprocess.run(
        [sys.executable, "-m", "core.server.cli", "backend", "add", "shop", "--json",
         "--config", str(pg_team.config)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return str(json.loads(made.stdout)["token"])


def backend_posts_session_key(team: TeamServer, sim, openid: str, token: str) -> None:
    """The merchant's backend, at the user's wx.login, posts the session key with its token."""
    key, _alive, _ = sim.state.session_key_state(openid)
    posted = httpx.post(
        f"{team.url}/backend/v1/session-key",
        headers={"Authorization": f"Bearer {token}"},
        json={"openid": openid, "session_key": key},
    )
    assert posted.status_code == 200 and posted.json()["stored"] is True, posted.text


def look_up(qtbot, window, openid: str):
    window.go("users")
    page = window.pages["users"]
    page.openid.setText(openid)
    qtbot.mouseClick(page.lookup, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.view is not None and page.view.openid == openid, timeout=WAIT)
    return page


def money_dialog(qtbot, page, action: str):
    qtbot.mouseClick(page.actions[action], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: getattr(page, "dialog", None) is not None and page.dialog.isVisible(), timeout=WAIT
    )
    return page.dialog


def walk(qtbot, window) -> None:
    """Every page of the navigation built and loaded on the team desk: an AttributeError or a
    refusal raised in a slot fails the test (pytest-qt), one on a task goes to the status bar."""
    for spec in list(window.page_specs):
        window.go(spec.name)
        qtbot.wait(150)
    qtbot.waitUntil(lambda: not window.ctx.runner.running, timeout=WAIT)
    assert "Unexpected error" not in window.statusBar().currentMessage()


def balance_shown(page) -> int | None:
    view = page.view  # None while the card reloads
    return None if view is None else view.balance.balance


def warnings_in(window) -> str:
    return window.statusBar().currentMessage() if "⚠" in window.statusBar().currentMessage() else ""


def test_a_viewer_logs_in_with_totp_and_every_page_opens_on_the_team_desk(
    pg_team, app_window, qtbot, memory_keyring
):
    window = app_window(pg_team, "vera", stored=False)
    dialog = login_dialog(qtbot)  # no session kept: the dialog, over the painted window
    assert dialog.parent() is window and dialog.server.text() == pg_team.url
    assert dialog.name.text() == "vera"
    qtbot.keyClicks(dialog.password, pg_team.people["vera"].password)
    qtbot.keyClicks(dialog.totp, pg_team.code("vera"))
    qtbot.keyClick(dialog.totp, Qt.Key.Key_Return)
    ready(qtbot, window)
    desk = window.ctx.desk
    assert desk.team and desk.profile.role == "viewer"
    assert list(memory_keyring.store) == [("xpaydesk", f"team:{pg_team.url}/vera")]
    assert "vera" in window.operator.text()
    names = [spec.name for spec in window.page_specs]
    assert names[-1] == "approvals" and not window.nav.item(len(names) - 1).isHidden()
    walk(qtbot, window)
    assert warnings_in(window) == ""  # no refusal at start (resolve, complaints) for a viewer
    with Mirror(pg_team.mirror_path) as m:  # and none asked for: each would be audited
        refused = [
            json.loads(r["params"])["endpoint"]
            for r in m.all(
                "SELECT params FROM audit WHERE operator = 'vera' AND action = 'refused'"
            )
        ]
    assert refused == []
    complaints = window.pages["complaints"]
    assert not complaints.refresh_button.isEnabled()
    assert "support, finance and admin" in complaints.refresh_button.toolTip()
    assert window.connection.isHidden()
    assert getattr(window, "login_again", None) is None


def test_a_cancelled_login_says_so_and_offers_to_log_in_again(pg_team, app_window, qtbot):
    window = app_window(pg_team, "fred", stored=False)
    dialog = login_dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: getattr(window, "login_again", None) is not None, timeout=WAIT)
    assert window.ctx.desk is None
    said = window.pages["settings"].inline.text.text()
    assert "login was cancelled" in said and "登录已取消" in said and pg_team.url in said
    assert "--demo" not in said  # no advice beside the point: log in again or switch
    with qtbot.waitSignal(window.ctx.reopen, timeout=WAIT) as asked:
        qtbot.mouseClick(window.login_again, Qt.MouseButton.LeftButton)
    assert asked.args[0].profile == "office"  # the same profile, a fresh window and login


def test_a_gift_through_the_team_window(pg_team, team_sim, app_window, qtbot, shop_token):  # noqa: F811
    pay(pg_team, team_sim, GIFTED, 100)
    backend_posts_session_key(pg_team, team_sim, GIFTED, shop_token)
    before = team_sim.state.account(1, GIFTED)["balance"]
    window = app_window(pg_team, "sam")
    ready(qtbot, window)
    page = look_up(qtbot, window, GIFTED)
    dialog = money_dialog(qtbot, page, "gift")
    dialog.amount.setValue(300)
    dialog.reason.setCurrentText("活动补偿")
    assert dialog.approval_note.isHidden()
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    assert team_sim.state.account(1, GIFTED)["balance"] == before + 300
    qtbot.waitUntil(lambda: balance_shown(page) == before + 300, timeout=WAIT)
    walk(qtbot, window)  # and every page as support


def test_a_refund_is_followed_live_to_its_clawback(
    pg_team,
    team_sim,  # noqa: F811
    app_window,
    qtbot,
    shop_token,
):
    pay(pg_team, team_sim, REFUNDED, 600)
    backend_posts_session_key(pg_team, team_sim, REFUNDED, shop_token)
    window = app_window(pg_team, "fay")
    ready(qtbot, window)
    window.go("refunds")
    refunds = window.pages["refunds"]
    page = look_up(qtbot, window, REFUNDED)
    dialog = money_dialog(qtbot, page, "refund")
    assert dialog.clawback.isChecked()
    dialog.reason.setCurrentText("用户投诉")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)

    def clawbacks() -> list[str]:
        model = refunds.model
        return [
            model.row_dict(r)["clawback"]
            for r in range(model.rowCount())
            if model.row_dict(r)["openid"] == REFUNDED
        ]

    # from here on nobody clicks: the server follows the refund and takes the coins back, and
    # its events refresh the open pages
    qtbot.waitUntil(lambda: clawbacks() == ["recovered"], timeout=WAIT)
    qtbot.waitUntil(lambda: balance_shown(page) == 0, timeout=WAIT)
    assert team_sim.state.account(1, REFUNDED)["balance"] == 0
    walk(qtbot, window)  # and every page as finance


def test_an_approval_asked_by_support_is_granted_by_finance_in_a_second_window(
    pg_team,
    team_sim,  # noqa: F811
    app_window,
    qtbot,
):
    pay(pg_team, team_sim, ASKED, 100)
    before = team_sim.state.account(1, ASKED)["balance"]
    asker = app_window(pg_team, "sam")
    ready(qtbot, asker)
    users = look_up(qtbot, asker, ASKED)
    dialog = money_dialog(qtbot, users, "gift")
    dialog.amount.setValue(1500)  # above [approval] gift = 1000
    dialog.reason.setCurrentText("活动补偿")
    assert dialog.approval_note.isVisible() and "needs approval" in dialog.approval_note.text()
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.sent_for_approval is not None, timeout=WAIT)
    request_id = dialog.sent_for_approval["id"]
    assert team_sim.state.account(1, ASKED)["balance"] == before  # nothing moved yet

    approver = app_window(pg_team, "fred")
    ready(qtbot, approver)
    approver.go("approvals")
    page = approver.pages["approvals"]

    def waiting() -> list[int]:
        model = page.waiting_model
        return [model.row_dict(r)["id"] for r in range(model.rowCount())]

    qtbot.waitUntil(lambda: request_id in waiting(), timeout=WAIT)
    page.waiting_table.selectRow(waiting().index(request_id))
    assert ASKED in page.effect.text() and "sam" in page.effect.text()
    page.reason.setText("核对无误")
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.outcome.isVisible(), timeout=WAIT)
    assert page.outcome.objectName() == "inlineOk", page.outcome.text.text()
    assert team_sim.state.account(1, ASKED)["balance"] == before + 1500

    asker.go("approvals")
    mine = asker.pages["approvals"]

    def state() -> str:
        model = mine.mine_model
        rows = [model.row_dict(r) for r in range(model.rowCount())]
        return next((r["state"] for r in rows if r["id"] == request_id), "")

    qtbot.waitUntil(lambda: state() == "approved", timeout=WAIT)  # heard live, no click


def test_the_server_stopped_and_restarted_under_an_open_window(
    pg_team,
    team_sim,  # noqa: F811
    app_window,
    qtbot,
):
    order_id = pay(pg_team, team_sim, AWAY, 500)
    window = app_window(pg_team, "fay")
    ready(qtbot, window)
    look = look_up(qtbot, window, AWAY)
    window.go("orders")
    orders = window.pages["orders"]
    orders.show_order(order_id)
    qtbot.waitUntil(lambda: orders.refund_button.isEnabled(), timeout=WAIT)
    shown = orders.model.rowCount()
    assert shown > 0 and window.connection.isHidden()

    stop(pg_team)  # SIGTERM
    qtbot.waitUntil(lambda: window.connection.isVisible(), timeout=WAIT)
    said = window.connection.text()
    assert "Team server unreachable" in said and "money actions paused" in said
    assert not orders.refund_button.isEnabled()
    orders.refresh()  # the rows stay, as the banner says: data from before it went
    qtbot.wait(300)
    assert orders.model.rowCount() == shown
    window.go("users")
    assert look.view is not None and look.view.openid == AWAY  # the card stays too
    assert not look.actions["refund"].isEnabled()  # (finance: refunds; never a gift)
    assert "team server" in look.actions["refund"].toolTip()

    restart(pg_team)  # the same store, the same port
    qtbot.waitUntil(lambda: window.connection.isHidden(), timeout=WAIT)  # by itself
    assert look.actions["refund"].isEnabled()
    assert not look.actions["gift"].isEnabled()  # the role's own reason stays
    assert "finance role may not" in look.actions["gift"].toolTip()
