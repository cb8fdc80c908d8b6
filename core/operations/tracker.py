"""Follows refunds in flight while a desk is open: each refund is asked about with query_order on
the REFUND_POLL_BACKOFF steps (at once when its refund push arrives), and its coin clawback runs
as soon as the refund has gone through. Nobody has to press a button.

It runs in a thread of its own, with its own event loop, mirror connection and HTTP client: the
dashboard's thread never waits on it. Whatever it changed is told to the listener (from that
thread: a Qt listener must hand it over to its own thread)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from core.connect import DEFAULT_TIMEOUT
from core.mirror.db import Mirror
from core.profiles import Profile

if TYPE_CHECKING:
    from core.operations.engine import OpResult

log = logging.getLogger("xpaydesk.tracker")

#: what a round that moved something changed, for the "what changed" broadcast
CHANGED = frozenset({"refunds", "ledger", "pending", "orders", "audit"})
IDLE = 5.0  # seconds between looks at the journal when nothing is due (another process may add)


class RefundTracker:
    def __init__(
        self,
        profile: Profile,
        *,
        on_change: Callable[[set[str]], None],
        transport: httpx.AsyncBaseTransport | None = None,
        idle: float = IDLE,
        on_results: Callable[[list[OpResult]], None] | None = None,
    ) -> None:
        self.profile = profile
        self.on_change = on_change
        # each round's results themselves (the team server turns them into events), from the
        # tracker's thread like on_change
        self.on_results = on_results
        self.transport = transport
        self.idle = idle
        self.rounds = 0  # rounds run so far (tests, the benchmark)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._started = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._started.clear()
        self._thread = threading.Thread(target=self._main, name="xpaydesk-refunds", daemon=True)
        self._thread.start()
        self._started.wait(timeout=10)

    def wake(self) -> None:
        """Look now (a refund was started, a refund push arrived); safe from any thread."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(event.set)

    def stop(self, timeout: float = 10.0) -> None:
        """Lets the round in progress finish (a clawback half-sent is worse than a late stop),
        then ends the thread; cancels it after `timeout`."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self.wake()
        thread.join(timeout)
        if thread.is_alive() and self._loop is not None and self._task is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
            thread.join(timeout)
        self._thread = None

    # ---- the thread -----------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception:  # never silently: the log says why refunds stopped being followed
            log.exception("the refund tracker stopped")
        finally:
            self._started.set()

    async def _run(self) -> None:
        from core.operations import operations_for

        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.current_task()
        self._started.set()
        with Mirror(self.profile.mirror_path) as mirror:
            async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, transport=self.transport) as http:
                ops = operations_for(self.profile, mirror, http)
                while not self._stopping:
                    self._wake.clear()
                    next_due: float | None = None
                    try:
                        results, next_due = await ops.follow()
                    except Exception:
                        log.exception("following refunds failed; trying again shortly")
                        results = []
                    self.rounds += 1
                    if results:
                        try:
                            if self.on_results is not None:
                                self.on_results(list(results))
                            self.on_change(set(CHANGED))
                        except Exception:
                            log.exception("a listener failed")
                    if self._stopping:
                        break
                    delay = self.idle
                    if next_due is not None:
                        delay = min(max(next_due - mirror.clock(), 0.05), self.idle)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
