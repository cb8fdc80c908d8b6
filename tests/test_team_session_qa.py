"""The finance tester's session findings (team mode), against a real team server process: a
session the server ends under an open window is said at once with a "Log in again" button that
continues on the same window (money held meanwhile, never "Unexpected error"); a money dialog
opened on an ended session says so instead of failing to open."""

from __future__ import annotations

import asyncio

import pytest
import shiboken6

from core.mirror.db import Mirror
from core.profiles import TeamProfile
from core.remote.desk import RemoteDesk
from core.remote.session import TokenKeeper
from core.server import store
from dashboard.context import AppContext
from dashboard.lifetimes import destroy
from dashboard.main_window import MainWindow
from dashboard.tasks import TaskRunner
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)
from tests.test_server_demo import ROLES, demo, run  # noqa: F401  (a fixture: its own demo)

WAIT = 15_000
USER = "oTeamSessionQaUser000000001"


@pytest.fixture
def keeper_window(qtbot, qloop, settings, memory_keyring):
    """open(server, operator) -> (window, keeper): a window on that operator's team desk whose
    session is a TokenKeeper logged in with password and code, as the app opens one."""
    opened: list[tuple[MainWindow, RemoteDesk]] = []

    def open_window(server, name: str) -> tuple[MainWindow, TokenKeeper]:
        profile = TeamProfile(name="team", server=server.url, operator=name)
        keeper = TokenKeeper(profile)
        keeper.login(server.people[name].password, server.code(name))
        desk = RemoteDesk(keeper.whoami(), auth=keeper)
        ctx = AppContext(TaskRunner())
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        ctx.set_desk(desk)
        window.show()
        opened.append((window, desk))
        return window, keeper

    yield open_window
    for window, desk in opened:
        if shiboken6.isValid(window):
            window.ctx.runner.cancel_all()
            dialog = window.connection.login_dialog
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.reject()
            window.close()
        closing = asyncio.ensure_future(desk.close())
        qtbot.waitUntil(closing.done, timeout=WAIT)
    for window, _desk in opened:
        destroy(window)


def look_up(qtbot, window, openid: str):
    window.go("users", openid)
    users = window.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None and users.view.openid == openid, timeout=WAIT)
    return users


def test_a_disabled_operator_window_says_session_ended_and_holds_money(
    team,  # noqa: F811
    team_sim,  # noqa: F811
    keeper_window,
    qtbot,
):
    team_sim.add_user(USER)
    with Mirror(team.mirror_path) as m:
        team.people["qa-sup"] = store.add_operator(m, "qa-sup", "support")
    window, keeper = keeper_window(team, "qa-sup")
    users = look_up(qtbot, window, USER)
    qtbot.waitUntil(lambda: users.actions["gift"].isEnabled(), timeout=WAIT)
    assert window.connection.isHidden()
    with Mirror(team.mirror_path) as m:
        store.disable_operator(m, "qa-sup")
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    users.actions["gift"].click()  # the first call after the disable: 401, renewal refused
    qtbot.waitUntil(lambda: window.connection.isVisible(), timeout=WAIT)
    assert keeper.ended
    text = window.connection.text()
    assert "Session ended" in text and "an admin may have disabled you" in text
    assert window.connection.login_again.isVisible()
    assert window.connection.login_again.text() == "Log in again"
    qtbot.waitUntil(lambda: not users.actions["gift"].isEnabled(), timeout=WAIT)
    assert "log in again" in users.actions["gift"].toolTip()
    dialog = users.dialog  # it opened, and says why confirm is off (no traceback, no "Unexpected")
    assert dialog is not None and dialog.isVisible()
    assert not dialog.confirm.isEnabled() and "log in again" in dialog.why.text()
    dialog.reject()
    assert not [s for s in said if "Unexpected" in s]


def test_log_in_again_continues_on_the_same_window(
    team,  # noqa: F811
    team_sim,  # noqa: F811
    keeper_window,
    qtbot,
):
    team_sim.add_user(USER)
    window, keeper = keeper_window(team, "sam")
    users = look_up(qtbot, window, USER)
    qtbot.waitUntil(lambda: users.actions["gift"].isEnabled(), timeout=WAIT)
    with Mirror(team.mirror_path) as m:
        store.end_sessions(m, "sam")  # an admin ended them (or a logout elsewhere)
    users.look_up()  # any desk call: the server refuses the session
    qtbot.waitUntil(lambda: window.connection.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: not users.actions["gift"].isEnabled(), timeout=WAIT)
    window.connection.login_again.click()
    dialog = window.connection.login_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    assert dialog.name.text() == "sam" and dialog.name.isReadOnly()
    dialog.password.setText(team.people["sam"].password)
    dialog.totp.setText(team.code("sam"))
    dialog.log_in()
    qtbot.waitUntil(lambda: window.connection.isHidden(), timeout=WAIT)
    assert window.ctx.desk.auth is not keeper and not window.ctx.desk.auth.ended
    qtbot.waitUntil(lambda: users.actions["gift"].isEnabled(), timeout=WAIT)  # given back
    assert window.ctx.desk.user_orders(USER) == []  # the same desk reads again, as sam


def pay(server, sim, openid: str, fee: int) -> str:
    """The simulated WeChat takes a payment and posts the push to the team server."""
    sim.config.push.url = f"{server.url}/wechat/push"
    try:
        sim.add_user(openid)
        paid = sim.user_pays(openid, coins=fee // 10, fee=fee)
    finally:
        sim.config.push.url = None
    return str(paid["order_id"])


def test_money_buttons_follow_the_role(team, team_sim, keeper_window, qtbot):  # noqa: F811
    openid = "oTeamSessionQaRoles00000001"
    pay(team, team_sim, openid, 2000)
    finance, _ = keeper_window(team, "fay")
    users = look_up(qtbot, finance, openid)
    qtbot.waitUntil(lambda: users.actions["refund"].isEnabled(), timeout=WAIT)
    for action in ("gift", "deduct"):  # finance may not: disabled, and the tooltip says why
        assert not users.actions[action].isEnabled()
        tip = users.actions[action].toolTip()
        assert "finance role may not" in tip and "ask: support agent" in tip, tip
    viewer, _ = keeper_window(team, "vera")
    seen = look_up(qtbot, viewer, openid)
    qtbot.wait(300)  # the page has had its say about its buttons
    for action in ("gift", "deduct", "cancel", "refund"):
        assert not seen.actions[action].isEnabled(), action
        assert "viewer role may not" in seen.actions[action].toolTip()
    seen.actions["gift"].setEnabled(True)  # the page changing its mind is overruled
    assert not seen.actions["gift"].isEnabled()


def clipped(dialog) -> list[str]:
    from PySide6.QtWidgets import QLabel

    return [
        label.text()
        for label in dialog.findChildren(QLabel)
        if label.isVisible()
        and label.wordWrap()
        and label.text()
        and label.height() < label.heightForWidth(label.width())
    ]


def test_support_refund_dialog_says_the_limit_in_english_and_never_clips(
    team,  # noqa: F811
    team_sim,  # noqa: F811
    keeper_window,
    qtbot,
):
    openid = "oTeamSessionQaRefund0000001"
    pay(team, team_sim, openid, 30000)
    window, _ = keeper_window(team, "dora")
    users = look_up(qtbot, window, openid)
    qtbot.waitUntil(lambda: users.actions["refund"].isEnabled(), timeout=WAIT)
    users.actions["refund"].click()
    qtbot.waitUntil(lambda: users.dialog is not None and users.dialog.isVisible(), timeout=WAIT)
    dialog = users.dialog
    dialog.yuan.setValue(150)  # above support's ¥100.00 per refund
    qtbot.wait(100)
    said = dialog.amount_note.text()
    assert "exceeds your per-action limit" in said and "ask: finance, administrator" in said
    assert not any("\u4e00" <= c <= "\u9fff" for c in said), said  # no Chinese in English
    assert (
        dialog.reason.currentText() == "" and "A reason is required." in dialog.reason_note.text()
    )
    qtbot.wait(100)
    assert clipped(dialog) == []
    dialog.reject()


def form_labels(form) -> list[str]:
    from PySide6.QtWidgets import QFormLayout, QLabel

    found = []
    for row in range(form.rowCount()):
        for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.SpanningRole):
            item = form.itemAt(row, role)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                found.append(widget.text())
    return found


def test_settings_limits_in_team_mode_list_only_what_the_role_may_do(
    team,  # noqa: F811
    keeper_window,
    qtbot,
):
    window, _ = keeper_window(team, "fred")  # finance: refunds, no gifts or deductions
    window.go("settings")
    page = window.pages["settings"]
    qtbot.waitUntil(lambda: form_labels(page.limits_form) != [], timeout=WAIT)
    labels = form_labels(page.limits_form)
    assert any("Refund" in label for label in labels), labels
    assert not [label for label in labels if "Gift" in label or "Deduction" in label], labels
    note = page.limits_note.text()
    assert "team server applies" in note and "not access control" not in note
    viewer, _ = keeper_window(team, "vera")
    viewer.go("settings")
    seen = viewer.pages["settings"]
    qtbot.waitUntil(lambda: form_labels(seen.limits_form) != [], timeout=WAIT)
    assert form_labels(seen.limits_form) == ["Your role (Viewer) moves no money."]


def test_cli_login_without_a_keyring_keeps_the_one_time_code(
    team,  # noqa: F811
    memory_keyring,
    capsys,
    tmp_path,
):
    """The keyring is checked before the code is sent: the same code then logs in once a
    keyring is there (a code is spent once: before, it was used up by the refused login)."""
    import io
    import json

    import keyring
    import keyring.backends.fail

    from core.cli import main

    config = tmp_path / "profiles.toml"
    config.write_text(
        f'[profiles.office]\nserver = "{team.url}"\noperator = "dora"\n', encoding="utf-8"
    )
    code = team.code("dora")
    argv = ["--json", "--lang", "en", "--config", str(config), "--profile", "office"]
    argv += ["login", "--password-stdin", "--totp", code]
    keyring.set_keyring(keyring.backends.fail.Keyring())  # memory_keyring restores its own after
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(team.people["dora"].password + "\n"))
        refused = main(argv)
    said = json.loads(capsys.readouterr().out)["error"]["message"]
    assert refused == 2 and "one-time code was not used" in said and "Keychain" in said
    keyring.set_keyring(memory_keyring)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(team.people["dora"].password + "\n"))
        assert main(argv) == 0  # the same code
    assert json.loads(capsys.readouterr().out)["operator"] == "dora"


def test_the_demo_prints_operator_commands_that_work_against_it(demo, tmp_path):  # noqa: F811
    """`xpaydesk-server operator ... --config <demo>/server.toml` as the demo prints it, from a
    shell without the demo's key: the demo profile carries its loopback-only mirror key."""
    listed = run(demo.printed("xpaydesk-server operator list"), tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert len(rows[0]) == 4 and {r[0] for r in rows[1:]} >= set(ROLES)
    added = run(demo.printed("xpaydesk-server operator add"), tmp_path)
    assert added.returncode == 0 and "new-agent" in added.stdout, added.stderr
    bad = run(
        [
            *demo.printed("xpaydesk-server operator add")[:3],
            "bad name!",
            "--role",
            "viewer",
            *demo.printed("xpaydesk-server operator add")[-2:],
        ],
        tmp_path,
    )
    assert bad.returncode != 0 and "bad name!" in bad.stderr
