"""A team desk follows the server's event stream by itself: each event arrives as the same "what
changed" a solo desk broadcasts; a server that goes away and comes back is said both times, and
what happened meanwhile is caught up; close() ends the thread at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from core.remote.errors import ServerUnreachable
from core.remote.events import ServerEvent, server_events, what_changed
from tests.remotefixtures import remote_desk
from tests.serverfixtures import stop_server, team, team_sim  # noqa: F401  (fixtures)
from tests.teamfixtures import own_team, pay, restart, stop  # noqa: F401  (fixture)

ALICE = "oEventsAlice0000000000000001"
BOB = "oEventsBob000000000000000002"


class Heard:
    """What a desk's listeners heard, from its events thread."""

    def __init__(self) -> None:
        self.sets: list[set[str]] = []
        self._lock = threading.Condition()

    def __call__(self, what: set[str]) -> None:
        with self._lock:
            self.sets.append(what)
            self._lock.notify_all()

    def wait_for(self, check, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not check(self.sets):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True


def streaming(desk) -> None:
    """Waits until the desk's event stream is open."""
    deadline = time.monotonic() + 10
    while desk._stream_socket is None:
        assert time.monotonic() < deadline, "the event stream did not open"
        time.sleep(0.02)


def test_the_stream_is_read_as_server_sent_events():
    lines = [": keep-alive", "", "id: 7", "event: push", 'data: {"event": "x"}', "", "id: 8"]
    lines += ["event: approval", 'data: {"id": "a1"}', ""]
    assert list(server_events(lines)) == [
        ServerEvent("7", "push", {"event": "x"}),
        ServerEvent("8", "approval", {"id": "a1"}),
    ]


def test_each_kind_of_event_changes_what_the_solo_desk_would_say():
    refund_push = ServerEvent("1", "push", {"event": "xpay_refund_notify"})
    paid = ServerEvent("2", "push", {"event": "xpay_coin_pay_notify"})
    assert {"pushes", "orders", "refunds", "pending"} <= what_changed(refund_push)
    assert {"pushes", "orders", "ledger"} <= what_changed(paid)
    assert "pending" not in what_changed(paid)
    assert what_changed(ServerEvent("3", "approval", {})) == {"approvals", "pending"}
    assert {"refunds", "pending"} <= what_changed(ServerEvent("4", "refund", {}))
    assert {"refunds", "ledger", "pending"} <= what_changed(ServerEvent("5", "clawback", {}))
    assert {"ledger", "pending"} <= what_changed(ServerEvent("6", "ledger", {}))
    complaint = ServerEvent("7", "push", {"event": "xpay_complaint_notify"})
    assert "complaints" in what_changed(complaint)


def test_a_push_to_the_server_is_heard_without_asking(team, team_sim):  # noqa: F811
    desk = remote_desk(team, "vera")
    heard = Heard()
    desk.subscribe(heard)
    try:
        desk.start_following()
        streaming(desk)  # a first connection starts from now
        pay(team, team_sim, ALICE, 300)
        assert heard.wait_for(lambda sets: any("pushes" in s for s in sets)), heard.sets
        assert any({"orders", "ledger"} <= s for s in heard.sets)
        assert desk.last_event_id is not None and desk.online
    finally:
        asyncio.run(desk.close())


def test_close_ends_the_following_thread_at_once(team):  # noqa: F811
    desk = remote_desk(team, "vera")
    desk.start_following()
    time.sleep(0.5)  # blocked reading a quiet stream (the next keep-alive is 15 s away)
    thread = desk._follower
    assert thread is not None and thread.is_alive()
    started = time.monotonic()
    asyncio.run(desk.close())
    took = time.monotonic() - started
    assert not thread.is_alive() and took < 1.0, took


def test_a_server_stopped_and_started_again_is_said_and_caught_up(own_team, team_sim):  # noqa: F811
    desk = remote_desk(own_team, "vera")
    heard = Heard()
    desk.subscribe(heard)
    try:
        desk.start_following()
        streaming(desk)
        stop(own_team)
        assert heard.wait_for(lambda sets: not desk.online), heard.sets
        went = len(heard.sets)
        assert {"connection"} in heard.sets
        restart(own_team)
        assert heard.wait_for(lambda sets: desk.online, timeout=15), heard.sets
        assert {"connection"} in heard.sets[went:]
        pay(own_team, team_sim, BOB, 200)  # after the return: heard on the new stream
        assert heard.wait_for(lambda sets: any("pushes" in s for s in sets[went:])), heard.sets
    finally:
        asyncio.run(desk.close())


def test_events_missed_while_the_stream_was_down_are_caught_up(own_team, team_sim):  # noqa: F811
    desk = remote_desk(own_team, "vera")
    heard = Heard()
    desk.subscribe(heard)
    try:
        desk.start_following()
        streaming(desk)
        pay(own_team, team_sim, ALICE, 100)
        assert heard.wait_for(lambda sets: any("pushes" in s for s in sets))
        seen = desk.last_event_id
        desk.stop_following()  # the desktop is away; meanwhile a second payment arrives
        pay(own_team, team_sim, BOB, 100)
        count = len(heard.sets)
        desk.start_following()  # back: from the last event seen, not from "now"
        assert heard.wait_for(lambda sets: any("pushes" in s for s in sets[count:])), heard.sets
        assert int(desk.last_event_id or 0) > int(seen or 0)
    finally:
        asyncio.run(desk.close())


def test_following_twice_starts_one_thread(team):  # noqa: F811
    desk = remote_desk(team, "vera")
    try:
        desk.start_following()
        first = desk._follower
        desk.start_following()
        assert desk._follower is first
        names = [t.name for t in threading.enumerate()].count("xpaydesk-events")
        assert names == 1
    finally:
        asyncio.run(desk.close())


def test_an_unreachable_server_is_said_by_the_following_thread(team):  # noqa: F811
    desk = remote_desk(team, "vera")
    heard = Heard()
    desk.subscribe(heard)
    try:
        desk.server = "http://127.0.0.1:9"  # nothing listens on the discard port
        desk.start_following()
        assert heard.wait_for(lambda sets: not desk.online), heard.sets
        assert heard.sets[0] == {"connection"}
    finally:
        asyncio.run(desk.close())


def test_a_server_stops_at_once_while_a_desk_follows_its_events(own_team):  # noqa: F811
    desk = remote_desk(own_team, "vera")
    heard = Heard()
    desk.subscribe(heard)
    try:
        desk.start_following()
        streaming(desk)
        started = time.monotonic()
        err = stop_server(own_team.proc)  # SIGTERM, as systemd stops it
        took = time.monotonic() - started
        assert "Traceback" not in err, err  # the stream ended, not cancelled
        assert took < 3.0, took  # not held for uvicorn's graceful timeout (5 s)
        assert heard.wait_for(lambda sets: not desk.online)  # the desk heard it go
    finally:
        asyncio.run(desk.close())


def test_reads_while_the_server_is_away_do_not_wait_on_the_network(own_team):  # noqa: F811
    desk = remote_desk(own_team, "vera")
    asked: list[str] = []
    desk._http.event_hooks["request"].append(lambda request: asked.append(request.url.path))
    try:
        fresh = desk.get("/pending")
        desk.start_following()
        streaming(desk)
        stop(own_team)
        deadline = time.monotonic() + 10
        while desk.online and time.monotonic() < deadline:  # the events thread notices
            time.sleep(0.05)
        asked.clear()
        assert desk.get("/pending") == fresh and desk.stale_since is not None
        assert asked == []  # the answer from before, at once: no connect attempt
        with pytest.raises(ServerUnreachable):
            desk.get("/search", term="never-asked")  # nothing from before: the network says
        assert asked == ["/api/v1/search"]
    finally:
        asyncio.run(desk.close())


def test_a_disabled_operators_stream_ends_by_itself_and_asks_for_a_new_session(team):  # noqa: F811
    """An idle window hears that its operator was disabled (the stream checks its session every
    few seconds and says so), without a flicker to "server unreachable"."""
    from core.server import store

    desk = remote_desk(team, "dora")
    asked: list[float] = []
    refresh = desk.auth.refresh

    def counted_refresh() -> bool:
        asked.append(time.monotonic())
        return refresh()

    desk.auth.refresh = counted_refresh  # type: ignore[method-assign]
    heard = Heard()
    desk.subscribe(heard)
    try:
        desk.start_following()
        streaming(desk)
        with team.mirror() as mirror:
            store.disable_operator(mirror, "dora")
        disabled = time.monotonic()
        deadline = disabled + 15
        while not asked and time.monotonic() < deadline:
            time.sleep(0.1)
        assert asked and asked[0] - disabled < 8, "the stream never said the session ended"
        assert desk.online and {"connection"} not in heard.sets  # never said "unreachable"
    finally:
        asyncio.run(desk.close())
