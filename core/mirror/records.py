"""Writing orders, refunds, ledger rows, balances and pushes into the mirror, idempotently.

An upsert only touches the columns its source knows and only counts a row as updated when a
value really changed, so importing the same file twice reports every row as unchanged.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from core.beijing import beijing_today
from core.mirror.db import Mirror
from core.mirror.schema import COUNTED_TABLES
from core.models import Balance, Order
from core.store.dialect import Dialect

ORDER_COLUMNS = (
    "order_id",
    "wx_order_id",
    "openid",
    "kind",
    "product_id",
    "quantity",
    "order_fee",
    "paid_fee",
    "left_fee",
    "status",
    "env",
    "create_time",
    "paid_time",
    "provide_time",
    "source",
    "refreshed_at",
    "raw",
    "channel_order_id",
    "wxpay_order_id",
    "sett_state",
    "sett_time",
    "platform_fee_fen",
    "cps_fee_fen",
    "update_time",
    "biz_meta",
)
REFUND_COLUMNS = (
    "refund_order_id",
    "order_id",
    "openid",
    "refund_fee",
    "refund_reason",
    "req_from",
    "refund_wx_order_id",
    "status",
    "started_at",
    "finished_at",
    "operator",
    "source",
    "raw",
)
# columns whose change alone is not news: when a row was fetched, and from where
BOOKKEEPING = frozenset({"refreshed_at", "source", "raw"})

REFUND_STATUSES = ("started", "refunding", "refunded", "failed")


@dataclass
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def on_conflict_update(
    dialect: Dialect, table: str, key: Sequence[str], columns: Sequence[str]
) -> str:
    """The `ON CONFLICT … DO UPDATE` clause of an upsert: it sets every non-key column, but only
    when a value other than BOOKKEEPING really changed (so the row counts as unchanged)."""
    changing = [c for c in columns if c not in key]
    compared = [c for c in changing if c not in BOOKKEEPING] or changing
    sets = ", ".join(f"{c} = excluded.{c}" for c in changing)
    ours = ", ".join(f"{table}.{c}" for c in compared)
    theirs = ", ".join(f"excluded.{c}" for c in compared)
    return (
        f"ON CONFLICT({', '.join(key)}) DO UPDATE SET {sets} WHERE {dialect.differs(ours, theirs)}"
    )


@cache
def _upsert_sql(dialect: Dialect, table: str, key: str, columns: tuple[str, ...]) -> str:
    values = ", ".join("?" * len(columns))
    update = on_conflict_update(dialect, table, (key,), columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) {update}"


def upsert(
    mirror: Mirror, table: str, key: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> UpsertCounts:
    """executemany in the caller's transaction; counts from COUNT(*) and total_changes, which
    costs nothing per row."""
    conn: sqlite3.Connection = mirror.conn
    before_rows = row_count(mirror, table)
    before_changes = conn.total_changes
    batch = list(rows) if not isinstance(rows, list) else rows
    conn.executemany(_upsert_sql(mirror.dialect, table, key, tuple(columns)), batch)
    added = row_count(mirror, table) - before_rows
    changed = conn.total_changes - before_changes
    if table in COUNTED_TABLES and mirror.dialect.triggers_count_as_changes:
        changed -= added  # total_changes also counts each trigger's update of row_counts
    return UpsertCounts(added=added, updated=changed - added, unchanged=len(batch) - changed)


def row_count(mirror: Mirror, table: str) -> int:
    """From the trigger-kept counter where there is one, else COUNT(*)."""
    if table in COUNTED_TABLES:
        found = mirror.conn.execute("SELECT n FROM row_counts WHERE tbl = ?", (table,)).fetchone()
        return int(found[0])
    return int(mirror.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def upsert_orders(mirror: Mirror, rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    """Rows must all have the same keys (one source)."""
    items = list(rows)
    if not items:
        return UpsertCounts()
    columns = tuple(c for c in ORDER_COLUMNS if c in items[0])
    return upsert(
        mirror, "orders", "order_id", columns, [tuple(r[c] for c in columns) for r in items]
    )


def upsert_refunds(mirror: Mirror, rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    items = list(rows)
    if not items:
        return UpsertCounts()
    columns = tuple(c for c in REFUND_COLUMNS if c in items[0])
    return upsert(
        mirror, "refunds", "refund_order_id", columns, [tuple(r[c] for c in columns) for r in items]
    )


def order_from_query(order: Order, *, openid: str, now: int) -> dict[str, Any]:
    """What query_order tells us about a cash order (kind, product and quantity it does not)."""
    return {
        "order_id": order.order_id,
        "wx_order_id": order.wx_order_id,
        "openid": openid,
        "order_fee": order.order_fee,
        "paid_fee": order.paid_fee,
        "left_fee": order.left_fee,
        "status": order.status,
        "env": 1 if order.env_type == 2 else 0,
        "create_time": order.create_time,
        "paid_time": order.paid_time,
        "provide_time": order.provide_time,
        "source": "query_order",
        "refreshed_at": now,
        "raw": json.dumps(order.to_dict(), ensure_ascii=False, sort_keys=True),
        "channel_order_id": order.channel_order_id,
        "wxpay_order_id": order.wxpay_order_id,
        "sett_state": order.sett_state,
        "sett_time": order.sett_time,
        "platform_fee_fen": order.platform_fee_fen,
        "cps_fee_fen": order.cps_fee_fen,
        "update_time": order.update_time,
        "biz_meta": order.biz_meta,
    }


def refund_status_from_order(status: int) -> str:
    """A refund order's query_order status: 5 and 8 are refunded, 7 failed (reference §2.2.1,
    uncertain which of 5/8), anything else still running."""
    if status in (5, 8):
        return "refunded"
    if status == 7:
        return "failed"
    return "refunding"


def save_balance(mirror: Mirror, openid: str, env: int, balance: Balance) -> None:
    with mirror.transaction() as conn:
        conn.execute(
            "INSERT INTO balances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(openid, env) "
            "DO UPDATE SET balance = excluded.balance, present_balance = excluded.present_balance,"
            " sum_save = excluded.sum_save, sum_present = excluded.sum_present, sum_balance = "
            "excluded.sum_balance, sum_cost = excluded.sum_cost, first_save_flag = "
            "excluded.first_save_flag, refreshed_at = excluded.refreshed_at",
            (
                openid,
                env,
                balance.balance,
                balance.present_balance,
                balance.sum_save,
                balance.sum_present,
                balance.sum_balance,
                balance.sum_cost,
                int(balance.first_save_flag),
                mirror.now(),
            ),
        )


def order_row(mirror: Mirror, order_id: str) -> dict[str, Any] | None:
    row = mirror.one("SELECT * FROM orders WHERE order_id = ?", order_id)
    return None if row is None else dict(row)


def refund_row(mirror: Mirror, refund_order_id: str) -> dict[str, Any] | None:
    row = mirror.one("SELECT * FROM refunds WHERE refund_order_id = ?", refund_order_id)
    return None if row is None else dict(row)


# ---- the days WeChat's imported bills cover -----------------------------------------------------

_BILL_NAME = re.compile(r"(?<!\d)(20\d{6})(?:[_-](20\d{6}))?(?!\d)")


def bill_days_from_name(name: str) -> list[date]:
    """The days a bill's file name states (`bill_20261101_20261126.csv.gz`, as download_bill's
    file is named; `bill_20261127.csv`), or none when it names no day."""
    found = _BILL_NAME.search(name)
    if found is None:
        return []
    try:
        first = datetime.strptime(found.group(1), "%Y%m%d").date()
        last = datetime.strptime(found.group(2) or found.group(1), "%Y%m%d").date()
    except ValueError:
        return []
    if last < first or (last - first).days > 400:
        return []
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def record_statement_days(mirror: Mirror, days: Iterable[date], *, source: str) -> list[date]:
    """Marks days as covered by WeChat's statement, all but those not over yet in Beijing: the
    bill of an unfinished day is incomplete (WeChat serves a day's bill once it has ended). Runs
    inside the import's transaction. Returns the days recorded."""
    today = beijing_today(mirror.now())
    done = sorted({d for d in days if d < today})
    mirror.conn.executemany(
        "INSERT INTO statement_days (day, source, imported_at) VALUES (?, ?, ?) ON CONFLICT(day) "
        "DO UPDATE SET source = excluded.source, imported_at = excluded.imported_at",
        [(d.isoformat(), source, mirror.now()) for d in done],
    )
    return done
