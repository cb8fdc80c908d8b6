"""The dashboard names the real problem when it cannot open a profile: a --config that is a folder,
a mirror that was emptied (not "No profile open: OperationalError…"). It runs the app's own window
loop (dashboard.app.run_windows), as a start from the command line does."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication

from core.mirror.db import Mirror
from core.profiles import load_profiles
from core.simulator import profile_toml
from dashboard import app as desk_app

WAIT = 15_000


@pytest.fixture
def start(qloop, settings, qtbot):
    tasks = []

    def run(config):
        args = desk_app.parse_args(["--config", str(config)])
        window = desk_app.new_window(args, "en")
        window.show()
        tasks.append(
            asyncio.ensure_future(desk_app.run_windows(QApplication.instance(), window, args, None))
        )
        return window

    yield run
    for open_window in QApplication.topLevelWidgets():
        open_window.close()
    QApplication.instance().lastWindowClosed.emit()
    for task in tasks:
        qtbot.waitUntil(task.done, timeout=WAIT)
        assert task.result() is None


def _shown(qtbot, window) -> str:
    page = window.pages["settings"]
    qtbot.waitUntil(lambda: page.inline.isVisible(), timeout=WAIT)
    assert window.stack.currentWidget() is page and window.ctx.desk is None
    return page.inline.text.text() + "\n" + window.statusBar().currentMessage()


def test_a_config_folder_is_named_in_the_window(qtbot, start, tmp_path):
    text = _shown(qtbot, start(tmp_path))
    assert "is a folder" in text and "文件夹" in text and str(tmp_path) in text
    assert "Error:" not in text  # never a bare exception name
    assert "Create or fix a profile" in text


def test_an_emptied_mirror_is_named_in_the_window(qtbot, start, sim, tmp_path):
    db = tmp_path / "shop.sqlite"
    config = tmp_path / "p.toml"
    config.write_text(profile_toml(sim, db=str(db)), encoding="utf-8")
    Mirror(load_profiles(config).get(None).mirror_path).close()  # the mirror existed …
    db.write_bytes(b"")  # … and is now empty
    text = _shown(qtbot, start(config))
    assert "empty (0 bytes)" in text and "空文件" in text and str(db) in text
    assert "mirror new --force" in text and "OperationalError" not in text
    assert "Create or fix a profile" not in text  # the profile is fine; its mirror is not
    assert db.stat().st_size == 0
