"""The "scripted day" benchmark (issue 16): the real window, offscreen, on the demo, driven the
way support and finance use it all day: page switches, searches that open a user or an order,
reconciliation reports, order details. RSS is sampled after every block of actions; the figures
are the growth after warm-up over the whole script and the slope over its last third."""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
from pathlib import Path
from typing import Any

BLOCKS = 100  # each block: 10 page switches, 5 searches, 1 report, 5 order details
WARM_UP_BLOCKS = 10


def rss_mb() -> float:
    """Resident set size now (Linux /proc; elsewhere the peak, which only grows)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of (actions, MB), in MB per 100 actions."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return 100 * sxy / sxx if sxx else 0.0


async def _settle(ctx: Any, app: Any) -> None:
    await ctx.runner.idle()
    app.processEvents()
    await asyncio.sleep(0)


async def scripted_day(window: Any, ctx: Any, world: Any, app: Any) -> list[tuple[int, float]]:
    from PySide6.QtCore import QCoreApplication, QEvent

    from dashboard.main_window import PAGE_CLASSES

    desk = ctx.desk
    users = list(world.summary.users)
    order_ids = [r["order_id"] for r in desk.mirror.all("SELECT order_id FROM orders LIMIT 400")]
    terms = [t for pair in zip(users, order_ids, strict=False) for t in pair]
    recon = window.pages["reconcile"]
    recon.preset.setCurrentIndex(2)  # the last 90 days: the whole demo
    orders = window.pages["orders"]
    samples: list[tuple[int, float]] = []
    actions = 0
    for block in range(BLOCKS):
        for n in range(10):  # page switches
            window.nav.setCurrentRow((block * 10 + n) % len(PAGE_CLASSES))
            await _settle(ctx, app)
        for n in range(5):  # searches: a user (live balance from the simulator) or an order
            window.search.setText(terms[(block * 5 + n) % len(terms)])
            window._search()
            await _settle(ctx, app)
        window.go("reconcile")
        recon.view = None
        recon.run_report()
        while recon.view is None:
            await asyncio.sleep(0.005)
        await _settle(ctx, app)
        window.go("orders")
        for n in range(5):  # order details, all over the table: the page cache is filled
            row_number = (block * 5 + n) * 1_637  # (then bounded) within the warm-up
            orders.table.selectRow(row_number % max(orders.model.rowCount(), 1))
            await _settle(ctx, app)
        actions += 21
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        samples.append((actions, rss_mb()))
    return samples


def bench_gui_day(work: Path) -> list[dict[str, Any]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XPAYDESK_MIRROR_KEY", base64.b64encode(os.urandom(32)).decode())
    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from core.demo import demo_actions, start_demo
    from dashboard import theme
    from dashboard.app import open_desk, tune_interpreter
    from dashboard.context import AppContext
    from dashboard.lifetimes import GuiCollector
    from dashboard.main_window import MainWindow
    from dashboard.tasks import TaskRunner
    from tests.benchmarks.benches import row

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "day-settings")
    )
    tune_interpreter()  # as dashboard.app.main does
    app = QApplication.instance() or QApplication([])
    theme.load_fonts()
    theme.apply(app)
    GuiCollector.install(app)  # as dashboard.app.main does
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    folder = work / "day-demo"
    folder.mkdir(parents=True, exist_ok=True)
    world = start_demo(users=300, orders=20_000, folder=folder)  # the demo's size
    result: dict[str, Any] = {}

    async def day() -> None:
        ctx = AppContext(TaskRunner(), demo=True)
        ctx.clock = world.sim.state.now  # the demo's days
        window = MainWindow(ctx)
        window.resize(1360, 860)
        window.show()
        desk = await open_desk(world.profile)  # as dashboard.app.start opens it
        await demo_actions(desk.ops, world)
        ctx.set_desk(desk)
        await _settle(ctx, app)
        result["start"] = rss_mb()
        started = time.perf_counter()
        result["samples"] = await scripted_day(window, ctx, world, app)
        result["seconds"] = time.perf_counter() - started
        await desk.close()
        window.close()

    try:
        with loop:
            loop.run_until_complete(day())
    finally:
        world.stop()
    samples: list[tuple[int, float]] = result["samples"]
    start, end = result["start"], samples[-1][1]
    warm = samples[WARM_UP_BLOCKS - 1]
    growth = end - warm[1]
    per_100 = 100 * growth / (samples[-1][0] - warm[0])
    last_third = samples[len(samples) * 2 // 3 :]
    tail = slope(last_third)
    tail_growth = last_third[-1][1] - last_third[0][1]
    print(
        "gui_day RSS (actions, MB): "
        + ", ".join(f"{a}:{mb:.1f}" for a, mb in samples[:: max(len(samples) // 20, 1)]),
        file=sys.stderr,
    )
    actions = samples[-1][0]
    return [
        row(
            f"scripted day in the real window ({actions:,} actions in {result['seconds']:.0f} s: "
            "1,000 page switches, 500 searches, 100 reports, 500 order details): "
            "RSS growth after warm-up",
            growth,
            "MB",
            target="< 10 MB",
            ok=growth < 10,
        ),
        row("  RSS at start", start, "MB"),
        row(f"  RSS after warm-up ({warm[0]} actions)", warm[1], "MB"),
        row("  RSS at end", end, "MB"),
        row("  growth per 100 actions after warm-up", per_100, "MB"),
        row(
            f"  slope over the last third (growth {tail_growth:+.2f} MB)",
            tail,
            "MB / 100 actions",
            target="no growth (< 0.05)",
            ok=tail < 0.05,
        ),
    ]
