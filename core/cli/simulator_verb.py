"""xpaydesk-cli simulator: run the local WeChat simulator until Ctrl+C."""

from __future__ import annotations

import argparse
import base64
import os
import signal
import threading
import tomllib
from pathlib import Path
from typing import Any

from core.cli.output import Output
from core.simulator import PushConfig, SimConfig, Simulator, populate, profile_toml

Verbs = Any


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "simulator",
        parents=[common],
        help="run the local WeChat virtual-payment simulator (local: on this computer, no profile)",
    )
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free)")
    p.add_argument("--state", type=Path, help="SQLite file that keeps the state across runs")
    p.add_argument("--seed", type=int, default=None, help="makes ids and faults reproducible")
    p.add_argument("--demo-users", type=int, default=0, help="generate this many demo users")
    p.add_argument("--demo-orders", type=int, default=2000, help="orders for the demo users")
    p.add_argument("--push-folder", type=Path, help="write each push as .query and .body files")
    p.add_argument("--push-url", help="POST each push to this URL")
    p.add_argument("--push-mode", choices=["plaintext", "compatible", "safe"], default="safe")
    p.add_argument("--push-format", choices=["json", "xml"], default="json")
    p.add_argument("--refund-delay", type=float, default=2.0, help="seconds until a refund ends")
    p.add_argument(
        "--write-profile",
        type=Path,
        help="write a profiles.toml for this simulator, with its own mirror next to it "
        "(<name>.sqlite) and that mirror's key (no OS keyring needed)",
    )
    p.set_defaults(run=cmd_simulator)


def write_profile(sim: Simulator, path: Path) -> None:
    """A profile for this simulator with a mirror of its own beside it (two simulators' profiles
    never share one) and that mirror's session-key vault key in the file: the simulator's users
    are not anyone's, and the key is accepted only for a loopback api_base."""
    path = path.resolve()
    db = path.with_name(path.stem + ".sqlite" if path.suffix != ".sqlite" else path.name + ".db")
    key = _previous_key(path) or base64.b64encode(os.urandom(32)).decode()
    text = profile_toml(sim, db=str(db), mirror_key=key)
    # the key is in it: readable by its owner only, from the first byte
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _previous_key(path: Path) -> str | None:
    """A profile rewritten by the next run keeps its key: the mirror beside it stays readable."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        key = raw["profiles"]["demo"]["mirror_key"]
        return (
            key
            if isinstance(key, str) and len(base64.b64decode(key, validate=True)) == 32
            else None
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cmd_simulator(args: argparse.Namespace, out: Output) -> int:
    config = SimConfig(
        refund_delay=args.refund_delay,
        push=PushConfig(
            mode=args.push_mode, format=args.push_format, url=args.push_url, folder=args.push_folder
        ),
    )
    stop = threading.Event()
    # Ctrl+C and SIGTERM only set the flag, so a second signal cannot interrupt the shutdown
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Simulator(config, state_path=args.state, seed=args.seed, port=args.port) as sim:
        summary = (
            populate(sim.state, users=args.demo_users, orders=args.demo_orders)
            if args.demo_users
            else None
        )
        if args.write_profile:
            write_profile(sim, args.write_profile)
        info: dict[str, Any] = {
            "url": sim.url,
            "appid": config.appid,
            "profile": str(args.write_profile or ""),
        }
        if summary:
            info["demo"] = {
                "users": len(summary.users),
                "orders": summary.orders,
                "cases": summary.cases,
                "first_user": summary.users[0] if summary.users else "",
            }
        out.result(
            info,
            f"xpay simulator listening on {sim.url} (appid {config.appid}); "
            "Ctrl+C stops it"
            + (f"\nprofile written to {args.write_profile}" if args.write_profile else "")
            + (
                f"\na demo user to try: {summary.users[0]}"
                if summary is not None and summary.users
                else ""
            ),
        )
        while not stop.wait(0.5):
            pass
    out.note("simulator stopped")
    return 0
