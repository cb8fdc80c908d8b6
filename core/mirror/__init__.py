"""The local order mirror: SQLite through sqlite-utils, the one place in XPay Desk that talks SQL."""

from core.mirror.db import Mirror

__all__ = ["Mirror"]
