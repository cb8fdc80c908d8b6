"""WeChat's day is Beijing's day, on every computer.

Bills, exports, complaints, daily limits and reconciliation periods are Asia/Shanghai calendar
days, whatever the zone of the computer the desk runs on. Everything that means "today" or "that
day" goes through these helpers; nothing reads the local zone (`date.today()`, `time.localtime`,
`date.fromtimestamp`, `QDate.currentDate()`).

The zone comes from the system database, or from the `tzdata` package where there is none
(Windows, and the frozen app): `tzdata` is a declared dependency.
"""

from __future__ import annotations

import time as _time
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now(now: float | None = None) -> datetime:
    """The aware Beijing wall clock at unix time `now` (default: the computer's clock)."""
    return datetime.fromtimestamp(_time.time() if now is None else now, BEIJING)


def beijing_today(now: float | None = None) -> date:
    """Today's date in Beijing at unix time `now` (default: the computer's clock)."""
    return beijing_now(now).date()


def beijing_day_bounds(day: date) -> tuple[int, int]:
    """A Beijing calendar day as unix seconds [start, end): 00:00 of `day` to 00:00 of the next."""
    start = datetime.combine(day, time.min, BEIJING)
    end = datetime.combine(day + timedelta(days=1), time.min, BEIJING)
    return int(start.timestamp()), int(end.timestamp())


def beijing_day_of(seconds: float) -> date:
    """The Beijing calendar day a unix time falls on."""
    return beijing_now(seconds).date()


def yyyymmdd(day: date) -> int:
    """WeChat's day format (begin_ds, end_ds, ids): 20261127."""
    return day.year * 10000 + day.month * 100 + day.day
