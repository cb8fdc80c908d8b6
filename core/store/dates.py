"""Beijing's calendar day (YYYY-MM-DD) of a unix time column, in SQL. China keeps no daylight
saving, so SQLite adds eight hours; PostgreSQL asks its zone database."""

from __future__ import annotations


def sqlite_beijing_day(column: str) -> str:
    return f"date({column}, 'unixepoch', '+8 hours')"


def postgres_beijing_day(column: str) -> str:
    return f"to_char(to_timestamp({column}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
