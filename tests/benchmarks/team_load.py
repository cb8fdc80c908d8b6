"""Load and faults for the team server (issue 18): N simulated operators (in a process of their
own) for S seconds of mixed lookups and money actions against TWO `xpaydesk-server serve`
processes on one PostgreSQL store, with the simulator (in this process, on loopback) as WeChat
and its faults on. Halfway through, one server process is killed with SIGKILL while one of its
money actions is at WeChat: its operators move to the other one, retrying what was in flight with
the same request_key, as a desktop would. At the end the survivor resolves what is open, and the
invariants are checked:

- 0 doubled: every WeChat-side effect belongs to one intent, every intent to one request_key;
- 0 lost: every request answered "done" is in the simulator's ledger (and "done" in the journal);
- every intent settled (done or failed);
- the mirror's ledger equals the simulator's to the coin (per user, per operation) and to the fen
  (per refund and per order's refundable amount).

python -m tests.benchmarks.team_load --operators 50 --seconds 300

Figures: lookups/s and p50/p99 through the server under the load, the same lookups made one at a
time through the server and through the core directly (core.desk.Desk.lookup_user on the same
store and simulator: the baseline), and money actions/s with their p50/p99.

Faults are on WeChat's money APIs (present_currency, currency_pay, refund_order, query_order):
lost answers, resets, timeouts, 5xx, -1, rate limits, expired tokens, delays. The balance query
behind a lookup has none, so lookup latencies measure the server, not injected delays.
Everything is bounded: client timeouts, a deadline on each phase, processes always reaped.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"
MONEY_APIS = ("present_currency", "currency_pay", "refund_order", "query_order")
FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("lost_response", {}),
    ("reset", {}),
    ("timeout", {"delay": 0.5}),
    ("http_5xx", {"status": 502}),
    ("errcode_-1", {}),
    ("rate_limit", {}),
    ("token_expired", {}),
    ("latency", {"delay": 0.05}),
]
BIG = 10**12  # the load's operators have no daily ceiling (limits are tested elsewhere)
SERVER_TOML = f"""\
[server]
host = "127.0.0.1"

[merchant]
profiles = "profiles.toml"
profile = "team"

[limits.support]
daily_gift = {BIG}
daily_deduct = {BIG}
daily_refund = {BIG}

[limits.finance]
daily_deduct = {BIG}
daily_refund = {BIG}
"""
RETRYABLE = (httpx.TransportError,)


@dataclass
class LoadConfig:
    operators: int = 50
    seconds: float = 300.0
    users: int = 200
    orders_per_user: int = 2
    kill_at: float = 0.5  # share of the run after which server 0 is killed (None: never)
    # seconds an operator pauses between requests: a very busy human (about 25 requests/s from
    # 50 operators); --think 0.05 0.5 is a stress run that saturates the machine
    think: tuple[float, float] = (1.0, 3.0)
    fault_rate: float = 0.01  # per fault kind, per money call
    baseline_lookups: int = 300
    seed: int = 2026


@dataclass
class Proc:
    url: str
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path
    killed: bool = False


@dataclass
class Money:
    """One money request as the operator sent it, and what finally came back."""

    key: str
    action: str
    openid: str
    amount: int
    order_id: str = ""
    status: int = 0  # the final HTTP answer (0: none, gave up)
    state: str = ""  # the answer's result state
    kind: str = ""  # the error kind of a refusal
    message: str = ""  # and its English text
    attempts: int = 0
    transport_errors: int = 0
    servers: list[int] = field(default_factory=list)
    answered_at: float = 0.0  # wall clock (the operators run in a process of their own)


@dataclass
class Tally:
    lookups: list[float] = field(default_factory=list)  # ms, through the server, under load
    money: list[float] = field(default_factory=list)  # ms per answered money request
    reads: list[float] = field(default_factory=list)  # ms, order pages
    requests: list[Money] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # 5xx and other surprises
    after_kill: int = 0  # answers from the survivor after the kill
    moved: int = 0  # operators that moved to the other server


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---- processes ---------------------------------------------------------------------------------


def start_server(config: Path, name: str, *, timeout: float = 60.0) -> Proc:
    """A `serve` process whose output goes to files (a pipe nobody reads would block it)."""
    out, err = config.parent / f"{name}.out", config.parent / f"{name}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(
            [
                sys.executable,
                # XPAYDESK_LOAD_PROFILE=<folder>: each server under cProfile (stats at a clean stop)
                *(
                    ["-m", "cProfile", "-o", f"{os.environ['XPAYDESK_LOAD_PROFILE']}/{name}.prof"]
                    if os.environ.get("XPAYDESK_LOAD_PROFILE")
                    else []
                ),
                "-m",
                "core.server.cli",
                "serve",
                "--config",
                str(config),
                "--port",
                "0",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=fo,
            stderr=fe,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace")
        if "ready on " in text:
            url = text.split("ready on ", 1)[1].split()[0].strip()
            return Proc(url, proc, out, err)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    reap(Proc("", proc, out, err))
    raise RuntimeError(f"server {name} did not start: {err.read_text(errors='replace')[-2000:]}")


def reap(p: Proc, *, kill: bool = False) -> None:
    if p.proc.poll() is None:
        if kill:
            p.proc.kill()
        elif os.environ.get("XPAYDESK_LOAD_PROFILE"):
            p.proc.send_signal(signal.SIGINT)  # uvicorn re-raises SIGTERM: no profile written
        else:
            p.proc.terminate()
        try:
            p.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.proc.kill()
            p.proc.wait(timeout=15)


# ---- the harness -------------------------------------------------------------------------------


class Harness:
    def __init__(self, cfg: LoadConfig, db_url: str, work: Path, log: Callable[[str], None]):
        self.cfg = cfg
        self.db_url = db_url
        self.work = work
        self.log = log
        self.rng = random.Random(cfg.seed)
        self.servers: list[Proc] = []
        self.tally = Tally()
        self.users: list[str] = []
        self.seeded: dict[str, int] = {}  # coins each user bought before the run
        self.paid_orders: dict[str, str] = {}  # order_id -> openid
        self.people: dict[str, Any] = {}
        self.tokens: dict[str, str] = {}
        self.killed_at: float | None = None
        self.killed_wall: float | None = None
        self.figures: dict[str, Any] = {}
        self.problems: list[str] = []

    # -- setup --

    def setup(self, sim: Any) -> None:
        from core.mirror.db import Mirror
        from core.server import store
        from core.simulator import profile_toml

        (self.work / "profiles.toml").write_text(
            profile_toml(
                sim,
                name="team",
                db=self.db_url,
                mirror_key=base64.b64encode(bytes(range(32))).decode(),  # a test key
            ),
            encoding="utf-8",
        )
        config = self.work / "server.toml"
        config.write_text(SERVER_TOML, encoding="utf-8")
        n = self.cfg.operators
        finance = max(1, n // 5)
        viewers = max(1, n // 10)
        roles = ["finance"] * finance + ["viewer"] * viewers + ["support"] * (n - finance - viewers)
        with Mirror(self.db_url) as mirror:
            store.create_tables(mirror)
            for i, role in enumerate(roles):
                name = f"op{i:02d}"
                self.people[name] = store.add_operator(mirror, name, role)
            self.backend_token = store.add_backend_token(mirror, "load")
        self.servers = [start_server(config, "server0"), start_server(config, "server1")]
        self.log(f"servers: {self.servers[0].url} {self.servers[1].url}")

    def seed_users(self, sim: Any) -> None:
        """Users with session keys posted by the backend, and paid orders pushed by WeChat to
        the server (so they are in the mirror: pages and refunds find them)."""
        survivor = self.servers[1].url
        sim.config.push.url = f"{survivor}/wechat/push"
        try:
            with httpx.Client(timeout=10) as http:
                for u in range(self.cfg.users):
                    openid = f"oLoadUser{u:019d}"
                    key = sim.add_user(openid)
                    r = http.post(
                        f"{self.servers[u % 2].url}/backend/v1/session-key",
                        headers={"Authorization": f"Bearer {self.backend_token}"},
                        json={"openid": openid, "session_key": key},
                    )
                    assert r.status_code == 200, r.text
                    self.users.append(openid)
                    self.seeded[openid] = 0
                    for _ in range(self.cfg.orders_per_user):
                        coins = self.rng.choice([600, 1200, 3000])
                        order = sim.user_pays(openid, coins=coins)
                        self.seeded[openid] += coins
                        self.paid_orders[order["order_id"]] = openid
        finally:
            sim.config.push.url = None
        from core.mirror.db import Mirror

        with Mirror(self.db_url) as mirror:
            have = mirror.one("SELECT COUNT(*) FROM orders")
        assert have is not None and int(have[0]) == len(self.paid_orders), (
            f"pushes stored {have and have[0]} of {len(self.paid_orders)} orders"
        )

    async def login_all(self) -> None:
        """Every operator logs in (password, argon2id, TOTP), at most 10 at once: a morning."""
        gate = asyncio.Semaphore(10)
        took: list[float] = []
        async with httpx.AsyncClient(timeout=60) as http:

            async def one(i: int, name: str) -> None:
                e = self.people[name]
                async with gate:
                    t = time.perf_counter()
                    r = await http.post(
                        f"{self.servers[i % 2].url}{API}/login",
                        json={
                            "name": name,
                            "password": e.password,
                            "totp": pyotp.TOTP(e.totp_secret).now(),
                        },
                    )
                    took.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
                self.tokens[name] = r.json()["access_token"]

            await asyncio.gather(*(one(i, n) for i, n in enumerate(self.people)))
        self.figures["login"] = {"p50_ms": _pct(took, 50), "max_ms": max(took)}

    # -- baseline: the same lookups, one at a time, through the server and through the core --

    async def baseline(self) -> None:
        from core.desk import Desk
        from core.profiles import load_profiles

        picks = [self.rng.choice(self.users) for _ in range(self.cfg.baseline_lookups)]
        profile = load_profiles(self.work / "profiles.toml").get("team")
        desk = Desk(profile)
        try:
            core_ms = []
            started = time.perf_counter()
            for openid in picks:
                t = time.perf_counter()
                view = await desk.lookup_user(openid)
                core_ms.append((time.perf_counter() - t) * 1000)
                assert view.balance is not None, view.balance_error
            core_rate = len(picks) / (time.perf_counter() - started)
        finally:
            await desk.close()
        auth = {"Authorization": f"Bearer {next(iter(self.tokens.values()))}"}
        server_ms = []
        async with httpx.AsyncClient(base_url=self.servers[1].url, timeout=10) as http:
            started = time.perf_counter()
            for openid in picks:
                t = time.perf_counter()
                r = await http.get(f"{API}/users/{openid}", headers=auth)
                server_ms.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200 and r.json()["balance"] is not None, r.text
            server_rate = len(picks) / (time.perf_counter() - started)
        self.figures["baseline"] = {
            "core_lookups_per_s": core_rate,
            "core_p50_ms": _pct(core_ms, 50),
            "core_p99_ms": _pct(core_ms, 99),
            "server_lookups_per_s": server_rate,
            "server_p50_ms": _pct(server_ms, 50),
            "server_p99_ms": _pct(server_ms, 99),
        }

    # -- the load --

    async def load(self, sim: Any) -> None:
        """The operators run in a process of their own (the simulator's threads and the
        operators' clients would otherwise share one interpreter lock, and each would slow the
        other's answers); this process keeps WeChat, injects the faults and makes the kill."""
        for kind, options in FAULTS:
            for api in MONEY_APIS:
                sim.faults.add(api, kind, probability=self.cfg.fault_rate, **options)
        spec = self.work / "operators.json"
        out = self.work / "tally.json"
        spec.write_text(
            json.dumps(
                {
                    "urls": [s.url for s in self.servers],
                    "tokens": self.tokens,
                    "roles": {n: e.role for n, e in self.people.items()},
                    "users": self.users,
                    "seconds": self.cfg.seconds,
                    "think": list(self.cfg.think),
                    "seed": self.cfg.seed,
                }
            ),
            encoding="utf-8",
        )
        started = time.monotonic()
        kill_at = (
            None if self.cfg.kill_at is None else started + self.cfg.seconds * self.cfg.kill_at
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.benchmarks.team_load",
                "--operators-spec",
                str(spec),
                "--tally",
                str(out),
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )
        try:
            killer = asyncio.create_task(self.kill_later(kill_at, sim)) if kill_at else None
            code = await asyncio.to_thread(proc.wait, self.cfg.seconds + 180)
            if killer is not None:
                await killer
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(15)
        elapsed = time.monotonic() - started
        if code != 0 or not out.exists():
            self.problems.append(f"the operators' process ended with {code}")
            return
        data = json.loads(out.read_text(encoding="utf-8"))
        t = self.tally
        t.lookups, t.money, t.reads = data["lookups"], data["money"], data["reads"]
        t.requests = [Money(**m) for m in data["requests"]]
        t.errors, t.moved = data["errors"], data["moved"]
        self.problems.extend(data["problems"])
        if self.killed_wall is not None:
            t.after_kill = sum(
                1
                for m in t.requests
                if m.status and m.servers[-1] == 1 and m.answered_at > self.killed_wall
            )
        elapsed = data["seconds"]
        money_answered = [m for m in t.requests if m.status]
        self.figures["load"] = {
            "seconds": elapsed,
            "operators": self.cfg.operators,
            "lookups": len(t.lookups),
            "lookups_per_s": len(t.lookups) / elapsed,
            "lookup_p50_ms": _pct(t.lookups, 50),
            "lookup_p99_ms": _pct(t.lookups, 99),
            "pages": len(t.reads),
            "page_p50_ms": _pct(t.reads, 50),
            "page_p99_ms": _pct(t.reads, 99),
            "money_requests": len(t.requests),
            "money_answered": len(money_answered),
            "money_per_s": len(money_answered) / elapsed,
            "money_p50_ms": _pct(t.money, 50),
            "money_p99_ms": _pct(t.money, 99),
            "money_done": sum(1 for m in t.requests if m.state == "done"),
            "transport_errors": sum(m.transport_errors for m in t.requests),
            "operators_moved": t.moved,
            "answers_after_kill": t.after_kill,
            "fault_hits": dict(sim.faults.hits),
        }
        sim.faults.clear()

    async def kill_later(self, at: float, sim: Any) -> None:
        """SIGKILL server 0 while one of its money actions is at WeChat: from `at`, gifts and
        deductions answer 2 s late (WeChat applies them all the same), and the kill comes as
        soon as the store shows one of server 0's operators' intents "sending"."""
        from core.mirror.db import Mirror

        await asyncio.sleep(max(0.0, at - time.monotonic()))
        mine = sorted(n for i, n in enumerate(self.people) if i % 2 == 0)  # server 0's
        slow = [
            sim.faults.add(api, "latency", delay=2.0)
            for api in ("present_currency", "currency_pay")
        ]
        marks = ", ".join("?" * len(mine))
        with Mirror(self.db_url) as mirror:
            until = time.monotonic() + 20
            while time.monotonic() < until:
                row = mirror.one(
                    f"SELECT 1 FROM intents WHERE state = 'sending' AND operator IN ({marks})",
                    *mine,
                )
                if row is not None:
                    break
                await asyncio.sleep(0.05)
        victim = self.servers[0]
        os.kill(victim.proc.pid, signal.SIGKILL)
        # reaped at once, as systemd would: a zombie's pid still answers kill(pid, 0), and the
        # locks it held would wait for their expiry instead of being seen as a dead holder's
        await asyncio.to_thread(victim.proc.wait, 15)
        victim.killed = True
        self.killed_at = time.monotonic()
        self.killed_wall = time.time()
        for fault in slow:
            fault.count = 0  # spent: WeChat answers on time again
        with Mirror(self.db_url) as mirror:  # what the kill left open (settled by the end)
            rows = mirror.all(
                "SELECT state, operator FROM intents WHERE state NOT IN ('done', 'failed')"
            )
        self.figures["open_at_kill"] = {
            "open": len(rows),
            "sending_on_the_killed_server": sum(
                1 for r in rows if r["state"] == "sending" and r["operator"] in set(mine)
            ),
        }
        self.log(f"killed server 0 (pid {victim.proc.pid}): {self.figures['open_at_kill']}")

    # -- settle and check --

    async def settle(self, sim: Any) -> None:
        """POST /pending/resolve on the survivor until nothing is open (faults off by now)."""
        name = next(n for n, e in self.people.items() if e.role == "finance")
        auth = {"Authorization": f"Bearer {self.tokens[name]}"}
        survivor = next(s for s in self.servers if not s.killed)
        deadline = time.monotonic() + 180
        rounds = 0
        async with httpx.AsyncClient(base_url=survivor.url, timeout=60) as http:
            while time.monotonic() < deadline:
                rounds += 1
                r = await http.post(f"{API}/pending/resolve", headers=auth)
                if r.status_code != 200:
                    self.problems.append(f"resolve: HTTP {r.status_code} {r.text[:300]}")
                    break
                sim.finish_refunds()
                pending = await http.get(f"{API}/pending", headers=auth)
                if pending.status_code == 200 and not pending.json():
                    break
                await asyncio.sleep(0.5)
        self.figures["resolve_rounds"] = rounds

    def check(self, sim: Any) -> None:
        from core.mirror.db import Mirror

        problems = self.problems
        with Mirror(self.db_url) as mirror:
            intents = [dict(r) for r in mirror.all("SELECT * FROM intents")]
            ledger = [dict(r) for r in mirror.all("SELECT * FROM ledger")]
        by_key = {i["request_key"]: i for i in intents}
        by_wid = {i["wechat_id"]: i for i in intents}
        sent = {m.key: m for m in self.tally.requests}
        # every intent settled
        still_open = [i for i in intents if i["state"] not in ("done", "failed")]
        if still_open:
            problems.append(
                f"{len(still_open)} intents not settled: "
                + ", ".join(f"#{i['id']} {i['action']} {i['state']}" for i in still_open[:10])
            )
        # 0 doubled: each WeChat-side effect is one intent's, each intent one request's
        effects: dict[str, int] = {}
        orphans = []
        coin_ops = [dict(r) for r in sim.state.db.execute("SELECT * FROM coin_ops WHERE env = 1")]
        refunds = [
            dict(r) for r in sim.state.db.execute("SELECT * FROM orders WHERE order_type = 1")
        ]
        for op in coin_ops + refunds:
            intent = by_wid.get(op["order_id"])
            if intent is None:
                orphans.append(op["order_id"])
                continue
            effects[intent["request_key"]] = effects.get(intent["request_key"], 0) + 1
        doubled = {k: n for k, n in effects.items() if n > 1}
        if orphans:
            problems.append(f"{len(orphans)} WeChat effects no intent knows: {orphans[:5]}")
        if doubled:
            problems.append(f"{len(doubled)} request keys applied twice: {list(doubled)[:5]}")
        strangers = [k for k in by_key if k not in sent and not k.startswith("clawback:")]
        if strangers:
            problems.append(f"{len(strangers)} intents for keys nobody sent: {strangers[:5]}")
        # 0 lost: an answer "done" is in the simulator's ledger, and done in the journal
        ops = {o["order_id"]: o for o in coin_ops}
        sim_refunds = {o["order_id"]: o for o in refunds}
        lost = []
        for m in self.tally.requests:
            if m.state not in ("done", "refunding"):
                continue
            intent = by_key.get(m.key)
            if intent is None:
                lost.append(f"{m.key}: no intent")
                continue
            if m.action == "refund":
                theirs = sim_refunds.get(intent["wechat_id"])
                if theirs is None or theirs["refund_fee"] != m.amount:
                    lost.append(f"{m.key}: refund not at WeChat")
            else:
                theirs = ops.get(intent["wechat_id"])
                if theirs is None or theirs["amount"] != m.amount or intent["state"] != "done":
                    lost.append(f"{m.key}: {m.action} not in WeChat's ledger")
        if lost:
            problems.append(f"{len(lost)} answered actions lost: {lost[:5]}")
        # the ledger, op by op and per user, to the coin
        for row in ledger:
            theirs = ops.get(row["order_id"])
            if row["status"] == "done":
                if theirs is None or theirs["amount"] != row["amount"]:
                    problems.append(f"ledger row {row['order_id']} done, WeChat: {theirs}")
            elif theirs is not None:
                problems.append(f"ledger row {row['order_id']} {row['status']}, WeChat applied it")
        ours_ids = {r["order_id"] for r in ledger}
        for op in coin_ops:
            if op["order_id"] not in ours_ids:
                problems.append(f"WeChat's coin op {op['order_id']} is not in the ledger")
        sign = {"gift": 1, "deduct": -1, "cancel": 1, "clawback": -1}
        for user in self.users:
            expected = self.seeded[user] + sum(
                sign[r["kind"]] * r["amount"]
                for r in ledger
                if r["openid"] == user and r["status"] == "done"
            )
            balance = sim.state.account(1, user)["balance"]
            if balance != expected:
                problems.append(f"{user}: WeChat balance {balance}, ledger says {expected}")
        # refunds to the fen: each refund, and each order's refundable amount
        ours = {
            i["wechat_id"]: i["amount"]
            for i in intents
            if i["action"] == "refund" and i["state"] == "done"
        }
        theirs_done = {o["order_id"]: o["refund_fee"] for o in refunds if o["status"] == 5}
        if ours != theirs_done:
            extra = set(ours.items()) ^ set(theirs_done.items())
            problems.append(f"refunds differ from WeChat's: {sorted(extra)[:5]}")
        for order_id in self.paid_orders:
            row = sim.state.order_row(order_id)
            refunded = sum(
                i["amount"]
                for i in intents
                if i["action"] == "refund" and i["state"] == "done" and i["target"] == order_id
            )
            if row is not None and row["left_fee"] != row["paid_fee"] - refunded:
                problems.append(
                    f"order {order_id}: WeChat left_fee {row['left_fee']}, paid {row['paid_fee']} "
                    f"less refunds done {refunded}"
                )
        # no 5xx, no surprise; the servers' logs hold no traceback
        if self.tally.errors:
            problems.append(f"{len(self.tally.errors)} bad answers: {self.tally.errors[:5]}")
        gave_up = [m.key for m in self.tally.requests if not m.status]
        if gave_up:
            problems.append(f"{len(gave_up)} money requests never answered: {gave_up[:5]}")
        for n, s in enumerate(self.servers):
            err = s.err.read_text(errors="replace")
            if "Traceback" in err:
                problems.append(f"server {n} logged a traceback:\n{err[-3000:]}")
        if self.cfg.kill_at is not None and self.tally.after_kill == 0:
            problems.append("the survivor answered no money request after the kill")
        t = self.tally
        states: dict[str, int] = {}
        for m in t.requests:
            label = m.state or f"{m.status} {m.kind}".strip()
            states[label] = states.get(label, 0) + 1
        self.figures["answers"] = dict(sorted(states.items()))
        refusals: dict[str, int] = {}
        examples: dict[str, str] = {}
        for m in t.requests:
            if m.kind:
                label = f"{m.action} {m.status} {m.kind}"
                refusals[label] = refusals.get(label, 0) + 1
                examples.setdefault(label, m.message[:90])
        self.figures["refusals"] = refusals
        self.figures["refusal_examples"] = examples
        self.figures["intents"] = {
            "total": len(intents),
            "done": sum(1 for i in intents if i["state"] == "done"),
            "failed": sum(1 for i in intents if i["state"] == "failed"),
            "by_action": {
                a: sum(1 for i in intents if i["action"] == a)
                for a in sorted({i["action"] for i in intents})
            },
        }
        self.figures["wechat_effects"] = len(coin_ops) + len(refunds)

    def close(self) -> None:
        for s in self.servers:
            reap(s)


class Operators:
    """The simulated operators, in a process of their own: each logs nothing in, it was given
    its token; it loops over requests on its server and moves to the other one when its own
    refuses connections (killed)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.urls: list[str] = spec["urls"]
        self.tokens: dict[str, str] = spec["tokens"]
        self.roles: dict[str, str] = spec["roles"]
        self.users: list[str] = spec["users"]
        self.seconds = float(spec["seconds"])
        self.think = (float(spec["think"][0]), float(spec["think"][1]))
        self.seed = int(spec["seed"])
        self.tally = Tally()
        self.dead: set[int] = set()
        self.problems: list[str] = []

    async def run(self) -> dict[str, Any]:
        started = time.monotonic()
        deadline = started + self.seconds
        limits = httpx.Limits(max_connections=4 * len(self.roles))
        timeout = httpx.Timeout(20.0, connect=2.0)
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
            tasks = [
                asyncio.create_task(self.operator(http, i, name, deadline))
                for i, name in enumerate(self.roles)
            ]
            done, _ = await asyncio.wait(tasks, timeout=self.seconds + 120)
            for t in tasks:
                if not t.done():
                    t.cancel()
                    self.problems.append("an operator did not finish within the run's bound")
            for t in done:
                if t.exception() is not None:
                    self.problems.append(f"an operator crashed: {t.exception()!r}")
        t = self.tally
        return {
            "seconds": time.monotonic() - started,
            "lookups": t.lookups,
            "money": t.money,
            "reads": t.reads,
            "requests": [dataclasses.asdict(m) for m in t.requests],
            "errors": t.errors,
            "moved": t.moved,
            "problems": self.problems,
        }

    async def operator(self, http: httpx.AsyncClient, i: int, name: str, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + i)
        role = self.roles[name]
        me = {"server": i % 2, "n": 0}
        auth = {"Authorization": f"Bearer {self.tokens[name]}"}

        async def request(method: str, path: str, **kw: Any) -> httpx.Response:
            """Reads: on a transport error try again, on the other server once this one is
            dead (bounded)."""
            for attempt in range(6):
                url = self.urls[me["server"]]
                try:
                    return await http.request(method, url + path, headers=auth, **kw)
                except RETRYABLE as exc:
                    self.move(me, exc)
                    await asyncio.sleep(0.1 * (attempt + 1))
            raise RuntimeError(f"{name}: {method} {path} failed six times")

        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*self.think))
            openid = rng.choice(self.users)
            choices = {
                "viewer": (["lookup", "page"], [3, 1]),
                "support": (["lookup", "page", "gift", "deduct"], [4, 1, 2, 2]),
                "finance": (["lookup", "page", "refund"], [3, 1, 3]),
            }[role]
            what = rng.choices(*choices)[0]
            if what == "lookup":
                t = time.perf_counter()
                r = await request("GET", f"{API}/users/{openid}")
                self.tally.lookups.append((time.perf_counter() - t) * 1000)
                self.check_answer(r, "lookup")
                if r.status_code == 200 and r.json()["balance"] is None:
                    self.tally.errors.append(f"lookup without a balance: {r.text[:200]}")
                continue
            if what == "page":
                t = time.perf_counter()
                r = await request("GET", f"{API}/orders", params={"openid": openid, "count": 20})
                self.tally.reads.append((time.perf_counter() - t) * 1000)
                self.check_answer(r, "page")
                continue
            me["n"] += 1
            key = f"load-{name}-{me['n']}"
            if what in ("gift", "deduct"):
                amount = rng.randint(1, 50 if what == "gift" else 30)
                body = {
                    "openid": openid,
                    "amount": amount,
                    "reason": "load",
                    "request_key": key,
                    "allow_repeat": True,
                }
                await self.money(http, me, auth, Money(key, what, openid, amount), body)
                continue
            # a refund: the operator opens the user's orders, picks one, refunds a little of it
            r = await request("GET", f"{API}/orders", params={"openid": openid, "count": 20})
            self.check_answer(r, "page")
            rows = [o for o in r.json().get("rows", []) if (o.get("left_fee") or 0) > 0]
            if r.status_code != 200 or not rows:
                continue
            order = rng.choice(rows)
            fee = rng.randint(1, min(100, order["left_fee"]))
            body = {
                "order_id": order["order_id"],
                "refund_fee": fee,
                "left_fee": order["left_fee"],
                "reason": "load",
                "request_key": key,
                "allow_repeat": True,
                "clawback": rng.random() < 0.5,  # and take the refunded share of coins back
            }
            m = Money(key, "refund", openid, fee, order_id=order["order_id"])
            await self.money(http, me, auth, m, body)

    def move(self, me: dict[str, int], exc: Exception) -> None:
        """A refused connection: that server is gone (killed), for every operator; any other
        transport error is tried again on the same server, which then says which it is."""
        if isinstance(exc, httpx.ConnectError):
            self.dead.add(me["server"])
        if me["server"] in self.dead and 1 - me["server"] not in self.dead:
            me["server"] = 1 - me["server"]
            self.tally.moved += 1

    def check_answer(self, r: httpx.Response, what: str) -> None:
        if r.status_code >= 500 or r.status_code in (401, 404):
            self.tally.errors.append(f"{what}: HTTP {r.status_code} {r.text[:300]}")

    async def money(
        self,
        http: httpx.AsyncClient,
        me: dict[str, int],
        auth: dict[str, str],
        m: Money,
        body: dict[str, Any],
    ) -> None:
        """Sent as a desktop sends it: on a transport error (or a "busy" answer to the retry of
        a request whose first answer was lost) the same body, the same request_key, again."""
        self.tally.requests.append(m)
        path = f"{API}/{m.action}"
        for attempt in range(8):
            m.attempts = attempt + 1
            srv = me["server"]
            m.servers.append(srv)
            t = time.perf_counter()
            try:
                r = await http.post(self.urls[srv] + path, json=body, headers=auth)
            except RETRYABLE as exc:
                m.transport_errors += 1
                self.move(me, exc)
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            ms = (time.perf_counter() - t) * 1000
            data = (
                r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            )
            kind = (data.get("error") or {}).get("kind", "") if isinstance(data, dict) else ""
            if r.status_code == 409 and kind == "busy" and m.transport_errors:
                await asyncio.sleep(0.3 * (attempt + 1))  # the first attempt is still running
                continue
            m.status, m.kind = r.status_code, kind
            if kind:
                m.message = str(data["error"].get("en", ""))
            m.state = str(data.get("state", "")) if r.status_code == 200 else ""
            self.tally.money.append(ms)
            m.answered_at = time.time()
            if r.status_code >= 500 or r.status_code in (401, 404):
                self.tally.errors.append(f"{m.action} {m.key}: HTTP {r.status_code} {r.text[:300]}")
            return


async def run_load(
    cfg: LoadConfig, db_url: str, work: Path, *, log: Callable[[str], None] = print
) -> Harness:
    """The whole run; returns the harness with `figures` and `problems` (empty: all held)."""
    from core.simulator import SimConfig, Simulator

    h = Harness(cfg, db_url, work, log)
    with Simulator(SimConfig(refund_delay=0.5, refund_fail_rate=0.05), seed=cfg.seed) as sim:
        try:
            h.setup(sim)
            h.seed_users(sim)
            await h.login_all()
            log(
                f"{len(h.users)} users, {len(h.paid_orders)} orders, {len(h.people)} operators, "
                f"logins {json.dumps(h.figures['login'])}"
            )
            await h.baseline()
            log(f"baseline: {json.dumps(h.figures['baseline'])}")
            await h.load(sim)
            log(f"load: {json.dumps(h.figures['load'])}")
            await h.settle(sim)
            h.check(sim)
        finally:
            h.close()
    return h


def report(h: Harness) -> str:
    b, f = h.figures.get("baseline", {}), h.figures.get("load", {})
    lines = [
        f"team server load: {f.get('operators')} operators, {f.get('seconds', 0):.0f} s, "
        "2 server processes on one PostgreSQL, server 0 SIGKILLed at "
        f"{h.cfg.kill_at:.0%} of the run, WeChat faults at {h.cfg.fault_rate:.0%} per kind",
        "",
        f"{'':42}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}",
        f"{'lookups through the server, under load':42}{f.get('lookups_per_s', 0):>10.1f}"
        f"{f.get('lookup_p50_ms', 0):>10.1f}{f.get('lookup_p99_ms', 0):>10.1f}",
        f"{'lookups through the server, one at a time':42}"
        f"{b.get('server_lookups_per_s', 0):>10.1f}"
        f"{b.get('server_p50_ms', 0):>10.1f}{b.get('server_p99_ms', 0):>10.1f}",
        f"{'lookups by the core directly (baseline)':42}{b.get('core_lookups_per_s', 0):>10.1f}"
        f"{b.get('core_p50_ms', 0):>10.1f}{b.get('core_p99_ms', 0):>10.1f}",
        f"{'order pages, under load':42}{f.get('pages', 0) / max(f.get('seconds', 1), 1):>10.1f}"
        f"{f.get('page_p50_ms', 0):>10.1f}{f.get('page_p99_ms', 0):>10.1f}",
        f"{'money actions answered, under load':42}{f.get('money_per_s', 0):>10.1f}"
        f"{f.get('money_p50_ms', 0):>10.1f}{f.get('money_p99_ms', 0):>10.1f}",
        "",
        f"lookups {f.get('lookups')}, money requests {f.get('money_requests')} "
        f"(answered {f.get('money_answered')}, done {f.get('money_done')}), transport errors "
        f"{f.get('transport_errors')}, operators moved {f.get('operators_moved')}, answers "
        f"after the kill {f.get('answers_after_kill')}",
        f"answers: {h.figures.get('answers')}",
        f"intents: {h.figures.get('intents')}, WeChat effects {h.figures.get('wechat_effects')}, "
        f"left open by the kill {h.figures.get('open_at_kill')}, all settled after "
        f"{h.figures.get('resolve_rounds')} resolve rounds",
        f"operators pause {h.cfg.think[0]}-{h.cfg.think[1]} s between requests; logins "
        f"{h.figures.get('login')}",
        f"WeChat faults hit: {f.get('fault_hits')}",
        "refusals: "
        + "; ".join(f"{n} x {what}" for what, n in h.figures.get("refusals", {}).items()),
        "",
        "invariants: "
        + (
            "all held (0 doubled, 0 lost, all settled, ledgers equal)"
            if not h.problems
            else f"{len(h.problems)} FAILED"
        ),
    ]
    lines += [f"  - {p}" for p in h.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from tests import pg_cluster as pgc

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.01)
    parser.add_argument("--durable", action="store_true", help="PostgreSQL with fsync on")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds an operator pauses between requests (default 1 3)",
    )
    parser.add_argument("--operators-spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tally", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.operators_spec is not None:  # the operators' own process (see Harness.load)
        spec = json.loads(args.operators_spec.read_text(encoding="utf-8"))
        tally = asyncio.run(Operators(spec).run())
        args.tally.write_text(json.dumps(tally), encoding="utf-8")
        return 0
    bindir = pgc.find_bindir()
    if bindir is None:
        print(pgc.INSTALL_HINT, file=sys.stderr)
        return 2
    cfg = LoadConfig(
        operators=args.operators,
        seconds=args.seconds,
        users=args.users,
        fault_rate=args.fault_rate,
        think=(args.think[0], args.think[1]),
    )
    cluster = pgc.Cluster(bindir, durable=args.durable)
    with tempfile.TemporaryDirectory(prefix="xpd-load-") as tmp:
        try:
            cluster.start()
            h = asyncio.run(
                run_load(
                    cfg,
                    cluster.new_database(),
                    Path(tmp),
                    log=lambda s: print(s, file=sys.stderr, flush=True),
                )
            )
        finally:
            cluster.stop()
    print(report(h))
    return 1 if h.problems else 0


if __name__ == "__main__":
    sys.exit(main())
