"""pytest-qt + qasync, pattern B of desktop-stack-notes: sync tests, qtbot.waitUntil spins Qt,
a qasync loop marked already running so tasks run; no loop.stop() at teardown (it would leave a
quit pending and hang the next test)."""

from __future__ import annotations

import asyncio
import gc

import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QSettings

from core.desk import Desk
from core.profiles import load_profiles
from core.simulator import profile_toml
from dashboard.context import AppContext
from dashboard.lifetimes import (
    GuiCollector,
    destroy,
    destroy_windows,
    dispose_loop,
    immortal_none,
)
from dashboard.main_window import MainWindow
from dashboard.tasks import TaskRunner

immortal_none()  # as dashboard.app does: PySide6 6.12 on 3.11 takes None's references away


@pytest.fixture(autouse=True)
def _qt_lifetimes(request):
    """Every test that touches Qt runs as the app does (dashboard.lifetimes): automatic garbage
    collection off, collection on the GUI thread only; at the end its windows are deleted and its
    garbage collected here, on the GUI thread, so no Qt object is left for a worker thread's
    collection to free (that crashed the suite about once in 20 runs)."""
    if "qapp" not in request.fixturenames:
        yield
        return
    qapp = request.getfixturevalue("qapp")
    GuiCollector.install(qapp)
    yield
    destroy_windows()
    gc.collect()
    GuiCollector.uninstall()


@pytest.fixture
def qloop(qapp):
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    qapp.processEvents()
    loop._QEventLoop__is_running = False
    asyncio.events._set_running_loop(None)
    loop.close()
    dispose_loop(loop)  # its timer object, on this thread, not in some later worker
    asyncio.set_event_loop(None)


@pytest.fixture
def settings(tmp_path, qapp):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    QCoreApplication.setOrganizationName("XPayDeskTests")
    yield


@pytest.fixture
def desk(sim, tmp_path, qloop, settings, qtbot):
    path = tmp_path / "profiles.toml"
    path.write_text(
        profile_toml(sim, db=str(tmp_path / "mirror.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    d = Desk(load_profiles(path).get("demo"))
    yield d
    # closed on the loop, as the app does: a pooled keep-alive socket left to the garbage
    # collector warns at some later, random moment (and once broke an ast.parse in 3.11.7)
    closing = asyncio.ensure_future(d.close())
    qtbot.waitUntil(closing.done, timeout=10_000)


@pytest.fixture
def window(qtbot, desk, qloop):
    ctx = AppContext(TaskRunner())
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    ctx.set_desk(desk)
    w.show()
    yield w
    ctx.runner.cancel_all()
    destroy(w)  # on the GUI thread, now: not when a collection finds it
