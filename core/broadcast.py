"""The desk's "what changed" broadcast, shared by the solo and the team desk: a listener hears
sets such as {"refunds", "ledger", "pending"} without asking, possibly from another thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[set[str]], None]


class Broadcast:
    _listeners: list[Listener]
    _listeners_lock: threading.Lock

    def _init_broadcast(self) -> None:
        self._listeners = []
        self._listeners_lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """`listener(what)` hears what changed without the caller asking, possibly from a
        background thread (the refund tracker, the event stream). Returns the unsubscribe."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def changed(self, what: set[str]) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(set(what))
