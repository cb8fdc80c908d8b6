"""What every page shares: the core facade (once it is ready), the task runner, notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from dashboard.tasks import TaskRunner

if TYPE_CHECKING:  # the core loads in the background, after the first paint
    from core.desk import Desk


class AppContext(QObject):
    ready = Signal()  # the Desk exists (a demo builds it in the background)
    notify = Signal(str, str)  # kind (ok | error | warn), text
    navigate = Signal(str, str)  # page, target (openid, order id, refund id)

    def __init__(self, runner: TaskRunner, *, demo: bool = False) -> None:
        super().__init__()
        self.runner = runner
        self.demo = demo
        self.desk: Desk | None = None
        self.lang = "zh_CN"

    def set_desk(self, desk: Desk) -> None:
        self.desk = desk
        self.ready.emit()

    @property
    def changes(self):  # type: ignore[no-untyped-def]
        return self.runner.changes.changed
