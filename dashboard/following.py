"""The Desk's "what changed" broadcast, heard on this window's GUI thread: refunds followed by
the Desk's tracker (in its own thread) refresh the Refunds page, the user card and the pending
counter without a click. What the tracker says goes into a thread-safe inbox that a timer of
this window empties, so no Qt object is ever touched from the tracker's thread."""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from dashboard.context import AppContext

if TYPE_CHECKING:
    from core.desk import Desk

DRAIN_MS = 200


class DeskChanges(QObject):
    def __init__(self, ctx: AppContext, desk: Desk, parent: QObject) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._inbox: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self._unsubscribe = desk.subscribe(self._inbox.put)
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self.drain)
        self._timer.start()
        desk.start_following()  # stopped when the Desk closes (profile switch, quit)

    def drain(self) -> None:
        what: set[str] = set()
        while True:
            try:
                what |= self._inbox.get_nowait()
            except queue.Empty:
                break
        if what:
            self.ctx.changes.emit(what)

    def stop(self) -> None:
        """This window no longer listens (closed, or replaced by one in another language)."""
        self._timer.stop()
        self._unsubscribe()
