"""The login dialog against a REAL team server process: opened by ensure_login only when no
stored session is usable, the name and the server shown, errors under the fields (both languages)
before anything is sent, the server's refusals said in the dialog, Enter submits, and the session
ends up in the keyring."""

from __future__ import annotations

import asyncio
import socket

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.profiles import TeamProfile
from core.remote.session import TokenKeeper
from dashboard.login_dialog import LoginDialog, ensure_login
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

WAIT = 15_000


def open_dialog(qtbot) -> LoginDialog:
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


def test_no_session_opens_the_dialog_and_a_login_stores_one(
    qtbot,
    qloop,
    team,  # noqa: F811
    memory_keyring,
):
    profile = TeamProfile(name="office", server=team.url, operator="sam")
    task = asyncio.ensure_future(ensure_login(None, profile))
    dialog = open_dialog(qtbot)
    assert dialog.name.text() == "sam" and dialog.server.text() == team.url
    qtbot.keyClicks(dialog.password, "not-the-password")
    qtbot.keyClicks(dialog.totp, "12a3456")  # only digits get in
    assert dialog.totp.text() == "123456"
    qtbot.keyClick(dialog.totp, Qt.Key.Key_Return)  # Enter submits
    qtbot.waitUntil(lambda: dialog.inline.isVisible(), timeout=WAIT)
    said = dialog.inline.text.text()
    assert "wrong name, password or one-time code" in said and "用户名、密码或动态码错误" in said
    assert dialog.isVisible() and not task.done() and dialog.totp.text() == ""
    assert memory_keyring.store == {}

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, team.people["sam"].password)
    qtbot.keyClicks(dialog.totp, team.code("sam"))
    qtbot.keyClick(dialog.password, Qt.Key.Key_Enter)
    qtbot.waitUntil(task.done, timeout=WAIT)
    keeper = task.result()
    assert isinstance(keeper, TokenKeeper) and keeper.profile.operator == "sam"
    assert not any(  # closed, and deleted (with the password it held)
        isinstance(w, LoginDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
    )
    assert list(memory_keyring.store) == [("xpaydesk", f"team:{team.url}/sam")]
    assert keeper.whoami().role == "support"


def test_what_is_wrong_is_said_under_its_field_before_anything_is_sent(
    qtbot,
    qloop,
    team,  # noqa: F811
):
    profile = TeamProfile(name="office", server=team.url, operator="dora")
    task = asyncio.ensure_future(ensure_login(None, profile))
    dialog = open_dialog(qtbot)
    dialog.name.clear()
    qtbot.keyClicks(dialog.totp, "12")
    qtbot.keyClick(dialog.totp, Qt.Key.Key_Return)
    for note, en, zh in (
        (dialog.name_note, "enter the operator's name", "请输入操作员名称"),
        (dialog.password_note, "enter the password", "请输入密码"),
        (dialog.totp_note, "6 digits", "6 位数字"),
    ):
        assert note.isVisible() and en in note.text() and zh in note.text()
    assert dialog._task is None  # nothing was sent
    assert not dialog.inline.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=WAIT)
    assert task.result() is None  # cancelled: no session


def test_a_usable_stored_session_opens_no_dialog(
    qtbot,
    qloop,
    team,  # noqa: F811
    memory_keyring,
):
    profile = TeamProfile(name="office", server=team.url, operator="fay")
    TokenKeeper(profile).login(team.people["fay"].password, team.code("fay"))
    task = asyncio.ensure_future(ensure_login(None, profile))
    qtbot.waitUntil(task.done, timeout=WAIT)
    keeper = task.result()
    assert keeper is not None and keeper.whoami().role == "finance"
    assert not any(isinstance(w, LoginDialog) for w in QApplication.topLevelWidgets())


def test_a_server_that_does_not_answer_is_said_in_the_dialog(qtbot, qloop, memory_keyring):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = TeamProfile(name="office", server=f"http://127.0.0.1:{port}", operator="sam")
    task = asyncio.ensure_future(ensure_login(None, profile))
    dialog = open_dialog(qtbot)
    assert dialog.server.text() == profile.server
    qtbot.keyClicks(dialog.password, "pw")
    qtbot.keyClicks(dialog.totp, "123456")
    qtbot.keyClick(dialog.totp, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.inline.isVisible(), timeout=WAIT)
    said = dialog.inline.text.text()
    assert "cannot reach the team server" in said and "无法连接团队服务器" in said
    assert dialog.submit.isEnabled() and not task.done()
    dialog.reject()
    qtbot.waitUntil(task.done, timeout=WAIT)
    assert task.result() is None and memory_keyring.store == {}


def test_settings_creates_a_team_profile_with_server_and_name_only(
    qtbot, qloop, settings, tmp_path, memory_keyring
):
    from PySide6.QtWidgets import QDialogButtonBox

    from core.profiles import load_profiles
    from dashboard.context import AppContext
    from dashboard.pages.settings import SettingsPage
    from dashboard.profile_dialog import ProfileDialog
    from dashboard.tasks import TaskRunner

    path = tmp_path / "cfg" / "profiles.toml"
    ctx = AppContext(TaskRunner())
    ctx.config_path = path
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    saved: list[str] = []
    dialog = ProfileDialog(ctx, parent=page, on_saved=saved.append)
    dialog.open()
    assert dialog.texts["appid"].isVisibleTo(dialog) and not dialog.server.isVisibleTo(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("team"))
    assert dialog.server.isVisibleTo(dialog) and dialog.team_operator.isVisibleTo(dialog)
    hidden = [dialog.env, dialog.coin_rate, dialog.role, *dialog.texts.values()]
    assert not any(w.isVisibleTo(dialog) for w in [*hidden, *dialog.keys.values()])
    dialog.name.setText("office")
    dialog.server.setText("http://xpay.example.com")
    dialog.team_operator.setText("alice")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.inline.isVisible(), timeout=WAIT)
    said = dialog.inline.text.text()
    assert "tokens would travel in clear" in said and "明文" in said
    assert not path.exists()  # nothing written
    dialog.server.setText("https://xpay.example.com/")
    qtbot.waitUntil(save.isEnabled, timeout=WAIT)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: saved == ["office"], timeout=WAIT)
    made = load_profiles(path).get_any("office")
    assert isinstance(made, TeamProfile)
    assert (made.server, made.operator) == ("https://xpay.example.com", "alice")
    assert memory_keyring.store == {}  # no key for a team profile
    page.reload_profiles()
    (row,) = page.profiles_model.rows
    assert (row["name"], row["kind_label"], row["server"]) == (
        "office",
        "Team",
        "alice @ https://xpay.example.com/",
    )


def test_settings_page_of_a_team_desk_shows_the_server_and_no_keys(
    qtbot,
    qloop,
    settings,
    team,  # noqa: F811
    memory_keyring,
):
    from PySide6.QtWidgets import QFormLayout

    from core.desks import open_desk
    from dashboard.context import AppContext
    from dashboard.pages.settings import SettingsPage
    from dashboard.tasks import TaskRunner

    profile = TeamProfile(name="office", server=team.url, operator="fred")
    keeper = TokenKeeper(profile)
    keeper.login(team.people["fred"].password, team.code("fred"))
    desk = open_desk(profile, auth=keeper)
    ctx = AppContext(TaskRunner())
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    try:
        ctx.set_desk(desk)  # type: ignore[arg-type]
        form = page.profile_form
        shown = {
            form.itemAt(r, QFormLayout.ItemRole.LabelRole).widget().text(): form.itemAt(
                r, QFormLayout.ItemRole.FieldRole
            )
            .widget()
            .text()
            for r in range(form.rowCount())
        }
        assert shown["Team server"] == team.url and shown["Operator"] == "fred"
        assert shown["Kind"] == "Team" and shown["appid"].startswith("wx")
        assert not page.secret_card.isVisibleTo(page)  # no key on a team desktop
        assert page.limits_form.rowCount() == 2  # finance: refunds only (per action, today)
    finally:
        closing = asyncio.ensure_future(desk.close())
        qtbot.waitUntil(closing.done, timeout=WAIT)


def test_a_stored_session_the_server_ended_opens_the_dialog(
    qtbot,
    qloop,
    team,  # noqa: F811
    memory_keyring,
):
    from core.mirror.db import Mirror
    from core.server import store

    profile = TeamProfile(name="office", server=team.url, operator="ada")
    TokenKeeper(profile).login(team.people["ada"].password, team.code("ada"))
    with Mirror(team.mirror_path) as mirror:  # an admin ends ada's sessions
        assert store.end_sessions(mirror, "ada") >= 2
    task = asyncio.ensure_future(ensure_login(None, profile))
    dialog = open_dialog(qtbot)  # the stored tokens look fresh, but the server said no
    assert memory_keyring.store == {}  # the dead session is not kept
    dialog.reject()
    qtbot.waitUntil(task.done, timeout=WAIT)
    assert task.result() is None
