"""What every page shares: the core facade (once it is ready), the task runner, notifications."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from dashboard.tasks import TaskRunner

if TYPE_CHECKING:  # the core loads in the background, after the first paint
    from core.desk import Desk


@dataclass(frozen=True)
class Reopen:
    """Close this window's profile and open the window again: another profile, another
    language, or both."""

    profile: str | None = None
    lang: str | None = None


class AppContext(QObject):
    ready = Signal()  # the Desk exists (a demo builds it in the background)
    notify = Signal(str, str)  # kind (ok | error | warn), text
    navigate = Signal(str, str)  # page, target (openid, order id, refund id)
    reopen = Signal(object)  # a Reopen; app.py closes this window and opens the next

    def __init__(self, runner: TaskRunner, *, demo: bool = False) -> None:
        super().__init__()
        self.runner = runner
        self.demo = demo
        self.desk: Desk | None = None
        self.lang = "zh_CN"
        self.config_path: Path | None = None  # None: the platformdirs default
        self.profile_name: str | None = None  # what was asked for; the Desk knows what opened
        self.demo_world: Any = None  # core.demo.DemoWorld while a demo runs
        # unix time for "today" (tests pin it); WeChat's day is Beijing's: core.beijing
        self.clock: Callable[[], float] = time.time
        # an order opened with a fix to offer (a reconciliation discrepancy): the Orders page
        # shows it when it shows that order. Keys: order_id, fix, why_zh, why_en, openid
        self.suggestion: dict[str, str] | None = None

    def request_reopen(self, *, profile: str | None = None, lang: str | None = None) -> bool:
        """Refused while anything runs: a money operation must finish (or be left pending in the
        journal) on the profile that started it, not be cancelled by a switch."""
        if self.runner.running:
            from dashboard.i18n import tr

            self.notify.emit(
                "warn",
                tr("{n} operations are still running; switch when they have finished.").format(
                    n=self.runner.running
                ),
            )
            return False
        self.reopen.emit(Reopen(profile=profile, lang=lang))
        return True

    def set_desk(self, desk: Desk) -> None:
        self.desk = desk
        self.ready.emit()

    @property
    def changes(self):  # type: ignore[no-untyped-def]
        return self.runner.changes.changed
