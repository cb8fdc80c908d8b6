"""`xpaydesk --screenshot DIR [--lang]`: every page with demo data, rendered to PNG (offscreen);
then team mode against a demo team server (`xpaydesk-server --demo` in a child process): the
login dialog, and the Approvals page of an admin with requests from support waiting (and one of their own)."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from core.demo import demo_actions, start_demo
from core.desk import Desk
from dashboard.context import AppContext
from dashboard.main_window import PAGE_CLASSES, MainWindow


async def settle(ctx: AppContext, rounds: int = 10) -> None:
    for _ in range(rounds):
        await ctx.runner.idle()
        QApplication.processEvents()
        await asyncio.sleep(0.02)


async def screenshots(window: MainWindow, ctx: AppContext, folder: Path, lang: str) -> int:
    os.environ.setdefault("XPAYDESK_MIRROR_KEY", base64.b64encode(os.urandom(32)).decode())
    folder.mkdir(parents=True, exist_ok=True)
    window.resize(1360, 860)
    window.show()
    world = await asyncio.to_thread(start_demo, users=120, orders=6000)
    try:
        desk = Desk(world.profile)
        await demo_actions(desk.ops, world)
        ctx.set_desk(desk)
        await settle(ctx)
        pages = window.pages
        users = pages["users"]
        users.show_user(world.summary.users[5])  # type: ignore[attr-defined]
        await settle(ctx)
        orders = pages["orders"]
        orders.table.selectRow(0)  # type: ignore[attr-defined]
        recon = pages["reconcile"]
        ctx.clock = world.sim.state.now  # the demo's days: Beijing days on the simulator's clock
        recon.preset.setCurrentIndex(2)  # type: ignore[attr-defined]  # the last 90 days
        recon.run_report()  # type: ignore[attr-defined]
        callbacks = pages["callbacks"]
        wire = world.sim.delivered[0]
        callbacks.query.setText("https://merchant.example/xpay/notify?" + wire.query)  # type: ignore[attr-defined]
        callbacks.body.setPlainText(wire.body)  # type: ignore[attr-defined]
        callbacks.decode()  # type: ignore[attr-defined]
        pages["signatures"].app_key.setText("12345")  # type: ignore[attr-defined]
        pages["signatures"].session_key.setText("9hAb/NEYUlkaMBEsmFgzig==")  # type: ignore[attr-defined]
        pages["signatures"].sign()  # type: ignore[attr-defined]
        await settle(ctx)
        for n, cls in enumerate(PAGE_CLASSES, start=1):
            window.go(cls.name)
            await settle(ctx, 3)
            path = folder / f"{n:02d}-{cls.name}-{lang}.png"
            if not window.grab().save(str(path)):
                print(f"could not write {path}")
                return 1
            print(path)
        await desk.close()
    finally:
        world.stop()
    ctx.desk = None
    result = await team_screenshots(window, ctx, folder, lang, len(PAGE_CLASSES) + 1)
    window.close()
    return result


# ---- team mode --------------------------------------------------------------------------------

OPERATOR_LINE = re.compile(
    r"^\s+(?P<name>\S+) \((?P<role>\w+)\) password=(?P<password>\S+) "
    r"totp_secret=(?P<secret>\S+) profile=(?P<profile>\S+)$"
)


@dataclass
class TeamDemo:
    """A running `xpaydesk-server --demo`: its address, the desktops' profiles file, and each
    demo operator's password and TOTP secret as it printed them."""

    proc: subprocess.Popen[str]
    url: str = ""
    config: Path | None = None
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # profile -> fields

    def stop(self) -> None:
        self.proc.terminate()  # the demo removes its folder (demo keys) when it stops
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def start_team_demo() -> TeamDemo:
    """Blocking (run it in a thread): the demo server on a free port, read until it has said
    everything a desktop needs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.server.cli", "--demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    demo = TeamDemo(proc)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready on " in line:
            demo.url = line.split("ready on ", 1)[1].strip()
        elif (found := OPERATOR_LINE.match(line.rstrip())) is not None:
            demo.people[found["profile"]] = found.groupdict()
        elif line.strip().startswith("xpaydesk --config "):
            demo.config = Path(shlex.split(line)[2])
        elif line.startswith("Ctrl+C"):
            return demo
    demo.stop()
    raise RuntimeError("xpaydesk-server --demo did not start")


def team_session(demo: TeamDemo, profile: str) -> Any:
    """A session of that demo operator (a code from their TOTP secret, as a phone shows it),
    kept in memory only: a screenshot run writes nothing to the OS keyring."""
    import pyotp

    from core.remote.base import StaticAuth
    from core.remote.session import login

    person = demo.people[profile]
    code = pyotp.TOTP(person["secret"]).now()
    tokens = login(demo.url, person["name"], person["password"], code)
    return StaticAuth(tokens.access_token.reveal())


def open_team_desk(demo: TeamDemo, profile: str) -> Any:
    from core.desks import open_desk
    from core.profiles import load_profiles

    return open_desk(load_profiles(demo.config).get_any(profile), auth=team_session(demo, profile))


async def login_shot(demo: TeamDemo) -> Any:
    """The login dialog as an operator meets it: over a window that has painted and has no
    profile open yet (dimmed), with the title bar a window manager would draw (offscreen has
    none)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QPainter

    from core.profiles import load_profiles
    from dashboard.login_dialog import LoginDialog
    from dashboard.tasks import TaskRunner

    backdrop = MainWindow(AppContext(TaskRunner()))
    backdrop.resize(1360, 860)
    backdrop.show()
    profile = load_profiles(demo.config).get_any("team-demo")
    dialog = LoginDialog(profile, parent=backdrop)  # type: ignore[arg-type]
    dialog.password.setText("correct horse battery")
    dialog.totp.setText("492871")
    dialog.open()
    for _ in range(5):
        QApplication.processEvents()
        await asyncio.sleep(0.02)
    dialog.password.deselect()
    image = backdrop.grab()
    box = dialog.grab()
    bar = 30
    x = (image.width() - box.width()) // 2
    y = (image.height() - box.height() - bar) // 2
    painter = QPainter(image)
    painter.fillRect(image.rect(), QColor(0, 0, 0, 80))
    painter.fillRect(x - 1, y - 1, box.width() + 2, box.height() + bar + 2, QColor("#9A9A9A"))
    painter.fillRect(x, y, box.width(), bar, QColor("#EDEDED"))
    font = painter.font()
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#222222"))
    painter.drawText(
        QRect(x, y, box.width(), bar), Qt.AlignmentFlag.AlignCenter, dialog.windowTitle()
    )
    painter.drawPixmap(x, y + bar, box)
    painter.end()
    dialog.reject()
    dialog.deleteLater()
    backdrop.close()
    backdrop.deleteLater()
    return image


async def team_screenshots(
    window: MainWindow, ctx: AppContext, folder: Path, lang: str, first: int
) -> int:
    demo = await asyncio.to_thread(start_team_demo)
    desks: list[Any] = []
    try:
        support = await asyncio.to_thread(open_team_desk, demo, "team-demo")
        desks.append(support)
        attention, recent = support.users_overview()
        users = list(dict.fromkeys(str(u["openid"]) for u in recent + attention))[:3]
        for n, (openid, amount) in enumerate(zip(users, (1500, 1800, 1200), strict=False)):
            await support.gift(
                openid, amount, reason="活动补偿 / campaign make-good", request_key=f"shot-{n}"
            )
        finance = await asyncio.to_thread(open_team_desk, demo, "team-demo-admin")
        desks.append(finance)
        await finance.gift(
            users[0], 1600, reason="大客户补偿 / key account make-good", request_key="shot-mine"
        )
        ctx.set_desk(finance)
        await settle(ctx)
        window.go("approvals")
        page = window.pages["approvals"]
        page.refresh()  # type: ignore[attr-defined]
        page.waiting_table.selectRow(0)  # type: ignore[attr-defined]
        page.reason.setText("核对无误 / checked")  # type: ignore[attr-defined]
        await settle(ctx, 5)
        approvals = folder / f"{first + 1:02d}-approvals-{lang}.png"
        login = folder / f"{first:02d}-login-{lang}.png"
        for image, path in ((window.grab(), approvals), (await login_shot(demo), login)):
            if not image.save(str(path)):
                print(f"could not write {path}")
                return 1
            print(path)
    finally:
        ctx.desk = None
        for desk in desks:
            await desk.close()
        await asyncio.to_thread(demo.stop)
    return 0
