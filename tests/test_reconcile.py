from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from core.cli import main
from core.mirror.db import Mirror
from core.mirror.records import upsert_orders, upsert_refunds
from core.reconcile import Period, Reconciliation, export_csv, export_xlsx
from core.reconcile.reports import SHANGHAI
from core.simulator.demo import iter_orders

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def ts(day: int, hour: int = 12) -> int:
    return int(datetime(2026, 11, day, hour, tzinfo=SHANGHAI).timestamp())


def order(
    order_id, *, paid_fee=600, quantity=600, kind="coin", status=4, day=2, left=None, hour=12
):
    return {
        "order_id": order_id,
        "openid": f"o{order_id}user0000000000000",
        "kind": kind,
        "product_id": "coin",
        "quantity": quantity,
        "order_fee": paid_fee,
        "paid_fee": paid_fee,
        "left_fee": paid_fee if left is None else left,
        "status": status,
        "env": 0,
        "create_time": ts(day, hour) - 60,
        "paid_time": ts(day, hour),
        "provide_time": ts(day, hour),
        "source": "test",
        "refreshed_at": 0,
        "raw": "{}",
    }


def refund(refund_id, order_id, fee, *, day, hour=12):
    return {
        "refund_order_id": refund_id,
        "order_id": order_id,
        "openid": f"o{order_id}user0000000000000",
        "refund_fee": fee,
        "status": "refunded",
        "started_at": ts(day, hour) - 60,
        "finished_at": ts(day, hour),
        "operator": "alice",
        "source": "test",
    }


def statement(conn, line_type, id_, amount, *, day, order_id=""):
    conn.execute(
        "INSERT INTO statement_lines (line_type, id, order_id, amount, at, source) "
        "VALUES (?, ?, ?, ?, ?, 'bill.csv')",
        (line_type, id_, order_id or id_, amount, ts(day)),
    )
    cover(conn, date(2026, 11, day))


def cover(conn, *days):
    """What importing a bill of those days records."""
    conn.executemany(
        "INSERT INTO statement_days (day, source) VALUES (?, 'bill.csv') ON CONFLICT DO NOTHING",
        [(d.isoformat(),) for d in days],
    )


@pytest.fixture
def known(make_mirror):
    """A month with exactly one of each discrepancy and two refunds of coin top-ups, on each
    store."""
    return fill_known(make_mirror())


@pytest.fixture
def known_sqlite():
    with Mirror() as m:
        yield fill_known(m)


def fill_known(m: Mirror) -> Mirror:
    with m.transaction() as conn:
        upsert_orders(
            m,
            [
                order("O1", left=300),
                order("O2", paid_fee=1200, quantity=1500, left=0, status=5),
                order("O4", kind="item", status=2, day=5),
                order("O5", status=1, paid_fee=0, day=6),
            ],
        )
        upsert_refunds(
            m,
            [
                refund("R1", "O1", 300, day=10),
                refund("R2", "O2", 1200, day=11),
                refund("R4", "O1", 1, day=12),
                refund("R5", "O1", 5, day=13),
            ],
        )
        statement(conn, "payment", "O1", 600, day=2)
        statement(conn, "payment", "O2", 1100, day=2)  # amounts differ
        statement(conn, "payment", "O3", 990, day=3)  # missing here
        statement(conn, "payment", "O5", 600, day=6)  # unpaid here
        statement(conn, "refund", "R1", 300, day=10, order_id="O1")
        statement(conn, "refund", "R2", 1200, day=11, order_id="O2")
        statement(conn, "refund", "R3", 100, day=12, order_id="O1")  # not here
        statement(conn, "refund", "R5", 50, day=13, order_id="O1")  # amounts differ
        conn.execute(
            "INSERT INTO ledger (kind, order_id, openid, amount, refund_order_id, "
            "operator, reason, created_at, status) VALUES ('clawback', 'K1', "
            "'oO1user0000000000000', 300, 'R1', 'alice', 'clawback', ?, 'done')",
            (ts(10),),
        )
        conn.execute(
            "INSERT INTO ledger (kind, order_id, openid, amount, operator, reason, "
            "created_at, status) VALUES ('gift', 'G1', 'oO1user0000000000000', 50, "
            "'bob', '', ?, 'done')",
            (ts(14),),
        )
        conn.execute(
            "INSERT INTO intents (action, request_key, wechat_id, openid, target, amount,"
            " state, operator, reason, created_at, updated_at) VALUES ('clawback', 'k2', "
            "'K2', 'oO2user0000000000000', 'R2', 1500, 'needs_login', 'alice', 'r', ?, ?)",
            (ts(11), ts(11)),
        )
        conn.execute(
            "INSERT INTO intents (action, request_key, wechat_id, openid, target, amount,"
            " state, operator, reason, created_at, updated_at) VALUES ('gift', 'k3', "
            "'G2', 'oX', 'oX', 5, 'unknown', 'bob', 'r', ?, ?)",
            (ts(15), ts(15)),
        )
    return m


def test_three_way_match_finds_exactly_the_known_discrepancies(known):
    report = Reconciliation(known, NOV, now=ts(30))
    found = sorted(
        (r["check"], r["id"], r["wechat_amount"], r["mirror_amount"], r["mirror_coins"])
        for r in report.discrepancy_rows()
    )
    assert found == sorted(
        [
            ("missed_payment", "O3", 990, None, None),
            ("missed_payment", "O5", 600, 0, None),
            ("payment_amount", "O2", 1100, 1200, None),
            ("not_delivered", "O4", None, 600, None),
            ("refund_missing_here", "R3", 100, None, None),
            ("refund_amount", "R5", 50, 5, None),
            ("refund_missing_at_wechat", "R4", None, 1, None),
            # a gift's amount is coins: never in the yuan column (QA T2 15)
            ("ledger_unattributed", "G1", None, None, 50),
            ("operation_open", "G2", None, None, 5),
        ]
    )


def test_refunds_against_clawbacks(known):
    rows = {r["refund_order_id"]: r for r in Reconciliation(known, NOV, now=ts(30)).clawback_rows()}
    assert set(rows) == {"R1", "R2", "R4", "R5"}
    r1, r2 = rows["R1"], rows["R2"]
    assert (r1["coins_due"], r1["clawed_back"], r1["outstanding"], r1["reason"]) == (
        300,
        300,
        0,
        "clawed_back",
    )
    assert (r2["coins_granted"], r2["coins_due"], r2["outstanding"], r2["reason"]) == (
        1500,
        1500,
        1500,
        "needs_login",
    )
    assert r2["age_days"] == 19  # Nov 11 noon to Nov 30 noon
    assert (rows["R4"]["coins_due"], rows["R4"]["reason"]) == (1, "never_attempted")


def test_summary_totals_and_daily(known):
    report = Reconciliation(known, NOV, now=ts(30))
    summary = report.summary()
    assert (summary["orders"], summary["gross_paid"]) == (3, 600 + 1200 + 600)
    assert (summary["refunds"], summary["refunded"]) == (4, 300 + 1200 + 1 + 5)
    assert (summary["discrepancies"], summary["clawbacks_open"]) == (9, 3)
    assert summary["coins_outstanding"] == 1500 + 1 + 5
    days = {d["day"]: d for d in report.daily_rows()}
    assert days["2026-11-02"]["gross_paid"] == 1800 and days["2026-11-02"]["coins_sold"] == 2100
    assert days["2026-11-10"]["coins_clawed_back"] == 300
    assert days["2026-11-11"]["refunded"] == 1200
    assert sum(d["net"] for d in days.values()) == 2400 - 1506
    assert [r["operator"] for r in report.operator_rows() if r["kind"] != "refund"] == [
        "alice",
        "bob",
    ]
    assert [r["order_id"] for r in report.order_rows("2026-11-02")] == ["O1", "O2"]


def test_empty_period_is_clean(make_mirror):
    with make_mirror() as m:
        report = Reconciliation(m, NOV)
        assert report.summary()["open_items"] == 0
        assert all(list(s.rows()) == [] for s in report.sections() if s.name != "not_covered")
        assert report.summary()["days_not_covered"] == 30  # no bill at all


def test_generator_month_matches_when_everything_agrees(make_mirror):
    m = make_mirror()
    start, end = ts(1, 0), ts(30, 23)
    openids = [f"oGen{n:024d}" for n in range(50)]
    orders, refunds = [], []
    for row in iter_orders(seed=3, count=3000, openids=openids, start=start, end=end, env=0):
        if row["order_type"] == 0:
            orders.append(
                {
                    k: row[k]
                    for k in (
                        "order_id",
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
                    )
                }
                | {"source": "gen"}
            )
        else:
            refunds.append(
                {
                    "refund_order_id": row["order_id"],
                    "order_id": row["pay_order_id"],
                    "openid": row["openid"],
                    "refund_fee": row["refund_fee"],
                    "status": "refunded",
                    "started_at": row["create_time"],
                    "finished_at": row["paid_time"],
                    "source": "gen",
                }
            )
    with m.transaction() as conn:
        upsert_orders(m, orders)
        upsert_refunds(m, refunds)
        conn.executemany(
            "INSERT INTO statement_lines (line_type, id, order_id, amount, at, "
            "source) VALUES ('payment', ?, ?, ?, ?, 'gen')",
            [(o["order_id"], o["order_id"], o["paid_fee"], o["paid_time"]) for o in orders],
        )
        conn.executemany(
            "INSERT INTO statement_lines (line_type, id, order_id, amount, at, "
            "source) VALUES ('refund', ?, ?, ?, ?, 'gen')",
            [
                (r["refund_order_id"], r["order_id"], r["refund_fee"], r["finished_at"])
                for r in refunds
            ],
        )
        cover(conn, *(date(2026, 11, d) for d in range(1, 31)))
    report = Reconciliation(m, NOV, now=end)
    assert list(report.discrepancy_rows()) == []
    claw = list(report.clawback_rows())
    coin_refunds = [
        r
        for r in refunds
        if next(o for o in orders if o["order_id"] == r["order_id"])["kind"] == "coin"
        and NOV.since <= r["finished_at"] < NOV.until
    ]
    assert len(claw) == len(coin_refunds) > 30
    assert all(
        r["reason"] == "never_attempted" and r["outstanding"] == r["coins_due"] for r in claw
    )
    # two injected problems are found, and only those
    rng = random.Random(1)
    victim = rng.choice(orders)
    m.conn.execute("DELETE FROM orders WHERE order_id = ?", (victim["order_id"],))
    m.conn.execute(
        "UPDATE statement_lines SET amount = amount + 1 WHERE id = ?",
        (refunds[0]["refund_order_id"],),
    )
    checks = sorted(
        (r["check"], r["id"]) for r in Reconciliation(m, NOV, now=end).discrepancy_rows()
    )
    assert checks == sorted(
        [("missed_payment", victim["order_id"]), ("refund_amount", refunds[0]["refund_order_id"])]
    )


def test_xlsx_export_has_sheets_types_and_totals(known, tmp_path):
    report = Reconciliation(known, NOV, now=ts(30))
    path = export_xlsx(report, tmp_path / "nov.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "汇总 Summary",
        "退款与回收",
        "对账差异",
        "每日汇总",
        "操作员",
        "账单未覆盖的日期",
        "明细-订单",
        "明细-退款",
        "明细-代币",
    ]
    daily = book["每日汇总"]
    assert daily.freeze_panes == "A2"
    header = [c.value for c in daily[1]]
    gross = header.index("实收（元）") + 1
    first = daily.cell(row=2, column=gross)
    assert isinstance(first.value, (int, float, Decimal)) and "¥" in first.number_format
    assert isinstance(daily.cell(row=2, column=1).value, datetime)
    total = sum(
        Decimal(str(daily.cell(row=r, column=gross).value)) for r in range(2, daily.max_row + 1)
    )
    assert total == Decimal("24.00")
    orders = book["明细-订单"]
    assert orders.max_row - 1 == 3  # the drill-down rows behind "orders: 3"
    assert book["退款与回收"].column_dimensions["A"].width >= 14


def test_xlsx_export_in_english_has_valid_sheet_names(known, tmp_path):
    path = export_xlsx(Reconciliation(known, NOV, now=ts(30)), tmp_path / "en.xlsx", lang="en")
    names = openpyxl.load_workbook(path).sheetnames
    assert "Detail - orders" in names and all(len(n) <= 31 and ":" not in n for n in names)


def test_csv_export_round_trips_with_bom(known, tmp_path):
    paths = export_csv(Reconciliation(known, NOV, now=ts(30)), tmp_path / "nov.csv", lang="en")
    daily = next(p for p in paths if p.name == "nov-daily.csv")
    assert daily.read_bytes().startswith(b"\xef\xbb\xbf")
    with daily.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["day"] == "2026-11-02" and rows[0]["gross paid (yuan)"] == "18.00"
    claw = next(p for p in paths if p.name == "nov-clawbacks.csv")
    with claw.open(encoding="utf-8-sig", newline="") as handle:
        states = {r["refund order id"]: r["state"] for r in csv.DictReader(handle)}
    assert states["R2"] == "Needs user login"


def test_cli_reconcile_exit_codes_and_formats(known_sqlite, tmp_path, capsys):
    known = known_sqlite
    db = tmp_path / "m.sqlite"
    clean = Mirror(db)
    clean.close()
    config = tmp_path / "p.toml"
    config.write_text(
        f'[profiles.f]\nappid = "wx0123456789abcdef"\nenv = "production"\ndb = "{db}"\n',
        encoding="utf-8",
    )
    assert (
        main(
            [
                "--json",
                "--config",
                str(config),
                "reconcile",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["summary"]["open_items"] == 0
    known.conn.execute(f"VACUUM INTO '{db}.2'")
    config.write_text(config.read_text().replace(str(db), f"{db}.2"), encoding="utf-8")
    code = main(
        [
            "--config",
            str(config),
            "reconcile",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 4 and len(data["sections"]["discrepancies"]) >= 8
    xlsx = tmp_path / "out.xlsx"
    assert (
        main(
            [
                "--config",
                str(config),
                "reconcile",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
                "--out",
                str(xlsx),
            ]
        )
        == 4
    )
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "汇总 Summary"
    assert (
        main(["--config", str(config), "reconcile", "--from", "2026-11-30", "--to", "2026-11-01"])
        == 2
    )


def test_openpyxl_writes_through_lxml():
    """lxml is a dependency only for this: without it openpyxl falls back to a pure-Python XML
    writer and XLSX exports take 1.5x as long."""
    import openpyxl.xml

    assert openpyxl.xml.LXML is True


# ---- bill coverage: refunds are compared only on the days an imported bill covers ----------


def write_bill(path, lines):
    """A WeChat-style bill (the simulator's columns): (time, order id, type, amount, pay order)."""
    header = "交易时间,商户订单号,交易类型,订单金额(元),退款金额(元),关联订单号\n"
    body = "".join(
        f"{when},{oid},{kind},{amount},{amount if kind == '退款' else '0.00'},{pay}\n"
        for when, oid, kind, amount, pay in lines
    )
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.fixture
def current_month(tmp_path):
    """Nov 28, 10:00 in Beijing; the bill was downloaded for Nov 1-26 (as WeChat gives it, up to
    a finished day) and imported. Refunds: R20 on the 20th (in the bill), X20 on the 20th (not in
    the bill: a real discrepancy), R27 yesterday and R28 today (no bill covers those days yet)."""
    from core.mirror.importing import import_bill

    m = Mirror(clock=lambda: ts(28, 10))
    upsert_orders(m, [order("O20", day=20), order("O27", day=27), order("O28", day=28, hour=9)])
    upsert_refunds(
        m,
        [
            refund("R20", "O20", 100, day=20),
            refund("X20", "O20", 200, day=20),
            refund("R27", "O27", 600, day=27),
            refund("R28", "O28", 600, day=28, hour=9),
        ],
    )
    bill = write_bill(
        tmp_path / "bill_20261101_20261126.csv",
        [
            ("2026-11-20 12:00:00", "O20", "代币充值", "6.00", ""),
            ("2026-11-20 12:00:00", "R20", "退款", "1.00", "O20"),
        ],
    )
    report = import_bill(m, bill)
    assert report.added == 2
    yield m
    m.close()


def test_refunds_after_the_bill_are_not_flagged(current_month):
    report = Reconciliation(current_month, NOV, now=ts(28, 10))
    flagged = [
        r["id"] for r in report.discrepancy_rows() if r["check"] == "refund_missing_at_wechat"
    ]
    assert flagged == ["X20"]


def test_the_report_says_which_days_no_bill_covers(current_month):
    report = Reconciliation(current_month, NOV, now=ts(28, 10))
    assert report.uncovered_days() == [date(2026, 11, d) for d in range(27, 31)]
    assert report.summary()["days_not_covered"] == 4
    assert "2026-11-27 – 2026-11-30" in report.coverage_note("zh_CN")
    assert "not covered" in report.coverage_note("en")
    assert [r["day"] for r in report.not_covered_rows()] == [f"2026-11-{d}" for d in range(27, 31)]


def test_a_bill_for_an_unfinished_day_does_not_cover_it(tmp_path):
    """WeChat's bill of a day is complete only once the day is over: a bill of today (as the
    simulator serves one) covers the days before it."""
    from core.mirror.importing import import_bill

    m = Mirror(clock=lambda: ts(28, 10))
    bill = write_bill(
        tmp_path / "bill.csv", [("2026-11-27 12:00:00", "O27", "代币充值", "6.00", "")]
    )
    bill_today = write_bill(
        tmp_path / "bill_20261128.csv", [("2026-11-28 09:00:00", "O28", "代币充值", "6.00", "")]
    )
    import_bill(m, bill)
    import_bill(m, bill_today)
    report = Reconciliation(m, Period(date(2026, 11, 26), date(2026, 11, 28)), now=ts(28, 10))
    assert report.uncovered_days() == [date(2026, 11, 26), date(2026, 11, 28)]


def test_cli_and_exports_name_the_days_not_covered(current_month, tmp_path, capsys):
    db = tmp_path / "m.sqlite"
    current_month.conn.execute(f"VACUUM INTO '{db}'")
    config = tmp_path / "p.toml"
    config.write_text(
        f'[profiles.f]\nappid = "wx0123456789abcdef"\nenv = "production"\ndb = "{db}"\n',
        encoding="utf-8",
    )
    args = ["--config", str(config), "reconcile", "--from", "2026-11-01", "--to", "2026-11-30"]
    main(args)
    text = capsys.readouterr().out
    assert "2026-11-27 – 2026-11-30" in text
    main(["--json", *args])
    data = json.loads(capsys.readouterr().out)
    assert data["not_covered"] == ["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"]
    main([*args, "--format", "json", "--out", str(tmp_path / "r.json")])
    exported = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert exported["not_covered"] == data["not_covered"]
    assert len(exported["sections"]["not_covered"]) == 4
    main([*args, "--out", str(tmp_path / "r.xlsx")])
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    summary = [[c.value for c in row] for row in book["汇总 Summary"].iter_rows()]
    assert any("2026-11-27 – 2026-11-30" in str(row[1]) for row in summary)
    main([*args, "--out", str(tmp_path / "r.csv")])
    assert (tmp_path / "r-not-covered.csv").read_text(encoding="utf-8-sig").count("2026-11-") == 4


def test_bills_imported_before_the_upgrade_cover_their_days(mirror_target):
    from core.mirror.schema import MIGRATIONS

    path = mirror_target
    before = next(n for n, sql in enumerate(MIGRATIONS) if "CREATE TABLE statement_days" in sql)
    with Mirror(path, migrations=MIGRATIONS[:before]) as old:
        old.conn.execute(
            "INSERT INTO statement_lines (line_type, id, amount, at, source) "
            "VALUES ('refund', 'R20', 100, ?, 'bill.csv')",
            (ts(20, 23),),  # 23:00 in Beijing: 15:00 UTC, the same day
        )
    with Mirror(path) as m:
        report = Reconciliation(m, Period(date(2026, 11, 19), date(2026, 11, 21)), now=ts(30))
        assert report.uncovered_days() == [date(2026, 11, 19), date(2026, 11, 21)]


# ---- the demo's past shows every kind of discrepancy ------------------------------------------


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory):
    from core.demo import start_demo

    # Nov 15, 10:00 in Beijing: the previous month is October
    world = start_demo(
        users=40, orders=2000, folder=tmp_path_factory.mktemp("demo"), clock=lambda: ts(15, 10)
    )
    yield world
    world.stop()


def test_the_demos_previous_month_shows_each_kind_of_discrepancy(demo_world):
    with Mirror(demo_world.profile.mirror_path) as mirror:
        october = Period(date(2026, 10, 1), date(2026, 10, 31))
        rows = list(Reconciliation(mirror, october).discrepancy_rows())
        assert Reconciliation(mirror, october).uncovered_days() == []
    by_check = {}
    for r in rows:
        by_check.setdefault(r["check"], []).append(r)
    cases = demo_world.summary.cases
    assert {
        "missed_payment",
        "not_delivered",
        "refund_missing_here",
        "refund_missing_at_wechat",
        "payment_amount",
    } <= set(by_check)
    assert [r["id"] for r in by_check["missed_payment"]] == [cases["missed_push"]]
    assert [r["id"] for r in by_check["not_delivered"]] == [cases["past_not_delivered"]]
    assert [r["id"] for r in by_check["payment_amount"]] == [cases["amount_differs"]]
    assert [r["id"] for r in by_check["refund_missing_here"]] == [cases["refund_only_at_wechat"]]
    assert [r["id"] for r in by_check["refund_missing_at_wechat"]] == [cases["refund_only_here"]]
    # each names the order to open and the fix to offer there
    fixes = {r["check"]: (r["order_id"], r["fix"]) for r in rows}
    assert fixes["not_delivered"] == (cases["past_not_delivered"], "deliver")
    assert fixes["missed_payment"] == (cases["missed_push"], "refresh")
    assert all(order_id for order_id, _fix in fixes.values())


# ---- the dashboard: a discrepancy opens its order with the fix offered -----------------------


def _paid_last_month(sim, *, kind: str, fee: int) -> dict:
    """An order paid 35 days ago at the simulator (its push never sent)."""
    from tests.simfixtures import ALICE

    sim.add_user(ALICE)
    at = sim.state.now() - 35 * 86400
    order = sim.state.create_order(
        openid=ALICE,
        env=1,
        kind=kind,
        order_fee=fee,
        quantity=1 if kind == "item" else fee,
        created=at,
    )
    return sim.state.pay_order(order["order_id"], paid_at=at + 10, push=False)


def _double_click_discrepancy(qtbot, window, paid_at: int, wanted: str):
    from PySide6.QtCore import Qt

    from core.beijing import beijing_day_of

    window.go("reconcile")
    page = window.pages["reconcile"]
    page.preset.setCurrentIndex(3)  # custom
    day = beijing_day_of(paid_at)
    page.since.setDate(day - timedelta(days=1))
    page.until.setDate(day + timedelta(days=1))
    page.run_report()
    qtbot.waitUntil(lambda: page.view is not None, timeout=10_000)
    table, model = page.tables["discrepancies"]
    page.tabs.setCurrentWidget(table)
    row = next(n for n in range(model.rowCount()) if model.row_dict(n)["id"] == wanted)
    rect = table.visualRect(model.index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return window.pages["orders"]


def test_double_clicking_a_discrepancy_opens_the_order_with_its_fix(qtbot, window, desk, sim):
    item = _paid_last_month(sim, kind="item", fee=990)
    upsert_orders(
        desk.mirror,
        [
            order(item["order_id"], kind="item", paid_fee=990, quantity=1, status=2)
            | {"openid": item["openid"], "paid_time": item["paid_time"], "env": 1}
        ],
    )
    orders = _double_click_discrepancy(qtbot, window, item["paid_time"], item["order_id"])
    qtbot.waitUntil(lambda: orders.current is not None, timeout=10_000)
    assert window.stack.currentWidget() is orders
    assert orders.current["order"]["order_id"] == item["order_id"]
    assert orders.fix_hint.isVisible() and orders.deliver_button.isEnabled()
    assert orders.deliver_button.text() in orders.fix_hint.text()
    assert any(w in orders.fix_hint.text() for w in ("已支付超时未发货", "not delivered in time"))


def test_a_missed_payment_the_mirror_lacks_is_asked_of_wechat_then_shown(qtbot, window, desk, sim):
    paid = _paid_last_month(sim, kind="coin", fee=600)
    with desk.mirror.transaction() as conn:  # WeChat's bill has it; the mirror never heard
        conn.execute(
            "INSERT INTO statement_lines (line_type, id, order_id, openid, amount, at, source) "
            "VALUES ('payment', ?, ?, ?, 600, ?, 'bill.csv')",
            (paid["order_id"], paid["order_id"], paid["openid"], paid["paid_time"]),
        )
    orders = _double_click_discrepancy(qtbot, window, paid["paid_time"], paid["order_id"])
    qtbot.waitUntil(lambda: orders.current is not None, timeout=10_000)
    assert orders.current["order"]["order_id"] == paid["order_id"]
    assert orders.current["order"]["source"] == "query_order"
    assert orders.fix_hint.isVisible()
    assert orders.refresh_button.text() in orders.fix_hint.text()


def test_the_reconciliation_page_names_the_days_no_bill_covers(qtbot, window, desk):
    with desk.mirror.transaction() as conn:
        cover(conn, *(date(2026, 11, d) for d in range(1, 27)))
    window.go("reconcile")
    page = window.pages["reconcile"]
    page.preset.setCurrentIndex(3)  # custom
    page.since.setDate(date(2026, 11, 1))
    page.until.setDate(date(2026, 11, 30))
    page.run_report()
    qtbot.waitUntil(lambda: page.view is not None, timeout=10_000)
    assert page.coverage.isVisible() and "2026-11-27 – 2026-11-30" in page.coverage.text()
    page.until.setDate(date(2026, 11, 26))
    page.view = None
    page.run_report()
    qtbot.waitUntil(lambda: page.view is not None, timeout=10_000)
    assert not page.coverage.isVisible()
