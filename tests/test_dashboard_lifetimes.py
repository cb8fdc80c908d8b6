"""Qt object lifetimes (issue 13, "the test suite must never crash"; issue 16, memory flat).

Python's cyclic collector runs on whichever thread allocates; a Qt object owned only by Python
and freed by it in an `asyncio.to_thread` worker is deleted from the wrong thread, and a timer
then fires on freed memory. The forced-collection run below segfaulted 3 runs of 3 before every
Qt object had an owner on the GUI thread (dashboard.lifetimes)."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from dashboard.lifetimes import GuiCollector
from dashboard.models import ColumnsModel

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_TESTS = sorted(
    str(p.relative_to(ROOT))
    for p in (ROOT / "tests").glob("test_dashboard*.py")
    if p.name != Path(__file__).name
)
# the in-process GUI tests (test_dashboard_commands runs the app in subprocesses of its own)
ALL_GUI_TESTS = [t for t in DASHBOARD_TESTS if not t.endswith("test_dashboard_commands.py")]
# in the normal run, those with no team server: the others spend their time starting servers and
# PostgreSQL, which the hammer does not need (their windows are the same widgets); the slow run
# below takes every file
GUI_TESTS = [
    t
    for t in ALL_GUI_TESTS
    if not re.search(r"serverfixtures|teamfixtures|remotefixtures", (ROOT / t).read_text("utf-8"))
]
TIMER_MESSAGE = "Timers cannot be stopped from another thread"
WAIT = 15_000


def run_pytest(*args: str, extra_env: dict[str, str] | None = None, timeout: int = 600):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6", **(extra_env or {})}
    command = [sys.executable, "-X", "faulthandler", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def run_offscreen(code: str, *, timeout: int) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh Python process on the offscreen Qt platform."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=timeout,
    )


def assert_no_crash(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode >= 0, f"killed by signal {-result.returncode}:\n{output[-4000:]}"
    assert "Fatal Python error" not in output, output[-4000:]
    assert TIMER_MESSAGE not in output, output[-4000:]
    assert " passed" in result.stdout, output[-4000:]


def test_gc_forced_onto_worker_threads_never_crashes_the_dashboard_tests():
    """Collection on a worker thread before and after every GUI test, and every 50 ms in the
    background (so also between a test's actions)."""
    result = run_pytest(
        "-p", "tests.gc_on_worker", *GUI_TESTS, extra_env={"XPAYDESK_GC_HAMMER_MS": "50"}
    )
    assert_no_crash(result)
    collections = int(result.stdout.split("gc on worker threads: ")[1].split()[0])
    assert collections > 2 * 10  # it did run, around every test and in between


@pytest.mark.slow
def test_gc_forced_onto_worker_threads_never_crashes_any_dashboard_test():
    """The same, over every in-process GUI file, team-mode windows included."""
    result = run_pytest(
        "-p", "tests.gc_on_worker", *ALL_GUI_TESTS, extra_env={"XPAYDESK_GC_HAMMER_MS": "50"}
    )
    assert_no_crash(result)


@pytest.mark.slow
def test_the_dashboard_tests_30_times_in_a_row():
    for run in range(int(os.environ.get("XPAYDESK_STRESS_RUNS", "30"))):
        result = run_pytest(*DASHBOARD_TESTS, timeout=900)
        try:
            assert_no_crash(result)
        except AssertionError as exc:
            raise AssertionError(f"run {run + 1}: {exc}") from None


def test_the_app_collects_on_the_gui_thread_only(qapp):
    """Automatic collection is off while the collector is installed (the fixtures install it as
    dashboard.app does); its timer collects, on the GUI thread, once a generation is due."""
    collector = GuiCollector.install(qapp)
    assert not gc.isenabled()
    assert collector.thread() is qapp.thread()
    before = collector.collections[0]
    junk = []
    for _ in range(gc.get_threshold()[0] + 10):
        cell: list[object] = []
        cell.append(cell)  # cyclic: only the collector frees it
        junk.append(cell)
    del junk, cell
    collector.tick()
    assert sum(collector.collections) > before
    assert gc.get_count()[0] < gc.get_threshold()[0]


def test_a_closed_loop_freed_in_a_worker_stops_no_timer_from_there():
    """A qasync loop closed with a callback still pending keeps its Qt timer registered on its
    timer object; freed by a collection in a worker thread, that object printed "QObject::~QObject:
    Timers cannot be stopped from another thread" (and the timer later fired on freed memory).
    dispose_loop deletes it on the GUI thread first, as the fixtures and the app do."""
    code = (
        "import asyncio, gc, threading, qasync\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from dashboard.lifetimes import dispose_loop, immortal_none\n"
        "immortal_none()\n"
        "app = QApplication([])\n"
        "loop = qasync.QEventLoop(app, already_running=True)\n"
        "asyncio.set_event_loop(loop)\n"
        "loop.call_later(30, print)\n"
        "loop._QEventLoop__is_running = False\n"
        "asyncio.events._set_running_loop(None)\n"
        "loop.close()\n"
        "dispose_loop(loop)\n"
        "asyncio.set_event_loop(None)\n"
        "cycle = [loop]\n"
        "cycle.append(cycle)\n"
        "del loop, cycle\n"
        "worker = threading.Thread(target=gc.collect)\n"
        "worker.start()\n"
        "worker.join()\n"
        "app.processEvents()\n"
        "print('app alive:', app.applicationPid() > 0)\n"
    )
    result = run_offscreen(code, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "app alive: True" in result.stdout
    assert TIMER_MESSAGE not in result.stderr


def test_none_outlives_more_qt_calls_than_it_has_references():
    """PySide6 6.12 on CPython 3.11 takes a reference from None at every call of a method that
    returns nothing; past None's count CPython aborts ("deallocating None"). The app's start
    (dashboard.app.tune_interpreter) makes None immortal first, as CPython 3.12 does."""
    code = (
        "import sys\n"
        "from dashboard.app import tune_interpreter\n"
        "tune_interpreter()\n"
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "app = QApplication([])\n"
        "label = QLabel()\n"
        "calls = min(sys.getrefcount(None), 1 << 22) + 50_000\n"
        "for _ in range(calls):\n"
        "    label.setText('x')\n"
        "print('alive after', calls, 'calls')\n"
    )
    result = run_offscreen(code, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "alive after" in result.stdout


def test_the_orders_table_keeps_a_bounded_number_of_pages(qtbot, desk, qloop):
    from core.mirror.records import upsert_orders
    from dashboard.models import PAGE, OrdersModel

    upsert_orders(
        desk.mirror,
        [
            {
                "order_id": f"B{n:07d}",
                "openid": f"oBOUND{n % 7:022d}",
                "kind": "coin",
                "product_id": "coin",
                "quantity": 1,
                "order_fee": 100,
                "paid_fee": 100,
                "left_fee": 100,
                "status": 4,
                "env": 1,
                "create_time": 1000 + n,
                "paid_time": 1001 + n,
                "source": "t",
            }
            for n in range(30 * PAGE)
        ],
    )
    model = OrdersModel(desk.order_pager)
    for row in range(0, model.rowCount(), PAGE):  # an operator scrolling through every page
        assert model.index(row, 0).data()
    assert model.pages_loaded == 20  # ~4 MB of rows at most, however long the day


def live_row_models() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, ColumnsModel))


def test_thirty_reports_leave_no_widgets_or_models_behind(qtbot, window, desk):
    window.go("reconcile")
    page = window.pages["reconcile"]
    counts: list[tuple[int, int]] = []
    for _ in range(30):
        page.view = None
        page.run_report()
        qtbot.waitUntil(lambda: page.view is not None, timeout=WAIT)
        qtbot.wait(1)  # the event loop runs the deleteLater()s of the report before
        gc.collect()
        counts.append((len(QApplication.allWidgets()), live_row_models()))
    assert page.tabs.count() >= 4
    assert counts[-1] == counts[3], counts  # flat after the first few
