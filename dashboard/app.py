"""Entry point of `xpaydesk`: arguments, the Qt application, the qasync loop, the main window."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from core import __version__


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="xpaydesk", description="XPay Desk 虚拟支付工作台")
    parser.add_argument("--version", action="version", version=f"xpaydesk {__version__}")
    parser.add_argument("--demo", action="store_true", help="run on the built-in simulator")
    parser.add_argument("--config", help="profiles TOML file")
    parser.add_argument("--profile", help="profile name")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import qasync
    from PySide6.QtWidgets import QApplication

    from dashboard.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("XPay Desk")
    app.setApplicationVersion(__version__)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(demo=args.demo)
    window.show()
    with loop:
        closed = asyncio.Event()
        app.lastWindowClosed.connect(closed.set)
        loop.run_until_complete(closed.wait())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
