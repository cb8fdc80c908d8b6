"""Benchmark data from the simulator's generator, streamed: never a million rows in memory."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.mirror.db import Mirror
from core.mirror.records import ORDER_COLUMNS
from core.simulator.demo import iter_orders

START = 1_767_196_800  # 2026-01-01 00:00 Asia/Shanghai
DAYS = 90
END = START + DAYS * 86400
USERS = 20_000


def openids() -> list[str]:
    return [f"oBench{n:022d}" for n in range(USERS)]


def order_rows(count: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Mirror order rows (all of ORDER_COLUMNS) for `count` paid orders."""
    for row in iter_orders(
        seed=seed, count=count, openids=openids(), start=START, end=END, env=0, refund_rate=0.0
    ):
        yield {
            "order_id": row["order_id"],
            "wx_order_id": row["wx_order_id"],
            "openid": row["openid"],
            "kind": row["kind"],
            "product_id": row["product_id"],
            "quantity": row["quantity"],
            "order_fee": row["order_fee"],
            "paid_fee": row["paid_fee"],
            "left_fee": row["left_fee"],
            "status": row["status"],
            "env": 0,
            "create_time": row["create_time"],
            "paid_time": row["paid_time"],
            "provide_time": row["provide_time"],
            "source": "bench",
            "refreshed_at": 0,
            "raw": row["biz_meta"],
            "channel_order_id": row["channel_order_id"],
            "wxpay_order_id": row["wxpay_order_id"],
            "sett_state": row["sett_state"],
            "sett_time": row["sett_time"],
            "platform_fee_fen": row["platform_fee_fen"],
            "cps_fee_fen": 0,
            "update_time": row["update_time"],
            "biz_meta": row["biz_meta"],
        }


def bare_insert(path: Path, count: int) -> None:
    """The baseline: sqlite3.executemany of the same rows into the same schema, one transaction."""
    Mirror(path).close()  # the same schema and indexes
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = (
        f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES "
        f"({', '.join('?' * len(ORDER_COLUMNS))})"
    )
    conn.execute("BEGIN")
    conn.executemany(sql, (tuple(r[c] for c in ORDER_COLUMNS) for r in order_rows(count)))
    conn.execute("COMMIT")
    conn.close()


def fill_ledger_and_refunds(path: Path, count: int) -> None:
    """1M ledger rows (gifts, deductions, clawbacks), refunds for 3% of the orders, and the pushes
    of a fifth of the orders and of every refund."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    if conn.execute("SELECT 1 FROM ledger WHERE reason = 'bench' LIMIT 1").fetchone():
        conn.close()  # filled by an earlier run on this database (`--one queries` twice)
        return
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO ledger (kind, order_id, openid, amount, operator, reason, created_at, "
        "status, refund_order_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'done', ?)",
        (
            (
                ("gift", "deduct", "clawback")[n % 3],
                f"L{n:09d}",
                f"oBench{n % USERS:022d}",
                1 + n % 500,
                f"op{n % 7}",
                "bench",
                START + (n * 7) % (END - START),
                f"R{n:09d}" if n % 3 == 2 else None,
            )
            for n in range(count)
        ),
    )
    conn.executemany(
        "INSERT INTO refunds (refund_order_id, order_id, openid, refund_fee, status, started_at,"
        " finished_at, source) SELECT 'R' || substr(order_id, 4), order_id, openid, paid_fee, "
        "'refunded', paid_time + 3600, paid_time + 3700, 'bench' FROM orders WHERE "
        "rowid % 33 = 0",
        [()],
    )
    # pushes as WeChat sends them: a payment push for every fifth order (no refund id: '') and
    # a refund push for every refund; an order's detail reads only its own
    conn.execute(
        "INSERT INTO pushes (dedupe_key, event, openid, order_id, verdict, create_time, "
        "received_at) SELECT 'pay:' || order_id, CASE kind WHEN 'coin' THEN "
        "'xpay_coin_pay_notify' ELSE 'xpay_goods_deliver_notify' END, openid, order_id, "
        "'accept', paid_time, paid_time + 8 FROM orders WHERE rowid % 5 = 0"
    )
    conn.execute(
        "INSERT INTO pushes (dedupe_key, event, openid, order_id, refund_order_id, verdict, "
        "create_time, received_at) SELECT 'refund:' || refund_order_id, 'xpay_refund_notify', "
        "openid, order_id, refund_order_id, 'accept', finished_at, finished_at + 8 FROM refunds"
    )
    conn.execute("COMMIT")
    conn.close()


def write_vk_export(path: Path, count: int, *, seed: int = 11) -> None:
    with path.open("w", encoding="utf-8") as out:
        for r in order_rows(count, seed=seed):
            out.write(
                json.dumps(
                    {
                        "out_trade_no": r["order_id"],
                        "pay_type": "wxpay-virtual",
                        "status": 1,
                        "openid": r["openid"],
                        "total_fee": r["paid_fee"],
                        "_add_time": r["create_time"] * 1000,
                        "pay_date": r["paid_time"] * 1000,
                        "wxpay_virtual": {
                            "mode": "short_series_coin"
                            if r["kind"] == "coin"
                            else "short_series_goods",
                            "buy_quantity": r["quantity"],
                            "product_id": r["product_id"],
                        },
                    }
                )
                + "\n"
            )
