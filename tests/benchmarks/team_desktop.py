"""Desktop figures in team mode (issue 19), printed; not part of the normal test run.

    python -m tests.benchmarks.team_desktop [--orders 1000000] [--desktops 20] [--seconds 10]

One real team server process (`xpaydesk-server serve`, SQLite store) on loopback, with the
simulator as WeChat, over `--orders` orders of 20,000 users (tests/benchmarks/data.py):

1. cold start: the real entry point (`xpaydesk --config F`), each started 5 times, alternating:
   to first paint (XPAYDESK_EXIT_AFTER_PAINT, to the process's end, as bench_gui_start) and to
   "profile ready" (XPAYDESK_EXIT_AFTER_READY: the moment the desk is open, printed by the app;
   for a team profile with no session kept, the moment the login dialog is on screen) for a solo profile and for a team profile with its session stored in the
   keyring (a JSON keyring file, tests/jsonkeyring.py). Goal: team <= solo + 0.3 s.
2. user lookup with timeline (RemoteDesk.lookup_user, as the Users page asks it) by `--desktops`
   desktops at once, each in a closed loop (the next lookup as soon as the last answered) and
   paced (one lookup every 0.5 s each), and one desktop alone as the baseline; the clients run in
   a process of their own. Goal: p99 <
   50 ms.
3. the orders table (dashboard.models.OrdersModel on RemoteDesk.order_pager, keyset pages over
   HTTP) in a QTableView: first paint, then scrolled to the end. Goal: < 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.b64encode(bytes(range(32))).decode()  # the test key serverfixtures uses


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- the server -------------------------------------------------------------------------------


def prepare(folder: Path, orders: int) -> tuple[Any, Any, Path]:
    """The simulator, a server config over SQLite, the store with two operators and the orders."""
    from core.mirror.db import Mirror
    from core.server import store
    from core.simulator import SimConfig, Simulator
    from tests.benchmarks.data import order_rows
    from tests.serverfixtures import write_config
    from tests.test_remote_pager import insert

    sim = Simulator(SimConfig(), seed=7)
    sim.__enter__()
    config = write_config(folder, sim)
    with Mirror(folder / "team.sqlite") as mirror:
        store.create_tables(mirror)
        people = {
            n: store.add_operator(mirror, n, r) for n, r in (("vera", "viewer"), ("sam", "support"))
        }
    t = time.perf_counter()
    insert(folder / "team.sqlite", order_rows(orders))
    print(f"# {orders:,} orders written in {time.perf_counter() - t:.0f} s", flush=True)
    return sim, people, config


def token(url: str, person: Any) -> str:
    import pyotp

    from core.remote.session import login

    tokens = login(url, person.name, person.password, pyotp.TOTP(person.totp_secret).now())
    return tokens.access_token.reveal()


def buyers(path: Path, count: int = 500) -> list[str]:
    """Users with orders: their lookups have a timeline to bring."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute(
            "SELECT openid FROM orders GROUP BY openid ORDER BY COUNT(*) DESC LIMIT ?", (count,)
        ).fetchall()
    finally:
        conn.close()
    return [str(r[0]) for r in rows]


# ---- 1. cold start ----------------------------------------------------------------------------


def bench_start(folder: Path, sim: Any, url: str, person: Any) -> dict[str, float]:
    import keyring

    from core.profiles import TeamProfile
    from core.remote.session import TokenKeeper
    from core.simulator import profile_toml
    from tests.jsonkeyring import JsonKeyring

    solo = folder / "solo.toml"
    solo.write_text(
        profile_toml(sim, name="solo", db=str(folder / "solo.sqlite"), mirror_key=KEY),
        encoding="utf-8",
    )
    team = folder / "team-desktop.toml"
    team.write_text(
        f'default_profile = "office"\n[profiles.office]\nserver = "{url}"\noperator = "sam"\n',
        encoding="utf-8",
    )
    login = folder / "team-login.toml"  # an operator with no session kept: the dialog
    login.write_text(team.read_text(encoding="utf-8").replace('"sam"', '"vera"'), encoding="utf-8")
    ring = folder / "keyring.json"
    os.environ["XPAYDESK_TEST_KEYRING"] = str(ring)
    keyring.set_keyring(JsonKeyring())
    import pyotp

    TokenKeeper(TeamProfile(name="office", server=url, operator="sam")).login(
        person.password, pyotp.TOTP(person.totp_secret).now()
    )  # the session kept in "the OS keyring", as after an earlier login
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(folder / "start-config"),
        "XDG_DATA_HOME": str(folder / "start-data"),
        "PYTHON_KEYRING_BACKEND": "tests.jsonkeyring.JsonKeyring",
        "XPAYDESK_MIRROR_KEY": KEY,
    }

    def started(config: Path, stop: str) -> float:
        code = f"from dashboard.app import main\nmain(['--config', {str(config)!r}, '--lang', 'zh_CN'])\n"
        t, wall = time.perf_counter(), time.time()
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**env, stop: "1", "PYTHONFAULTHANDLER": "1"},
        )
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # stuck: faulthandler says where (SIGABRT)
            proc.send_signal(signal.SIGABRT)
            out, err = proc.communicate()
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        took = time.perf_counter() - t
        if done.returncode != 0:
            raise RuntimeError(f"{config.name}: {done.stderr[-6000:]}")
        ready = [line for line in done.stdout.splitlines() if line.startswith("xpaydesk ready at ")]
        if ready:  # to the moment the desk was ready, not to the process's end
            return float(ready[0].split()[3]) - wall
        return took

    out: dict[str, float] = {}
    for stop, label in (
        ("XPAYDESK_EXIT_AFTER_PAINT", "paint"),
        ("XPAYDESK_EXIT_AFTER_READY", "ready"),
    ):
        solo_runs, team_runs, login_runs = [], [], []
        started(solo, stop)  # the solo mirror created once, before the timed runs
        for _ in range(5):
            solo_runs.append(started(solo, stop))
            team_runs.append(started(team, stop))
            if label == "ready":  # no session kept: ready is the login dialog on screen
                login_runs.append(started(login, stop))
        out[f"solo_{label}"] = statistics.median(solo_runs)
        out[f"team_{label}"] = statistics.median(team_runs)
        if login_runs:
            out["login_ready"] = statistics.median(login_runs)
    return out


# ---- 2. user lookups by N desktops ------------------------------------------------------------


def lookups_in_a_process(
    url: str, access: str, openids: list[str], desktops: int, seconds: float, pace: float
) -> dict[str, Any]:
    code = f"""
import asyncio, json, time
from core.profiles import TeamProfile
from core.remote.base import StaticAuth
from core.remote.desk import RemoteDesk

async def desktop(n, samples, until):
    desk = RemoteDesk(TeamProfile(name="office", server={url!r}, operator="vera"), auth=StaticAuth({access!r}))
    ids = {openids!r}
    i = n
    try:
        while time.perf_counter() < until:
            t = time.perf_counter()
            view = await desk.lookup_user(ids[i % len(ids)])
            samples.append((time.perf_counter() - t) * 1000)
            assert view.timeline, "a user with a timeline"
            i += {desktops}
            if {pace}:
                await asyncio.sleep(max(0.0, {pace} - (time.perf_counter() - t)))
    finally:
        await desk.close()

async def main():
    samples = []
    until = time.perf_counter() + {seconds}
    await asyncio.gather(*(desktop(n, samples, until) for n in range({desktops})))
    print(json.dumps(samples))

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    samples = json.loads(done.stdout)
    return {
        "n": len(samples),
        "p50": percentile(samples, 0.50),
        "p99": percentile(samples, 0.99),
        "rate": len(samples) / seconds,
    }


# ---- 3. the orders table ----------------------------------------------------------------------


def bench_table(url: str, access: str) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QTableView

    from core.profiles import TeamProfile
    from core.remote.base import StaticAuth
    from core.remote.desk import RemoteDesk
    from dashboard.models import OrdersModel

    app = QApplication.instance() or QApplication([])
    desk = RemoteDesk(
        TeamProfile(name="office", server=url, operator="vera"), auth=StaticAuth(access)
    )
    out: dict[str, float] = {}
    try:
        for attempt in ("first", "again"):  # the server finds a list's anchors once, for everyone
            view = QTableView()
            view.resize(1200, 800)
            t = time.perf_counter()
            model = OrdersModel(desk.order_pager)
            view.setModel(model)
            view.show()
            app.processEvents()
            out[f"{attempt}_paint"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            view.scrollToBottom()
            app.processEvents()
            out[f"{attempt}_end"] = (time.perf_counter() - t) * 1000
            last = view.indexAt(view.viewport().rect().bottomLeft()).row()
            assert last > model.rowCount() - 100, (last, model.rowCount())
            out["rows"] = model.rowCount()
            view.deleteLater()
            app.processEvents()
    finally:
        asyncio.run(desk.close())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--desktops", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--parts", default="table,lookups,start", help="which of table,lookups,start to run"
    )
    args = parser.parse_args(argv)
    os.environ["XPAYDESK_MIRROR_KEY"] = KEY
    from tests.serverfixtures import start_server, stop_server

    with tempfile.TemporaryDirectory(prefix="xpd-team-desktop-") as tmp:
        folder = Path(tmp)
        sim, people, config = prepare(folder, args.orders)
        proc, url = start_server(config)
        try:
            access = token(url, people["vera"])
            ids = buyers(folder / "team.sqlite")
            parts = set(args.parts.split(","))
            table = bench_table(url, access) if "table" in parts else None
            if table is not None:
                print(
                    f"orders table over {int(table['rows']):,} orders (keyset pages over HTTP): "
                    f"first paint {table['first_paint']:.0f} ms, scrolled to the end "
                    f"{table['first_end']:.0f} ms (a list opened again: "
                    f"{table['again_paint']:.0f} + {table['again_end']:.0f} ms); goal < 300 ms",
                    flush=True,
                )
            for desktops, label, pace in (
                (1, "one at a time (the baseline)", 0.0),
                (args.desktops, "closed loop", 0.0),
                (args.desktops, "one lookup every 0.5 s each", 0.5),
            ):
                if "lookups" not in parts:
                    break
                got = lookups_in_a_process(url, access, ids, desktops, args.seconds, pace)
                print(
                    f"user lookup with timeline, {desktops} desktops, {label}: "
                    f"p50 {got['p50']:.1f} ms, p99 {got['p99']:.1f} ms "
                    f"({got['n']:,} lookups, {got['rate']:.0f}/s); goal p99 < 50 ms",
                    flush=True,
                )
            if "start" not in parts:
                return 0
            start = bench_start(folder, sim, url, people["sam"])
            print(
                "cold start to first paint (median of 5): "
                f"solo {start['solo_paint']:.2f} s, team {start['team_paint']:.2f} s; "
                f"to the profile ready: solo {start['solo_ready']:.2f} s, team (stored session) "
                f"{start['team_ready']:.2f} s, team to the login dialog (no session kept) "
                f"{start['login_ready']:.2f} s; goal team <= solo + 0.3 s",
                flush=True,
            )
        finally:
            stop_server(proc)
            sim.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
