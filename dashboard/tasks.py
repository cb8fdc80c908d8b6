"""Background work on the qasync loop, the Anki way: run a coroutine with success and failure
callbacks, keep a strong reference until it ends, and tell every view what changed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    # asyncio (with ssl and subprocess, ~60 ms) loads when the first task runs, after the
    # window has painted, not while it is being built
    import asyncio

T = TypeVar("T")
log = logging.getLogger("xpaydesk.tasks")


class Changes(QObject):
    """The "what changed" broadcast: pages refresh themselves when their data moved."""

    changed = Signal(set)  # {"orders", "refunds", "ledger", "audit", "pending", "pushes", ...}


class TaskRunner(QObject):
    busy_changed = Signal(int)
    failed = Signal(object)  # an exception nobody handled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.changes = Changes(self)

    @property
    def running(self) -> int:
        return len(self._tasks)

    def run(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        changes: set[str] | None = None,
    ) -> asyncio.Task[T]:
        import asyncio

        task = asyncio.ensure_future(coro)
        self._tasks.add(task)  # a strong reference: an unreferenced task may vanish mid-flight
        self.busy_changed.emit(len(self._tasks))

        def finished(done: asyncio.Task[T]) -> None:
            self._tasks.discard(done)
            if not shiboken6.isValid(self):
                # the window that ran it is gone (closed, or reopened in another language): a
                # task cancelled at close ends here one loop turn later, with nobody to tell
                return
            self.busy_changed.emit(len(self._tasks))
            if done.cancelled():
                return
            exc = done.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("task failed", exc_info=exc)
                    self.failed.emit(exc)
                return
            if on_done is not None:
                on_done(done.result())
            if changes:
                self.changes.changed.emit(changes)

        task.add_done_callback(finished)
        return task

    async def idle(self, timeout: float = 30.0) -> None:
        """Waits until no task runs (screenshots, tests)."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks and loop.time() < deadline:
            await asyncio.sleep(0.02)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
