"""Entry point of `xpaydesk`: arguments, the Qt application, the qasync loop, the excepthook, and
the modes: normal, --demo, --screenshot DIR, --self-test."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

os.environ.setdefault("QT_API", "pyside6")

from core import __version__

log = logging.getLogger("xpaydesk")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="xpaydesk", description="XPay Desk 虚拟支付工作台")
    parser.add_argument("--version", action="version", version=f"xpaydesk {__version__}")
    parser.add_argument("--demo", action="store_true", help="run on the built-in simulator")
    parser.add_argument("--config", type=Path, help="profiles TOML file")
    parser.add_argument("--profile", help="profile name")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="language (default: the OS's)")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="DIR",
        help="render every page with demo data to PNG files and exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check translations, window, simulator round trip, push; exit",
    )
    return parser.parse_args(argv)


def log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir("xpaydesk", appauthor=False))


def install_excepthook(window_getter: object) -> None:
    """One place turns unexpected errors into a log entry plus a non-modal notification."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        window = window_getter() if callable(window_getter) else None
        if window is not None:
            window._unexpected(value)
        else:
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.screenshot or args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.demo or args.screenshot:
        # demo data is thrown away: its session keys need no keyring entry
        import base64

        os.environ.setdefault("XPAYDESK_MIRROR_KEY", base64.b64encode(os.urandom(32)).decode())
    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from core.logs import setup_logging
    from dashboard import i18n, theme
    from dashboard.context import AppContext
    from dashboard.main_window import MainWindow
    from dashboard.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("XPayDesk")
    app.setApplicationName("XPay Desk")
    app.setApplicationVersion(__version__)
    # the loop ends when *we* say so (lastWindowClosed below), not when Qt quits on its own
    app.setQuitOnLastWindowClosed(False)
    setup_logging(log_dir())
    theme.load_fonts()
    theme.apply(app)
    lang = args.lang or str(QSettings().value("language", i18n.default_language()))
    translator = i18n.install(lang) if lang != "en" else None
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runner = TaskRunner()
    ctx = AppContext(runner, demo=bool(args.demo or args.screenshot))
    ctx.lang = lang
    window = MainWindow(ctx)
    install_excepthook(lambda: window)
    loop.set_exception_handler(lambda _loop, context: log.error("asyncio: %s", context))
    with loop:
        if args.self_test:
            from dashboard.selftest import self_test

            return loop.run_until_complete(self_test(window, ctx, translator=translator, lang=lang))
        if args.screenshot:
            from dashboard.screenshot import screenshots

            return loop.run_until_complete(screenshots(window, ctx, args.screenshot, lang))
        window.show()
        if os.environ.get("XPAYDESK_EXIT_AFTER_PAINT"):  # the start-up benchmark
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, app.quit)
            app.exec()
            return 0
        closed = asyncio.Event()
        app.lastWindowClosed.connect(closed.set)
        runner.run(start(ctx, args), on_error=window.startup_failed)
        loop.run_until_complete(closed.wait())
        runner.cancel_all()
    return 0


def _warm_imports() -> None:
    """Imports the core and what httpx loads lazily on its first request (anyio's asyncio
    backend): with PySide6 loaded every import also inspects the module's source, so an import
    on the UI thread is a visible stall (measured: 170 ms for anyio)."""
    import importlib

    for name in ("core.desk", "anyio._backends._asyncio"):
        importlib.import_module(name)


async def start(ctx: object, args: argparse.Namespace) -> None:
    """Opens the profile (or builds the demo) off the UI path, then resolves what an earlier run
    left pending."""
    from dashboard.context import AppContext

    assert isinstance(ctx, AppContext)
    # the core (httpx, SQLite, crypto: ~1.5 s of imports) loads off the UI thread, after the
    # window has painted
    await asyncio.to_thread(_warm_imports)
    from core.desk import Desk
    from core.profiles import load_profiles

    if args.demo:
        from core.demo import demo_actions, start_demo

        ctx.notify.emit("warn", "正在准备演示数据… preparing the demo…")
        world = await asyncio.to_thread(start_demo)
        desk = await asyncio.to_thread(Desk, world.profile)
        await demo_actions(desk.ops, world)
        ctx.demo_world = world  # type: ignore[attr-defined]
    else:
        profile = load_profiles(args.config).get(args.profile)
        # opening the mirror (migrations, sqlite-utils' plugin scan) is disk work: off the UI too
        desk = await asyncio.to_thread(Desk, profile)
    ctx.set_desk(desk)
    results = await desk.resolve()
    if results:
        ctx.notify.emit("ok", f"{len(results)} pending operations resolved at start")
    ctx.changes.emit({"pending", "ledger", "refunds", "orders", "audit"})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
