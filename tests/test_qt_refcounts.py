"""The Qt binding must not lose references to Python's singletons.

PySide6-Essentials 6.12.0 on CPython 3.11 did: every `Signal(bool).emit(True)` took a reference from
True (1,000 emits aborted the interpreter with "bool_dealloc"), every void Qt call one from None. A
desk open all day makes millions of such calls, so a build that leaks them crashes in operators'
hands; pyproject.toml excludes it and this test fails on any build that behaves the same way.
Run in a fresh interpreter: the dashboard's start-up guard (immortal_none) would hide the loss."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = r"""
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

class Emitter(QObject):
    flag = Signal(bool)

app = QApplication([])
emitter = Emitter()
seen = []
emitter.flag.connect(seen.append)
label = QLabel()
calls = 200  # few enough that a leaking build reports instead of aborting
true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
for _ in range(calls):
    emitter.flag.emit(True)
    label.setText("x")
    label.setVisible(False)
seen.clear()
print(sys.getrefcount(True) - true_before, sys.getrefcount(None) - none_before)
"""


def test_qt_calls_and_bool_signals_keep_the_singletons_references() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    true_delta, none_delta = (int(v) for v in done.stdout.split()[-2:])
    # a leaking build loses one per call (-200 or worse); a sound one drifts by a handful at most
    assert true_delta > -20, f"True lost {-true_delta} references in 200 Qt calls"
    assert none_delta > -20, f"None lost {-none_delta} references in 200 Qt calls"
