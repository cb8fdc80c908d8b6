"""A first start with no profiles file: the Settings page says so, a profile is created in the
dialog (keys to the keyring, never the file), opened in a fresh window, its connection tested
against the simulator over loopback; then the language switches without a restart."""

from __future__ import annotations

import asyncio

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from dashboard import app as desk_app
from dashboard.i18n import tr
from dashboard.profile_dialog import ProfileDialog

WAIT = 15_000


@pytest.fixture
def first_start(tmp_path, qloop, settings, qtbot):
    """The app's own window loop (dashboard.app.run_windows) on a missing profiles file."""
    config = tmp_path / "cfg" / "profiles.toml"
    args = desk_app.parse_args(["--config", str(config)])
    window = desk_app.new_window(args, "en")
    window.show()
    task = asyncio.ensure_future(desk_app.run_windows(QApplication.instance(), window, args, None))
    yield config, window, task
    for open_window in QApplication.topLevelWidgets():
        open_window.close()
    # Qt says so only inside exec(), which these tests do not run (qasync marked running)
    QApplication.instance().lastWindowClosed.emit()
    qtbot.waitUntil(task.done, timeout=WAIT)
    translator = task.result()
    if translator is not None:  # the session's QApplication must stay English for other tests
        QApplication.instance().removeTranslator(translator)
    from dashboard.i18n import install_qt

    install_qt("en")  # Qt's own texts too


def fill_and_save(qtbot, page, sim) -> ProfileDialog:
    qtbot.mouseClick(_button(page, "New profile…"), Qt.MouseButton.LeftButton)
    dialog = page.profile_dialog
    assert dialog.isVisible() and dialog.creating
    c = sim.config
    dialog.name.setText("sim-training")
    dialog.texts["appid"].setText(c.appid)
    dialog.texts["api_base"].setText(sim.url)
    dialog.texts["operator"].setText("小王")
    for field, value in (
        ("app_key", c.app_key),
        ("sandbox_app_key", c.sandbox_app_key),
        ("secret", c.secret),
        ("token", c.push.token),
        ("encoding_aes_key", c.push.encoding_aes_key),
    ):
        dialog.keys[field].setText(value)
    dialog.make_default.setChecked(True)
    return dialog


def _button(page, text):
    from PySide6.QtWidgets import QPushButton

    return next(b for b in page.findChildren(QPushButton) if b.text() == text)


def test_create_a_profile_on_first_start_and_open_it(qtbot, first_start, sim, memory_keyring):
    config, window, _task = first_start
    page = window.pages["settings"]
    qtbot.waitUntil(lambda: page.inline.isVisible(), timeout=WAIT)
    assert "not found" in page.inline.text.text()  # the missing file, named, in both languages
    assert window.stack.currentWidget() is page

    dialog = fill_and_save(qtbot, page, sim)
    dialog.texts["appid"].setText("wx123")  # a typo first: named, nothing written
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: dialog.inline.isVisible(), timeout=WAIT)
    assert "appid" in dialog.inline.text.text() and not config.exists()
    assert memory_keyring.store == {}  # no key stored for a profile that was not saved

    dialog.texts["appid"].setText(sim.config.appid)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    text = config.read_text(encoding="utf-8")
    assert sim.config.secret not in text and sim.config.app_key not in text
    assert memory_keyring.store[("xpaydesk", "sim-training/secret")] == sim.config.secret
    assert [r["name"] for r in page.profiles_model.rows] == ["sim-training"]
    assert window.profile_box.findText("sim-training") >= 0  # the switcher lists it at once

    page.profiles.setCurrentIndex(page.profiles_model.index(0, 0))
    qtbot.mouseClick(_button(page, "Open this profile"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            desk_app._current_window is not window and desk_app._current_window.ctx.desk is not None
        ),
        timeout=WAIT,
    )
    opened = desk_app._current_window
    opened_desk = opened.ctx.desk
    assert opened_desk.profile.name == "sim-training"
    assert opened.profile_box.currentText() == "sim-training"
    assert opened.banner.isVisible()  # a sandbox profile paints the banner
    opened.go("settings")
    settings_page = opened.pages["settings"]
    qtbot.mouseClick(_button(settings_page, "Test connection"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settings_page.inline.isVisible(), timeout=WAIT)
    assert settings_page.inline.objectName() == "inlineOk", settings_page.inline.text.text()

    # a new language reopens the window on the same open profile: nothing is rebuilt, and the
    # user looked up, the pasted push and the open page are still there (issue 14)
    openid = "oPasted_000000000000000000001"
    opened.go("users", openid)
    users = opened.pages["users"]
    qtbot.waitUntil(lambda: users.view is not None, timeout=WAIT)
    opened.go("callbacks")
    opened.pages["callbacks"].body.setPlainText('{"Event": "pasted"}')
    opened.go("settings")
    settings_page.language.setCurrentIndex(settings_page.language.findData("zh_CN"))
    settings_page.language.activated.emit(settings_page.language.currentIndex())
    qtbot.waitUntil(lambda: desk_app._current_window is not opened, timeout=WAIT)
    reopened = desk_app._current_window
    assert reopened.ctx.desk is opened_desk
    assert reopened.profile_box.currentText() == "sim-training"
    assert reopened.stack.currentWidget() is reopened.pages["settings"]
    assert reopened.pages["callbacks"].body.toPlainText() == '{"Event": "pasted"}'
    again = reopened.pages["users"]
    qtbot.waitUntil(lambda: again.view is not None and again.view.openid == openid, timeout=WAIT)
    # Qt's own dialogs (the file dialog) speak the operator's language too
    assert QCoreApplication.translate("QFileDialog", "&Open") != "&Open"


def test_language_switch_reopens_the_window_translated(qtbot, first_start):
    _config, window, _task = first_start
    page = window.pages["settings"]
    qtbot.waitUntil(lambda: page.inline.isVisible(), timeout=WAIT)  # the start has failed
    english = window.nav.item(0).text()
    page.language.setCurrentIndex(page.language.findData("zh_CN"))
    page.language.activated.emit(page.language.currentIndex())
    qtbot.waitUntil(lambda: desk_app._current_window is not window, timeout=WAIT)
    reopened = desk_app._current_window
    assert reopened.ctx.lang == "zh_CN"
    assert reopened.nav.item(0).text() == tr("Users") == "用户"
    assert reopened.nav.item(0).text() != english
    assert not shiboken6.isValid(window) or not window.isVisible()  # the old one is gone


def test_a_switch_waits_for_running_operations(qtbot, window):
    reopened: list[object] = []
    window.ctx.reopen.connect(reopened.append)
    running = window.ctx.runner.run(asyncio.sleep(30))  # stands for a refund in flight
    assert window.ctx.request_reopen(profile="other") is False
    assert "still running" in window.statusBar().currentMessage()
    running.cancel()
    qtbot.waitUntil(lambda: window.ctx.runner.running == 0, timeout=WAIT)
    assert window.ctx.request_reopen(profile="other") is True
    assert [r.profile for r in reopened] == ["other"]
