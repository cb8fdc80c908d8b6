"""Who deletes a Qt object, and on which thread.

A Qt object must die on the thread it lives on: the GUI thread. Python frees an object where its
last reference goes away; for an object caught in a reference cycle that is wherever the cyclic
collector happens to run, and CPython runs it on whichever thread is allocating at the time,
an `asyncio.to_thread` worker included. A window or model owned only by Python and freed there
is deleted from the wrong thread: "QObject::~QObject: Timers cannot be stopped from another
thread", then a timer fires on freed memory and the process dies (seen in the test suite about
once in 20 runs). Three rules keep that from happening:

* every Qt object has a Qt owner (a parent) on the GUI thread, so freeing its Python wrapper
  anywhere never deletes the C++ object;
* top-level windows and the objects of a closed qasync loop are deleted explicitly, on the GUI
  thread (`destroy`, `dispose_loop`);
* automatic collection is off (`gc.disable()`), and `GuiCollector` collects on the GUI thread on
  a timer, by the interpreter's own thresholds. `dashboard.app` installs it, and so do the GUI
  test fixtures.

And one object must never die at all: None (`immortal_none`, a PySide6 6.12 bug on 3.11).
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def immortal_none() -> None:
    """PySide6 6.12.0 on CPython 3.11: every call of a Qt method that returns nothing takes a
    reference from None and never gives it back (measured: 1,000 `QLabel.setText()` calls lower
    `sys.getrefcount(None)` by 1,000; `QPainter.fillRect`, `setPen`, `QTimer.start`,
    `QWidget.update` alike). None holds a few hundred thousand references in a running desk:
    minutes of work reach zero and CPython aborts ("none_dealloc: deallocating None"; the
    scripted-day benchmark died in the reconciliation chart's paintEvent after ~40 s). CPython
    3.12 makes None immortal (PEP 683); this does the same on 3.11: its count is raised by 2**60,
    which no number of calls in a process's life can use up. Idempotent; a no-op on 3.12+."""
    if sys.version_info >= (3, 12):
        return
    import ctypes

    # True and False too: the GUI tests drift them down (~10 references a test; found with the
    # Users page and search tests of issue 14), and a session that ends below what the modules
    # still hold aborts in finalisation ("bool_dealloc: deallocating True or False")
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the first field
        if refcount.value < 1 << 59:
            refcount.value += 1 << 60


INTERVAL_MS = 250  # a tick that finds nothing to do costs a few microseconds


class GuiCollector(QObject):
    """The cyclic garbage collector, run on the GUI thread only."""

    _instance: GuiCollector | None = None

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.collections = [0, 0, 0]  # per generation, for tests and benchmarks
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(interval_ms)

    @classmethod
    def install(cls, app: QCoreApplication, interval_ms: int = INTERVAL_MS) -> GuiCollector:
        """Turns automatic collection off and starts the GUI-thread timer (once per app)."""
        current = cls._instance
        if current is None or not shiboken6.isValid(current):
            current = cls._instance = cls(app, interval_ms)
        gc.disable()
        return current

    @classmethod
    def uninstall(cls) -> None:
        """Back to the interpreter's own collection (tests, between GUI tests)."""
        current, cls._instance = cls._instance, None
        if current is not None and shiboken6.isValid(current):
            current._timer.stop()
            shiboken6.delete(current)
        gc.enable()

    def tick(self) -> None:
        """What the interpreter does after an allocation, done here instead: collect the oldest
        generation whose count is over its threshold."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if counts[0] < thresholds[0]:
            return
        generation = 0
        for n in (2, 1):
            if counts[n] >= thresholds[n]:
                generation = n
                break
        gc.collect(generation)
        self.collections[generation] += 1


def destroy(obj: QObject | None) -> None:
    """Deletes a Qt object now, on this (the GUI) thread; a window is closed first. Never call it
    from inside one of the object's own event handlers or slots (use deleteLater there)."""
    if obj is None or not shiboken6.isValid(obj):
        return
    if isinstance(obj, QWidget) and obj.isWindow():
        obj.close()
    shiboken6.delete(obj)


def retire(obj: QObject | None) -> None:
    """A widget, dialog or model that has been replaced: deleted by the event loop, on the GUI
    thread, instead of staying a child of its parent for as long as the window lives. A dialog
    still on screen is left alone."""
    if obj is None or not shiboken6.isValid(obj):
        return
    if isinstance(obj, QWidget) and obj.isWindow() and obj.isVisible():
        return
    obj.deleteLater()


def flush_deletes() -> None:
    """Runs the pending deleteLater()s now: outside a running event loop Qt would keep them
    until some later loop, while their Python wrappers may already be garbage."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def destroy_windows() -> None:
    """Closes and deletes every top-level window, on the GUI thread (a test's teardown)."""
    flush_deletes()
    for widget in QApplication.topLevelWidgets():
        if shiboken6.isValid(widget) and widget.parent() is None:
            destroy(widget)
    flush_deletes()


def dispose_loop(loop: Any) -> None:
    """After a qasync loop is closed: deletes its Qt objects (the timer that carries call_later,
    the call_soon_threadsafe signaller, the finished worker threads) on the GUI thread. Its
    timer object keeps Qt timers registered for callbacks still pending at close; freed later in
    a worker, it would leave them to fire on freed memory."""
    objects: list[Any] = [
        v
        for v in vars(loop).values()
        if isinstance(v, QObject) and not isinstance(v, QCoreApplication)  # never the app
    ]
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    if executor is not None:
        objects += getattr(executor, "_QThreadExecutor__workers", [])
    for obj in objects:
        if shiboken6.isValid(obj):
            if hasattr(obj, "isRunning") and obj.isRunning():
                continue  # a worker still busy: its executor was shut down without waiting
            shiboken6.delete(obj)
