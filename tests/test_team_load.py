"""Load and faults for the team server: simulated operators against two server processes on one
PostgreSQL store, WeChat's faults on, one process SIGKILLed mid-run (tests/benchmarks/team_load.py
does the run; `python -m tests.benchmarks.team_load` is the full 50 operators x 300 s)."""

from __future__ import annotations

import statistics
import time

import pytest

from core.mirror.db import Mirror
from tests.benchmarks.team_load import LoadConfig, report, run_load
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)


def test_kept_alive_answers_are_not_held_back_by_nagle(team):  # noqa: F811
    """Headers and body leave in two writes: without TCP_NODELAY on the accepted sockets the
    body waits for the client's delayed ACK, ~40 ms on every request of a kept-alive
    connection (a desktop's, the load's)."""
    with team.client() as http:
        http.get("/api/v1/health")  # the first request of a connection is never held
        times = []
        for _ in range(15):
            started = time.perf_counter()
            assert http.get("/api/v1/health").status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    assert statistics.median(times) < 25, times


def test_a_write_transaction_on_postgresql_starts_in_one_round_trip(pg_cluster):
    """Every write (a lookup's key check, an intent, an audit row) starts with the writer lock:
    under load each round trip to the database is a wait for the scheduler, so BEGIN, the lock
    timeout and the advisory lock travel together."""
    with Mirror(pg_cluster.new_database()) as mirror:
        sent = []
        real = mirror.conn.execute
        mirror.conn.execute = lambda sql, *a: sent.append(sql) or real(sql, *a)
        with mirror.transaction() as conn:
            conn.execute("UPDATE meta SET value = value WHERE key = 'x'")
        assert len(sent) == 3, sent  # begin (with the lock), the update, COMMIT
        assert not mirror.conn.in_transaction


def test_a_lookups_key_check_does_not_wait_for_the_writer_lock(pg_cluster, monkeypatch):
    """A lookup records whether the user's key is still fresh: one row, written blind. Queued
    behind the writer lock it stalled the whole server process (the store is synchronous) for
    as long as another process held the lock, on every lookup under load."""
    import core.mirror.db as db
    from core.mirror.vault import SessionKeyVault

    url = pg_cluster.new_database()
    with Mirror(url) as mirror, Mirror(url) as other:
        vault = SessionKeyVault(mirror, bytes(range(32)))
        vault.store("oUser", "a" * 24, obtained_at=1, source="import")
        monkeypatch.setattr(db, "WRITE_BUSY_SECONDS", 0.5)
        other.begin()  # another process is in a write transaction
        try:
            started = time.perf_counter()
            vault.record_check("oUser", fresh=True)
            waited = time.perf_counter() - started
        finally:
            other.conn.execute("ROLLBACK")
        assert waited < 0.4 and vault.state("oUser")["state"] == "fresh"


@pytest.mark.slow
async def test_two_servers_under_load_with_faults_and_a_kill(pg_cluster, tmp_path):
    cfg = LoadConfig(operators=20, seconds=60, users=60, baseline_lookups=100, think=(0.2, 1.0))
    h = await run_load(cfg, pg_cluster.new_database(), tmp_path, log=lambda s: None)
    print(report(h))
    assert h.problems == []
    load = h.figures["load"]
    assert load["answers_after_kill"] > 0 and load["operators_moved"] > 0
    assert h.figures["open_at_kill"]["sending_on_the_killed_server"] > 0  # killed mid-send
    assert load["money_done"] > 100 and sum(load["fault_hits"].values()) > 5
    assert (
        h.figures["intents"]["total"]
        == h.figures["intents"]["done"] + h.figures["intents"]["failed"]
    )
