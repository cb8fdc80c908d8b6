"""Crash points for the crash tests: with XPAYDESK_TEST_CRASH_AT=<point> the process kills itself
(SIGKILL, no cleanup) when it reaches that point, as a power cut or a task manager would."""

from __future__ import annotations

import os
import signal

POINTS = ("after_intent", "after_answer")


def crashpoint(name: str) -> None:
    if os.environ.get("XPAYDESK_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
