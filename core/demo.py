"""The demo world: the simulator in-process with generated data, a sandbox profile and a mirror
in a temporary folder, filled the way a merchant would fill it (a vk-pay order export, WeChat's
bill, saved pushes, session keys, a few operator actions). A new user sees a working dashboard in
seconds, with no configuration and no real money."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from core.beijing import beijing_today, yyyymmdd
from core.mirror.db import Mirror
from core.mirror.importing import import_bill, import_pushes, import_vk_orders
from core.mirror.vault import SessionKeyVault, vault_key
from core.profiles import Profile, load_profiles
from core.simulator import DemoSummary, SimConfig, Simulator, populate, profile_toml
from core.simulator.pushes import WirePush

DEMO_PROFILE = "demo"
MODES = {"coin": "short_series_coin", "item": "short_series_goods"}


@dataclass
class DemoWorld:
    sim: Simulator
    folder: Path
    profile_path: Path
    summary: DemoSummary

    @property
    def profile(self) -> Profile:
        return load_profiles(self.profile_path).get(DEMO_PROFILE)

    owns_folder: bool = False  # a temporary folder of its own: removed when the demo stops

    def stop(self) -> None:
        self.sim.stop()
        if self.owns_folder:
            remove_demo_folder(self.folder)


# Every run's temporary folder is named xpaydesk-demo-<pid>-<random>: removed when the demo stops
# or the process exits, and by the next run when a crash or a kill left it (its process is gone,
# or it is over a day old). It holds ~40 MB and the demo profile's keys in plain text.
DEMO_PREFIX = "xpaydesk-demo-"
STALE_SECONDS = 24 * 3600


def remove_demo_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive, and not ours to judge
        return True
    return True


def sweep_stale_demo_folders(
    temp_dir: Path | None = None, *, now: float | None = None
) -> list[Path]:
    """Removes demo folders an earlier run left: its process is dead (or, where that cannot be
    asked, it is over a day old). Only this user's folders; returns what was removed."""
    base = Path(temp_dir or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    try:
        entries = [e for e in base.iterdir() if e.name.startswith(DEMO_PREFIX)]
    except OSError:
        return []
    for entry in entries:
        try:
            info = entry.lstat()
            if not entry.is_dir() or entry.is_symlink():
                continue
            if hasattr(os, "getuid") and info.st_uid != os.getuid():
                continue
        except OSError:
            continue
        owner, _, rest = entry.name[len(DEMO_PREFIX) :].partition("-")
        if owner.isdigit() and rest and os.name != "nt":
            stale = not _pid_alive(int(owner))  # a demo left running for days keeps its folder
        else:  # an earlier version's name (no pid), or no way to ask: by age
            stale = now - info.st_mtime > STALE_SECONDS
        if stale:
            remove_demo_folder(entry)
            if not entry.exists():
                removed.append(entry)
    return removed


_OWN_FOLDERS: list[Path] = []  # this process's demo folders, for the SIGTERM handler


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM skips atexit: the folders (with the demo keys in plain text) go first, then the
    process ends as terminated, as it would have without this handler."""
    for folder in list(_OWN_FOLDERS):
        remove_demo_folder(folder)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def remove_demo_on_sigterm() -> bool:
    """Installs the SIGTERM handler that removes this process's demo folders. Python installs
    handlers on the main thread only (the desktop app calls this there before building the
    demo in a worker); a handler the program set itself is left alone. True when installed."""
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGTERM)
    if current is _terminated:
        return True
    if current not in (signal.SIG_DFL, None):
        return False
    signal.signal(signal.SIGTERM, _terminated)
    return True


def _own_temp_folder() -> Path:
    sweep_stale_demo_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{DEMO_PREFIX}{os.getpid()}-"))
    atexit.register(remove_demo_folder, folder)  # also when the app exits without stop()
    _OWN_FOLDERS.append(folder)
    remove_demo_on_sigterm()  # and when it is terminated (main thread; else the app did it)
    return folder


def _vk_export(sim: Simulator, path: Path, cases: dict[str, str] | None = None) -> int:
    """The merchant's vk-pay order collection, as uniCloud exports it (JSON lines). It departs
    from WeChat's records where the demo's past discrepancies say so (`populate`'s cases): a
    missed push, an amount recorded wrong, a refund on one side only."""
    cases = cases or {}
    count = 0
    refunds: dict[str, list[dict[str, object]]] = {}
    for r in sim.state.db.execute("SELECT * FROM orders WHERE order_type = 1"):
        if r["order_id"] == cases.get("refund_only_at_wechat"):
            continue  # refunded at WeChat; the merchant never heard of it
        refunds.setdefault(r["pay_order_id"], []).append(
            {
                "out_refund_no": r["order_id"],
                "refund_fee": r["refund_fee"],
                "refund_id": r["wx_order_id"],
                "refund_time": (r["paid_time"] or r["create_time"]) * 1000,
                "operator": "客服小周",
            }
        )
    here = cases.get("refund_only_here_order")
    if here:  # marked refunded by the merchant; the refund never reached WeChat
        paid = sim.state.order_row(here)
        assert paid is not None
        refunds.setdefault(here, []).append(
            {
                "out_refund_no": cases["refund_only_here"],
                "refund_fee": paid["paid_fee"],
                "refund_id": "",
                "refund_time": (paid["paid_time"] + 5400) * 1000,
                "operator": "客服小周",
            }
        )
    with path.open("w", encoding="utf-8") as out:
        for r in sim.state.db.execute("SELECT * FROM orders WHERE order_type = 0"):
            refunded = sum(int(x["refund_fee"]) for x in refunds.get(r["order_id"], []))  # type: ignore[call-overload]
            status = {1: 0, 6: -1}.get(
                r["status"], 3 if refunded and refunded >= r["paid_fee"] else 2 if refunded else 1
            )
            doc = {
                "_id": f"vk{count:08d}",
                "pay_type": "wxpay-virtual_mp-weixin",
                "provider": "wxpay-virtual",
                "status": status,
                "out_trade_no": r["order_id"],
                "transaction_id": r["wx_order_id"],
                "openid": r["openid"],
                "total_fee": r["order_fee"],
                "refund_fee": refunded,
                "refund_list": refunds.get(r["order_id"], []),
                "_add_time": r["create_time"] * 1000,
                "pay_date": r["paid_time"] * 1000 if r["paid_time"] else None,
                "user_order_success": r["status"] == 4,
                "wxpay_virtual": {
                    "mode": MODES[r["kind"]],
                    "buy_quantity": r["quantity"],
                    "product_id": r["product_id"],
                },
                "original_data": {
                    "Env": r["env"],
                    "WeChatPayInfo": {
                        "MchOrderNo": r["channel_order_id"],
                        "TransactionId": r["wxpay_order_id"],
                    },
                },
            }
            if r["order_id"] == cases.get("missed_push"):  # the payment push never arrived
                doc.update(status=0, pay_date=None, user_order_success=False)
            elif r["order_id"] == cases.get("amount_differs"):  # recorded 1 yuan more
                doc["total_fee"] = r["order_fee"] + 100
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            count += 1
    return count


def _save_pushes(wires: list[WirePush], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, wire in enumerate(wires, start=1):
        (folder / f"{n:04d}-{wire.event}.query").write_text(wire.query, encoding="utf-8")
        (folder / f"{n:04d}-{wire.event}.body").write_text(wire.body, encoding="utf-8")


def start_demo(
    *,
    users: int = 300,
    orders: int = 20_000,
    seed: int = 2026,
    folder: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> DemoWorld:
    """`clock` is the simulated WeChat's (tests pin it: the demo's days are Beijing days)."""
    owns_folder = folder is None
    folder = folder or _own_temp_folder()
    sim = Simulator(SimConfig(refund_delay=3.0), seed=seed, clock=clock).start()
    summary = populate(sim.state, seed=seed, users=users, orders=orders, days=90, env=1)
    # a few live events, so the demo has real pushes to inspect
    for openid in summary.users[5:9]:
        sim.user_pays(openid, coins=1200)
    sim.user_pays(summary.users[9], kind="item", coins=1, fee=1800, product_id="vip_month_01")
    profile_path = folder / "profiles.toml"
    profile_path.write_text(
        profile_toml(sim, name=DEMO_PROFILE, db=str(folder / "demo.sqlite"))
        + 'operator = "演示客服"\nrole = "admin"\n',
        encoding="utf-8",
    )
    world = DemoWorld(sim, folder, profile_path, summary, owns_folder=owns_folder)
    profile = world.profile
    with Mirror(profile.mirror_path) as mirror:
        export = folder / "vk-pay-orders.jsonl"
        _vk_export(sim, export, summary.cases)
        import_vk_orders(mirror, export, env=1)
        today = beijing_today(sim.state.now())  # WeChat's day, whatever this computer's zone
        bill = folder / "bill.csv.gz"
        bill.write_bytes(sim._bill_file(yyyymmdd(today - timedelta(days=95)), yyyymmdd(today)))
        import_bill(mirror, bill, env=1)
        _save_pushes(list(sim.delivered), folder / "pushes")
        pc = sim.config.push
        from core.callbacks import CallbackKeys

        import_pushes(
            mirror,
            folder / "pushes",
            keys=CallbackKeys(
                token=pc.token, encoding_aes_key=pc.encoding_aes_key, appid=sim.config.appid
            ),
        )
        vault = SessionKeyVault(mirror, vault_key(DEMO_PROFILE))
        for openid, key in summary.session_keys.items():
            obtained = int(
                sim.state.db.execute(
                    "SELECT session_key_obtained FROM users WHERE openid = ?", (openid,)
                ).fetchone()[0]
            )
            vault.store(openid, key, obtained_at=obtained, source="import")
    return world


async def demo_actions(ops: object, world: DemoWorld) -> None:
    """A morning of support work, so every page has something to show: a gift, a deduction and
    its cancellation, a refund with clawback for a user whose key is stale (it waits for login)
    and one for a user whose key is fresh."""
    from core.operations import Operations

    assert isinstance(ops, Operations)
    users = world.summary.users
    fresh_user, stale_user = users[5], world.summary.cases["stale_session_key"]
    await ops.gift(fresh_user, 200, reason="活动补偿 campaign compensation", request_key="demo-1")
    deduction = await ops.deduct(
        fresh_user, 100, reason="误充代币 mistaken top-up", request_key="demo-2"
    )
    await ops.cancel_deduction(
        fresh_user,
        pay_order_id=deduction.wechat_id,
        amount=100,
        reason="用户申诉成功 appeal accepted",
        request_key="demo-3",
    )
    for openid, key in ((stale_user, "demo-4"), (users[6], "demo-5")):
        row = ops.mirror.one(
            "SELECT order_id, paid_fee FROM orders WHERE openid = ? AND kind = "
            "'coin' AND left_fee = paid_fee AND status = 4 ORDER BY paid_time "
            "DESC LIMIT 1",
            openid,
        )
        if row is not None:
            await ops.refund(
                row["order_id"],
                refund_fee=row["paid_fee"],
                left_fee=row["paid_fee"],  # the query picked orders not refunded yet
                reason="用户投诉退款",
                request_key=key,
                refund_reason="3",
                clawback=True,
            )
