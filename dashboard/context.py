"""What every page shares: the core facade (once it is ready), the task runner, notifications."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from core.desk import Desk
from dashboard.tasks import TaskRunner


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
