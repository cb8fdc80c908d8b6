"""Display formats of the UI guide: ¥1,234.56, 1,200 代币, Asia/Shanghai times, middle-elided ids."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from core.money import format_coins, format_coins_with_value, format_fen
from dashboard.i18n import N_, tr

SHANGHAI = ZoneInfo("Asia/Shanghai")
__all__ = ["coins", "coins_value", "elide", "fen", "relative", "status_text", "when"]

STATUS = {
    0: (N_("Initialised"), "grey"),
    1: (N_("Awaiting payment"), "grey"),
    2: (N_("Paid, not delivered"), "orange"),
    3: (N_("Delivering"), "orange"),
    4: (N_("Delivered"), "green"),
    5: (N_("Refunded"), "blue"),
    6: (N_("Closed"), "grey"),
    7: (N_("Refund failed"), "red"),
    8: (N_("User refund completed"), "blue"),
    9: (N_("Ad funds recovered"), "grey"),
    10: (N_("Profit-sharing reversed"), "grey"),
}
CLAWBACK = {
    "not_needed": (N_("Not needed"), "grey"),
    "due": (N_("Due"), "orange"),
    "needs_login": (N_("Needs user login"), "orange"),
    "partly": (N_("Partly recovered"), "blue"),
    "recovered": (N_("Recovered"), "green"),
    "spent": (N_("Unrecoverable (spent)"), "red"),
}


def lang() -> str:
    return "en" if tr("Users") == "Users" else "zh_CN"


def fen(value: int | None) -> str:
    return "—" if value is None else format_fen(value)


def coins(value: int | None) -> str:
    return "—" if value is None else format_coins(value, lang())


def coins_value(value: int, rate: int) -> str:
    return format_coins_with_value(value, rate, lang())


def when(seconds: int | float | None) -> str:
    if not seconds:
        return "—"
    return datetime.fromtimestamp(seconds, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def relative(seconds: int | float | None, now: float | None = None) -> str:
    if not seconds:
        return "—"
    delta = int((now or time.time()) - seconds)
    english = lang() == "en"
    for unit, size, zh in (("d", 86400, "天前"), ("h", 3600, "小时前"), ("min", 60, "分钟前")):
        if abs(delta) >= size:
            n = delta // size
            return f"{n} {unit} ago" if english else f"{n} {zh}"
    return "just now" if english else "刚刚"


def elide(text: str, keep: int = 6) -> str:
    return text if len(text) <= keep * 2 + 1 else f"{text[:keep]}…{text[-5:]}"


def status_text(code: int) -> tuple[str, str]:
    label, colour = STATUS.get(code, (f"Status {code}", "grey"))
    return tr(label), colour
