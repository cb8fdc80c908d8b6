"""One mirror, several processes: the dashboard keeps its mirror open for hours while the CLI (or a
second window) opens and closes the same file. Nothing in a process may open and close the mirror
file outside SQLite: POSIX fcntl locks belong to the process and inode, so closing any descriptor
of the file drops every SQLite lock the process holds on it; the next process to close its
connection then believes it is the last, checkpoints and deletes the -wal/-shm the dashboard still
writes into, and the dashboard's later writes (audit rows of money actions) are lost."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.simulator import profile_toml
from tests.simfixtures import ALICE

MIRROR_KEY = base64.b64encode(b"s" * 32).decode()

# a dashboard-like process: a Desk (its long-lived mirror) following refunds (the tracker thread
# opens a second mirror in the same process), a gift on each line read, then death without a
# clean close (the app killed, or a crash)
WINDOW = """
import asyncio, json, os, sys, time
from pathlib import Path
from core.desk import Desk
from core.profiles import load_profiles

async def main():
    profile = load_profiles(Path(sys.argv[1])).get(None)
    desk = Desk(profile)
    tracker = desk.start_following()
    while tracker.rounds < 1:
        await asyncio.sleep(0.01)
    print("open", flush=True)
    for n, line in enumerate(sys.stdin):
        if line.strip() == "die":
            os._exit(0)
        key = f"{sys.argv[3]}-{n}"
        result = await desk.gift(sys.argv[2], 600, reason="qa", request_key=key, allow_repeat=True)
        print(json.dumps({"ok": result.ok, "rows": desk.verify_audit().rows}), flush=True)

asyncio.run(main())
"""


@pytest.fixture
def config(sim, tmp_path):
    path = tmp_path / "profiles.toml"
    db = tmp_path / "demo.sqlite"
    path.write_text(profile_toml(sim, db=str(db)) + 'role = "admin"\n', encoding="utf-8")
    sim.add_user(ALICE)
    return path, db


def _env() -> dict[str, str]:
    return {**os.environ, "XPAYDESK_MIRROR_KEY": MIRROR_KEY, "PYTHONUNBUFFERED": "1"}


def open_window(config, name: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WINDOW, str(config), ALICE, name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def act(window: subprocess.Popen, line: str = "gift") -> dict:
    assert window.stdin is not None and window.stdout is not None
    window.stdin.write(line + "\n")
    window.stdin.flush()
    return json.loads(window.stdout.readline())


def cli(config, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "--json", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )


def audit_rows(config) -> int:
    done = cli(config, "audit", "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    return int(json.loads(done.stdout.strip().splitlines()[-1])["rows"])


def kill(window: subprocess.Popen) -> None:
    if window.poll() is None:
        window.send_signal(signal.SIGKILL)
    window.wait(timeout=10)
    for pipe in (window.stdin, window.stdout):
        if pipe is not None:
            pipe.close()


def test_a_cli_run_beside_the_open_dashboard_loses_none_of_its_writes(config):
    path, db = config
    window = open_window(path, "w1")
    try:
        before = act(window)
        assert before["ok"]
        done = cli(path, "reconcile", "--from", "2026-11-01", "--to", "2026-11-30")
        assert done.returncode == 0, done.stdout + done.stderr
        assert db.with_name(db.name + "-wal").exists()  # the dashboard's WAL is still on disk
        after = act(window)  # a money action after the CLI run
        assert after["ok"] and after["rows"] > before["rows"]
        assert audit_rows(path) == after["rows"]  # another process sees every row now...
    finally:
        kill(window)
    assert audit_rows(path) == after["rows"]  # ...and after the dashboard died


def test_two_windows_and_the_cli_share_one_mirror(config):
    path, _db = config
    first, second = open_window(path, "w1"), open_window(path, "w2")
    try:
        act(first)
        act(second)
        for _ in range(2):
            done = cli(path, "reconcile", "--from", "2026-11-01", "--to", "2026-11-30")
            assert done.returncode == 0, done.stdout + done.stderr
            act(first)
            last = act(second)
        kill(first)
        time.sleep(0.05)
        assert audit_rows(path) == last["rows"]
    finally:
        kill(first)
        kill(second)
    assert audit_rows(path) == last["rows"]
