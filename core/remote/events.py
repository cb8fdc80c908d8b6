"""The server's event stream, followed in a background thread: each event becomes the same
"what changed" broadcast a solo desk sends, and the stream's loss and return say whether the
server is there (the dashboard's offline banner comes and goes with it)."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from core.remote.base import API, RemoteBase, _answer_key

log = logging.getLogger("xpaydesk.events")

# the server says something at least every 15 s (a keep-alive): 20 s of silence is a dead line
STREAM_TIMEOUT = httpx.Timeout(connect=1.5, read=20.0, write=5.0, pool=5.0)
FIRST_DELAY = 0.5  # seconds before reconnecting, doubled after each failure ...
LAST_DELAY = 5.0  # ... up to this
JOIN_SECONDS = 3.0

# what each kind of event changes, in the words of core.desk.Desk's broadcast
CHANGES: dict[str, frozenset[str]] = {
    "push": frozenset({"pushes", "orders", "ledger", "refunds"}),
    "refund": frozenset({"refunds", "orders", "pending"}),
    "clawback": frozenset({"refunds", "ledger", "pending"}),
    "ledger": frozenset({"ledger", "pending", "audit"}),
    "approval": frozenset({"approvals", "pending"}),
}
PUSH_CHANGES: dict[str, frozenset[str]] = {
    "xpay_refund_notify": frozenset({"pending"}),
    "xpay_complaint_notify": frozenset({"complaints"}),
}


@dataclass(frozen=True)
class ServerEvent:
    id: str
    kind: str
    data: Any


def what_changed(event: ServerEvent) -> set[str]:
    """The "what changed" set of one event; an unknown kind (a newer server) refreshes what a
    push would, rather than nothing."""
    what = set(CHANGES.get(event.kind, CHANGES["push"]))
    if event.kind == "push" and isinstance(event.data, dict):
        what |= PUSH_CHANGES.get(str(event.data.get("event") or ""), frozenset())
    return what


def server_events(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """Server-sent events from the stream's lines (comments are keep-alives)."""
    event_id, kind = "", "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                text = "\n".join(data)
                try:
                    parsed: Any = json.loads(text)
                except ValueError:
                    parsed = text
                yield ServerEvent(event_id, kind, parsed)
            kind, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "id":
            event_id = value
        elif field == "event":
            kind = value
        elif field == "data":
            data.append(value)


class Events(RemoteBase):
    _follower: threading.Thread | None = None
    _stop_following: threading.Event | None = None
    _stream_socket: socket.socket | None = None
    _stream_transport: httpx.BaseTransport | None = None  # tests only
    last_event_id: str | None = None

    def start_following(self) -> None:
        """Follows the server's events in a daemon thread until close(): each event is
        broadcast as what it changed; the stream's loss and return as {"connection"}. A lost
        stream is reconnected (0.5 s, doubling to 5 s) from the last event seen."""
        if self._follower is not None and self._follower.is_alive():
            return
        self._stop_following = threading.Event()
        self._follower = threading.Thread(
            target=self._follow, args=(self._stop_following,), name="xpaydesk-events", daemon=True
        )
        self._follower.start()

    def stop_following(self) -> None:
        stop, thread = self._stop_following, self._follower
        if stop is None or thread is None:
            return
        stop.set()
        self._wake_stream()
        thread.join(JOIN_SECONDS)
        self._follower = None

    async def close(self) -> None:
        if self._follower is not None:
            import asyncio

            await asyncio.to_thread(self.stop_following)
        await super().close()

    # ---- reads while the server is away ----------------------------------------------------------

    def _away(self, path: str, params: dict[str, Any]) -> bool:
        """The events thread follows a server that is away and this read has an answer from
        before: it is shown at once (marked stale) instead of waiting on the network each time
        (a connect to a host that is gone takes the whole connect timeout, on the UI thread).
        The thread says when the server is back."""
        following = self._follower is not None and self._follower.is_alive()
        return following and not self.online and _answer_key(path, params) in self._answers

    def get(self, path: str, **params: Any) -> Any:
        if self._away(path, params):
            return self._last_answer(_answer_key(path, params))
        return super().get(path, **params)

    async def aget(self, path: str, **params: Any) -> Any:
        if self._away(path, params):
            return self._last_answer(_answer_key(path, params))
        return await super().aget(path, **params)

    # ---- the thread ----------------------------------------------------------------------------

    def _follow(self, stop: threading.Event) -> None:
        delay = FIRST_DELAY
        with httpx.Client(
            base_url=self.server + API,
            timeout=STREAM_TIMEOUT,
            verify=self.verify,
            transport=self._stream_transport,
        ) as http:
            while not stop.is_set():
                try:
                    if self._read_stream(http, stop):
                        delay = FIRST_DELAY
                except httpx.TransportError:
                    if not stop.is_set():
                        self._connected(False)
                except Exception as exc:  # a bad answer: said in the log, tried again later
                    log.warning("event stream: %s", type(exc).__name__)
                if stop.wait(delay):
                    break
                delay = min(delay * 2, LAST_DELAY)

    def _read_stream(self, http: httpx.Client, stop: threading.Event) -> bool:
        """One connection: True when the server answered the stream (it ended or broke later)."""
        headers = self.auth.headers()
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        with http.stream("GET", "/events", headers=headers) as response:
            if response.status_code == 401 and self.auth.refresh():
                return True  # again at once with the new token
            if response.status_code >= 400:
                self._connected(True)  # it answers, but not this stream: try again later
                return False
            self._stream_socket = _socket_of(response)
            try:
                if stop.is_set():  # stopped while connecting: the socket was not there to shut
                    return True
                self._connected(True)
                for event in server_events(response.iter_lines()):
                    if stop.is_set():
                        break
                    if event.kind == "session":  # the server ended this session (disabled?)
                        self.auth.refresh()  # refused: the keeper tells the window at once
                        return True
                    if event.id:
                        self.last_event_id = event.id
                    self._connected(True)  # an event is a contact with the server too
                    self.changed(what_changed(event))
            finally:
                self._stream_socket = None
        if not stop.is_set():  # the server ended the stream (a restart): it may be going away
            raise httpx.RemoteProtocolError("the event stream ended")
        return True

    def _wake_stream(self) -> None:
        """A read blocked on the stream returns at once: its socket is shut down."""
        sock = self._stream_socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    sock = stream.get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None
