"""`xpaydesk --screenshot DIR [--lang]`: every page with demo data, rendered to PNG (offscreen)."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

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
    window.close()
    return 0
