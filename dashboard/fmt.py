"""Display formats of the UI guide: ¥1,234.56, 1,200 代币, Asia/Shanghai times, middle-elided ids."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from core.money import format_coins, format_coins_with_value, format_fen
from dashboard.i18n import tr

SHANGHAI = ZoneInfo("Asia/Shanghai")
__all__ = [
    "clawback_text",
    "coins",
    "coins_value",
    "elide",
    "fen",
    "relative",
    "status_text",
    "when",
]

# the badge colours of the guide; the words come from core.vocabulary (one place for both)
STATUS_COLOURS = {
    0: "grey",
    1: "grey",
    2: "orange",
    3: "orange",
    4: "green",
    5: "blue",
    6: "grey",
    7: "red",
    8: "blue",
    9: "grey",
    10: "grey",
}
CLAWBACK_COLOURS = {
    "not_needed": "grey",
    "due": "orange",
    "needs_login": "orange",
    "partly": "blue",
    "recovered": "green",
    "spent": "red",
}


def lang() -> str:
    return "en" if tr("Users") == "Users" else "zh_CN"


def two(zh: str, en: str) -> str:
    """A pair core gives (message_zh, message_en), both as the guide asks for error banners,
    the operator's language first."""
    return f"{en}\n{zh}" if lang() == "en" else f"{zh}\n{en}"


def own_language(text: str) -> str:
    """A message core wrote as "中文 / English" (or on two lines): the operator's half (a text
    without the separator is shown as it is)."""
    lines = text.split("\n")
    if len(lines) == 2:
        zh, sep, en = lines[0], "\n", lines[1]
    else:
        zh, sep, en = text.partition(" / ")
    if not sep or not zh.strip() or not en.strip():
        return text
    return en.strip() if lang() == "en" else zh.strip()


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
    from core.vocabulary import word

    return word("order_status", code, lang()), STATUS_COLOURS.get(code, "grey")


def clawback_text(state: str) -> tuple[str, str]:
    from core.vocabulary import word

    return word("clawback", state, lang()), CLAWBACK_COLOURS.get(state, "grey")
