"""Entry point of `xpaydesk`: arguments, the Qt application, the qasync loop, the excepthook, and
the modes: normal, --demo, --screenshot DIR, --self-test."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio  # imported where used: after the first paint

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
        # stderr too: where --screenshot and --self-test report, and a crash at exit is seen
        sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook


def tune_interpreter() -> None:
    """The UI thread needs the GIL many times per frame (each Qt event that reaches Python);
    with the default 5 ms switch interval every one of those waits behind a worker thread
    (an import, a report), and they add up to 60-110 ms frames (measured). 1 ms keeps the longest
    gap under 10 ms for a few per cent of worker throughput."""
    sys.setswitchinterval(0.001)
    from dashboard.lifetimes import immortal_none

    immortal_none()  # PySide6 6.12 on CPython 3.11 takes a reference from None per void call


def settle_heap() -> None:
    """Moves what start-up created (Qt wrappers, the core's modules, ~60,000 objects) out of the
    collector's reach: a full collection over them took 45-55 ms on the UI thread, whichever
    thread triggered it. Objects that die later are still freed by reference counting."""
    import gc

    gc.freeze()


async def open_desk(profile: Any, auth: Any = None) -> Any:
    """Through core's one seam (core.desks.open_desk): a solo desk (opening the mirror:
    migrations, sqlite-utils' plugin scan) or a team desk (its first request, GET /me, asks the
    server who this is). Disk or network work: off the UI thread either way."""
    import asyncio

    from core.desks import open_desk as open_any

    desk = await asyncio.to_thread(open_any, profile, auth=auth)
    settle_heap()
    return desk


async def open_team_desk(window: Any, profile: Any) -> Any:
    """A team profile: the stored session, else the login dialog (over the window, which has
    painted), then the desk as the operator who logged in. A cancelled login is a LoginRequired
    that names the profile: the window says so with a way to log in again (startup_failed)."""
    from core.remote.errors import LoginRequired
    from dashboard.login_dialog import ensure_login

    if os.environ.get("XPAYDESK_EXIT_AFTER_READY") and window is not None:
        _exit_when_login_shows(window)  # the start-up benchmark: the dialog is "ready" too
    keeper = await ensure_login(window, profile)
    if keeper is None:
        raise LoginRequired(
            f"未登录团队配置 {profile.name}（服务器 {profile.server}）：登录已取消。"
            "可点“重新登录”再试，或在左上角选择其他配置",
            f"team profile {profile.name} (server {profile.server}) is not logged in: the login "
            "was cancelled. Press “Log in again” to retry, or choose another profile at the top "
            "left",
        )
    return await open_desk(keeper.profile, keeper)


def _exit_when_login_shows(window: Any) -> None:
    """The start-up benchmark without a stored session: says when the login dialog is on screen
    (what the operator waits for), then closes the window."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from dashboard.login_dialog import LoginDialog

    def look() -> None:
        shown = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, LoginDialog) and w.isVisible()
        ]
        if not shown:
            QTimer.singleShot(5, look)
            return
        print(f"xpaydesk ready at {time.time():.6f} (login dialog)", flush=True)
        shown[0].reject()
        window.close()

    QTimer.singleShot(0, look)


def may_resolve(desk: Any) -> bool:
    """Settling what an earlier run left pending is a support+ action: a solo desk always, a
    team desk only for a role the server lets resolve (a viewer would only be refused)."""
    if not getattr(desk, "team", False):
        return True
    return str(getattr(desk.profile, "role", "")) in ("support", "finance", "admin")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tune_interpreter()
    if args.screenshot or args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.demo or args.screenshot:
        # demo data is thrown away: its session keys need no keyring entry
        import base64

        os.environ.setdefault("XPAYDESK_MIRROR_KEY", base64.b64encode(os.urandom(32)).decode())
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dashboard import i18n, theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("XPayDesk")
    app.setApplicationName("XPay Desk")
    app.setApplicationVersion(__version__)
    # the loop ends when *we* say so (lastWindowClosed below), not when Qt quits on its own
    app.setQuitOnLastWindowClosed(False)
    from dashboard.lifetimes import GuiCollector

    # garbage is collected on this (the GUI) thread only, never in a worker: dashboard.lifetimes
    GuiCollector.install(app)
    theme.load_fonts()
    theme.apply(app)
    lang = args.lang or str(QSettings().value("language", i18n.default_language()))
    translator = i18n.install(lang) if lang != "en" else None
    window = new_window(args, lang)
    install_excepthook(lambda: _current_window)
    interactive = not (args.self_test or args.screenshot)
    if interactive:
        # the window paints before the event loop's machinery (asyncio, qasync, logging
        # handlers) is even imported: the user sees it ~100 ms sooner
        window.show()
        if os.environ.get("XPAYDESK_EXIT_AFTER_PAINT"):  # the start-up benchmark
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, app.quit)
            app.exec()
            return 0
        app.processEvents()
    return run_event_loop(app, window, args, translator, lang, interactive=interactive)


def run_event_loop(
    app: Any,
    window: Any,
    args: argparse.Namespace,
    translator: Any,
    lang: str,
    *,
    interactive: bool,
) -> int:
    import asyncio

    import qasync

    from core.logs import setup_logging

    setup_logging(log_dir())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(lambda _loop, context: log.error("asyncio: %s", context))
    try:
        with loop:
            if args.self_test:
                from dashboard.selftest import self_test

                result: int = loop.run_until_complete(
                    self_test(window, window.ctx, translator=translator, lang=lang)
                )
                return result
            if args.screenshot:
                from dashboard.screenshot import screenshots

                result = loop.run_until_complete(
                    screenshots(window, window.ctx, args.screenshot, lang)
                )
                return result
            assert interactive
            loop.run_until_complete(run_windows(app, window, args, translator))
    finally:
        from dashboard.lifetimes import dispose_loop

        dispose_loop(loop)  # the loop's Qt objects die here, on the GUI thread
    return 0


_current_window: Any = None  # the excepthook's target; replaced when the window is reopened


def new_window(args: argparse.Namespace, lang: str) -> Any:
    global _current_window
    from dashboard.context import AppContext
    from dashboard.main_window import MainWindow
    from dashboard.tasks import TaskRunner

    ctx = AppContext(TaskRunner(), demo=bool(args.demo or args.screenshot))
    ctx.lang = lang
    ctx.config_path = args.config
    ctx.profile_name = args.profile
    _current_window = MainWindow(ctx)
    return _current_window


async def run_windows(app: Any, window: Any, args: argparse.Namespace, translator: Any) -> Any:
    """One window at a time until the last one closes. A profile switch closes the current
    profile (its Desk, the demo's simulator) and opens a fresh window on the next; a new language
    alone opens a fresh window on the same Desk (a demo keeps its state). Either way no page
    keeps data or text of the one before. Returns the translator in effect at the end."""
    import asyncio

    from dashboard import i18n

    carried: tuple[Any, Any] | None = None  # (Desk, demo world) kept across a language switch
    kept: dict[str, Any] = {}  # the open page, user and pasted text, kept across it too
    while True:
        ctx = window.ctx
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        reopen: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def settle(future: asyncio.Future[Any], value: Any) -> None:
            if not future.done():
                future.set_result(value)

        app.lastWindowClosed.connect(lambda f=closed: settle(f, None))
        ctx.reopen.connect(lambda request, f=reopen: settle(f, request))
        if carried is None:
            ctx.runner.run(
                start(ctx, args, window), on_error=lambda e, w=window: startup_failed(w, e)
            )
        else:
            ctx.demo_world = carried[1]
            ctx.set_desk(carried[0])
            ctx.changes.emit({"pending", "ledger", "refunds", "orders", "audit"})
            window.restore_state(kept)
        await asyncio.wait({closed, reopen}, return_when=asyncio.FIRST_COMPLETED)
        app.lastWindowClosed.disconnect()
        ctx.runner.cancel_all()
        request = reopen.result() if reopen.done() else None
        if request is not None and request.profile is None and ctx.desk is not None:
            carried = (ctx.desk, ctx.demo_world)
            kept = window.carry_state()
        else:
            carried = None
            await close_profile(ctx)
        if request is None:
            return translator
        if request.profile is not None:
            args.profile, args.demo = request.profile, False
        lang = request.lang or ctx.lang
        if lang != ctx.lang:
            if translator is not None:
                app.removeTranslator(translator)
            translator = i18n.install(lang) if lang != "en" else None
            i18n.install_qt(lang)  # Qt's own texts (file dialogs) follow, English included
        window.save_state()  # the next window opens where this one was
        previous, window = window, new_window(args, lang)
        window.show()
        previous.close()
        previous.deleteLater()


def startup_failed(window: Any, exc: BaseException) -> None:
    """Said on the Settings page (window.startup_failed); a team login that was cancelled or
    has run out also gets a button that opens the login again, on the same profile."""
    window.startup_failed(exc)
    if getattr(exc, "kind", "") != "login_required":
        return
    from dashboard.i18n import tr
    from dashboard.widgets import button

    page = window.pages["settings"]
    retry = button(tr("Log in again"), kind="primary")
    # the same profile again (None: the default one): a fresh window and a fresh login
    retry.clicked.connect(lambda: window.ctx.request_reopen(profile=window.ctx.profile_name))
    page.inline.layout().insertWidget(1, retry)
    window.login_again = retry


async def close_profile(ctx: Any) -> None:
    import asyncio

    desk, ctx.desk = ctx.desk, None
    if desk is not None:
        await desk.close()
    world, ctx.demo_world = ctx.demo_world, None
    if world is not None:
        await asyncio.to_thread(world.stop)


def _warm_imports() -> None:
    """Imports the core and what httpx loads lazily on its first request (anyio's asyncio
    backend): with PySide6 loaded every import also inspects the module's source, so an import
    on the UI thread is a visible stall (measured: 170 ms for anyio)."""
    import importlib

    for name in (
        "core.desk",
        "core.desks",
        "core.profile_store",
        "core.remote.session",
        "anyio._backends._asyncio",
    ):
        importlib.import_module(name)


async def start(ctx: object, args: argparse.Namespace, window: Any = None) -> None:
    """Opens the profile (or builds the demo) off the UI path, then resolves what an earlier run
    left pending. A team profile logs in first (the dialog over `window`)."""
    import asyncio

    from dashboard.context import AppContext

    assert isinstance(ctx, AppContext)
    # the core (httpx, SQLite, crypto: ~1.5 s of imports) loads off the UI thread, after the
    # window has painted
    await asyncio.to_thread(_warm_imports)
    from core.profiles import load_profiles

    if args.demo:
        from core.demo import demo_actions, remove_demo_on_sigterm, start_demo

        # a terminated demo removes its folder (keys in plain text): the handler is installed
        # here, on the main thread, and a tick lets Python run it while Qt's loop idles
        if remove_demo_on_sigterm():
            from PySide6.QtCore import QCoreApplication, QTimer

            tick = QTimer(QCoreApplication.instance())
            tick.timeout.connect(lambda: None)
            tick.start(300)
        from dashboard.i18n import tr

        ctx.notify.emit("warn", tr("Preparing the demo…"))
        world = await asyncio.to_thread(start_demo)
        desk = await open_desk(world.profile)
        await demo_actions(desk.ops, world)
        ctx.demo_world = world
    else:
        from core.profiles import TeamProfile

        profile = load_profiles(args.config).get_any(args.profile)
        if isinstance(profile, TeamProfile):
            desk = await open_team_desk(window, profile)
        else:
            desk = await open_desk(profile)
    ctx.set_desk(desk)
    if os.environ.get("XPAYDESK_EXIT_AFTER_READY") and window is not None:
        # the start-up benchmark (tests/benchmarks/team_desktop.py): when the desk was ready,
        # then out (closing the desk is not part of the start)
        import time

        print(f"xpaydesk ready at {time.time():.6f}", flush=True)
        window.close()
        return
    if not may_resolve(desk):
        return
    from core.errors import XPayDeskError

    try:
        results = await desk.resolve()
    except XPayDeskError as exc:  # a team server gone meanwhile: the banner says it already
        log.warning("resolve at start: %s", getattr(exc, "message_en", exc))
        return
    if results:
        from dashboard.i18n import tr

        ctx.notify.emit("ok", tr("{n} pending operations resolved at start").format(n=len(results)))
    ctx.changes.emit({"pending", "ledger", "refunds", "orders", "audit"})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
