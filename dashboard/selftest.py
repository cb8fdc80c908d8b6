"""`xpaydesk --self-test`: what a frozen app must prove on a machine without a display."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from PySide6.QtWidgets import QApplication

from core.selftest import beijing_zone_check, simulator_round_trip
from dashboard.context import AppContext
from dashboard.i18n import resources_dir, tr
from dashboard.main_window import PAGE_CLASSES, MainWindow


async def self_test(window: MainWindow, ctx: AppContext, *, translator: Any, lang: str) -> int:
    failures: list[str] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        print(f"[{'ok' if ok else 'FAIL'}] {name}{': ' + detail if detail else ''}")
        if not ok:
            failures.append(name)

    translations = resources_dir() / "translations"
    check("resources", translations.is_dir(), str(translations))
    zh = (translations / "xpaydesk_zh_CN.qm").exists()
    check("translations compiled", zh)
    if lang == "zh_CN":
        check("translator loaded", translator is not None and tr("Users") == "用户")
    window.show()
    QApplication.processEvents()
    check("main window", window.isVisible() and window.nav.count() == len(PAGE_CLASSES))
    window.close()
    QApplication.processEvents()
    try:  # Windows has no zone database: WeChat's day (Asia/Shanghai) comes from tzdata
        check("time zone", True, beijing_zone_check())
    except Exception as exc:
        check("time zone", False, f"{type(exc).__name__}: {exc}")
    try:
        check("simulator round trip", True, await asyncio.wait_for(simulator_round_trip(), 60))
    except Exception as exc:
        check("simulator round trip", False, f"{type(exc).__name__}: {exc}")
    print("self-test", "passed" if not failures else f"FAILED: {', '.join(failures)}")
    sys.stdout.flush()
    return 1 if failures else 0
