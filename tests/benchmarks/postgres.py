"""The PostgreSQL column: the same reads, report and import on a PostgreSQL cluster started for
the run (tests/pg_cluster.py, fsync ON: a durable cluster, unlike the test suite's), on the same
data as the SQLite rows (the million-order mirror of the `mirror` and `queries` benchmarks,
copied with `mirror copy`'s code)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# a bare COPY of the same vk-pay rows into the same table (its indexes and trigger included):
# parse each line, map the few columns, COPY; no checks, no staging, no merge
BARE_COPY = r"""
import json, sys, psycopg
cols = ("order_id", "openid", "kind", "product_id", "quantity", "order_fee", "paid_fee",
        "left_fee", "status", "create_time", "paid_time", "source")
with psycopg.connect(sys.argv[2]) as conn, conn.cursor() as cur:
    with cur.copy(f"COPY orders ({', '.join(cols)}) FROM STDIN") as copy:
        for line in open(sys.argv[1], encoding="utf-8"):
            d = json.loads(line)
            w = d["wxpay_virtual"]
            coin = w["mode"] == "short_series_coin"
            copy.write_row((d["out_trade_no"], d["openid"], "coin" if coin else "item",
                            w["product_id"], w["buy_quantity"], d["total_fee"], d["total_fee"],
                            d["total_fee"], 2, d["_add_time"] // 1000, d["pay_date"] // 1000,
                            "vk-pay"))
"""

PROFILE = """default_profile = "bench"

[profiles.bench]
appid = "wx0123456789abcdef"
env = "production"
db = "{db}"
"""


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    return time.perf_counter() - started


def _ms(fn: Any, count: int) -> list[float]:
    out = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_postgres(work: Path) -> list[dict[str, Any]]:
    from datetime import date

    from core.mirror.copy import copy_mirror
    from core.mirror.db import Mirror
    from core.mirror.queries import OrderFilter, OrderPager, OrderSort, search, timeline
    from core.reconcile import Period, Reconciliation
    from tests.benchmarks.benches import N_ORDERS, pct, row
    from tests.benchmarks.data import openids, write_vk_export
    from tests.pg_cluster import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return [row("PostgreSQL: not installed (apt-get install postgresql)", 0.0, "")]
    cluster = Cluster(bindir, durable=True)
    cluster.start()
    out: list[dict[str, Any]] = []
    try:
        # the import: the operator's CLI into an empty PostgreSQL mirror, against a bare COPY
        export = work / "vk-a.jsonl"
        if not export.exists():
            write_vk_export(export, N_ORDERS)
        bare_db, ours_db = cluster.new_database(), cluster.new_database()
        Mirror(bare_db).close()  # the same table, migrated
        bare = _timed([sys.executable, "-c", BARE_COPY, str(export), bare_db])
        profile = work / "pg-profiles.toml"
        profile.write_text(PROFILE.format(db=ours_db), encoding="utf-8")
        entry = Path(sys.executable).with_name("xpaydesk-cli")
        ours = _timed([str(entry), "--config", str(profile), "import", "orders", str(export)])
        out.append(
            row(
                f"PostgreSQL: import {N_ORDERS:,} vk-pay orders into an empty mirror "
                "(whole CLI process)",
                N_ORDERS / ours,
                "rows/s",
                baseline=N_ORDERS / bare,
                target=">= 0.5 x bare COPY",
                ok=bare / ours >= 0.5,
            )
        )
        out.append(
            row("  bare COPY of the same rows into the same table", N_ORDERS / bare, "rows/s")
        )

        # the million-order mirror of the SQLite rows, copied (mirror copy's code: COPY)
        source = Mirror(work / "mirror.sqlite")
        target = Mirror(cluster.new_database())
        t = time.perf_counter()
        report = copy_mirror(source, target)
        seconds = time.perf_counter() - t
        target.optimize()
        copied = sum(report.rows.values())
        out.append(row(f"PostgreSQL: mirror copy of {copied:,} rows (all tables)", seconds, "s"))
        ids = [
            r[0] for r in source.conn.execute("SELECT order_id FROM orders WHERE rowid % 997 = 0")
        ]
        source.close()

        rng = random.Random(3)
        users = openids()
        timings = _ms(lambda: timeline(target, rng.choice(users), limit=200), 500)
        searches = _ms(lambda: search(target, rng.choice(ids)), 500)
        out += [
            row("PostgreSQL: timeline p50", pct(timings, 0.5), "ms"),
            row(
                "PostgreSQL: timeline p99",
                pct(timings, 0.99),
                "ms",
                target="< 5 ms",
                ok=pct(timings, 0.99) < 5,
            ),
            row(
                "PostgreSQL: id search p99",
                pct(searches, 0.99),
                "ms",
                target="< 5 ms",
                ok=pct(searches, 0.99) < 5,
            ),
        ]
        pager = OrderPager(target, OrderFilter(), OrderSort("create_time", True))
        total = pager.total
        pager.rows(5000, 200)
        for start in (10, 500_000, 999_800):
            if start >= total:
                continue
            median = statistics.median(_ms(lambda s=start: pager.rows(s, 200), 20))
            out.append(
                row(
                    f"PostgreSQL: page of 200 at row {start:,}",
                    median,
                    "ms",
                    target="< 10 ms",
                    ok=median < 10,
                )
            )
        period = Period(date(2026, 2, 1), date(2026, 2, 28))
        t = time.perf_counter()
        summary, _tables = Reconciliation(target, period, now=1_780_000_000).overview()
        seconds = time.perf_counter() - t
        out.append(
            row(
                f"PostgreSQL: reconciliation report, one month ({summary['orders']:,} orders)",
                seconds,
                "s",
                target="< 3 s",
                ok=seconds < 3,
            )
        )
        target.close()
    finally:
        cluster.stop()
    return out
