"""Finance tester (team mode) on the reports, QA T2 items 3, 13, 14, 15, 16: the refund detail
names who asked and who approved; the operators sheet counts refunds (in fen, a column of its
own); no column mixes units; an order's platform fee is said only where the order's settlement
gives it; counts in the summary are thousands-separated; a clawback's reason is in the file's
language and its time is when it was taken (the refund's clock); CSV file names have no code
words."""

from __future__ import annotations

import csv
import json
from datetime import date

import openpyxl
import pytest

from core.mirror.db import Mirror
from core.mirror.records import upsert_orders, upsert_refunds
from core.reconcile import Period, Reconciliation, export_csv, export_xlsx
from tests.test_reconcile import order, refund, ts

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))
CLAW_REASON = "退款 R1 的代币回收 / clawback for refund R1"


@pytest.fixture
def team_month():
    m = Mirror()
    with m.transaction() as conn:
        upsert_orders(
            m,
            [
                {**order("O1", paid_fee=6800, quantity=6800), "sett_state": 0},
                {**order("O2", paid_fee=990, quantity=1, kind="item", day=3), "sett_state": 2},
            ],
        )
        m.conn.execute("UPDATE orders SET platform_fee_fen = 5 WHERE order_id = 'O2'")
        upsert_refunds(m, [refund("R1", "O1", 6800, day=2), refund("R2", "O2", 990, day=3)])
        conn.execute(  # fay approved alice's refund R1 (the team server's audit row)
            "INSERT INTO audit (id, at, operator, host, profile, env, action, openid, params, "
            "result, errcode, prev_hash, hash) VALUES (1, ?, 'fay', '', 'p', 0, 'approve', '', "
            "?, 'refunding', NULL, '', '')",
            (
                ts(2),
                json.dumps(
                    {"endpoint": "refund", "requested_by": "alice", "wechat_id": "R1", "amount": 1}
                ),
            ),
        )
        # the clawback was prepared with the refund (before it finished) and taken after it
        conn.execute(
            "INSERT INTO ledger (kind, order_id, openid, amount, refund_order_id, operator, "
            "reason, created_at, status) VALUES ('clawback', 'C1', 'oO1user0000000000000', "
            "6800, 'R1', 'alice', ?, ?, 'done')",
            (CLAW_REASON, ts(2) - 120),
        )
        conn.execute(
            "INSERT INTO intents (action, request_key, wechat_id, openid, target, amount, state, "
            "operator, reason, created_at, updated_at) VALUES ('clawback', 'k1', 'C1', "
            "'oO1user0000000000000', 'R1', 6800, 'done', 'alice', ?, ?, ?)",
            (CLAW_REASON, ts(2) - 120, ts(2) + 3),
        )
    yield m
    m.close()


def test_the_refund_detail_names_the_requester_and_the_approver(team_month):
    rows = {r["refund_order_id"]: r for r in Reconciliation(team_month, NOV).refund_rows()}
    assert (rows["R1"]["operator"], rows["R1"]["approver"]) == ("alice", "fay")
    assert rows["R2"]["approver"] == ""  # below the threshold: nobody approved it


def test_an_approved_gift_names_its_approver_on_the_coin_ledger(team_month):
    with team_month.transaction() as conn:
        conn.execute(
            "INSERT INTO ledger (kind, order_id, openid, amount, operator, reason, created_at, "
            "status) VALUES ('gift', 'G9', 'oX', 1500, 'sam', '补偿', ?, 'done')",
            (ts(4),),
        )
        conn.execute(
            "INSERT INTO audit (id, at, operator, host, profile, env, action, openid, params, "
            "result, errcode, prev_hash, hash) VALUES (2, ?, 'fred', '', 'p', 0, 'approve', '', "
            "?, 'done', NULL, '', '')",
            (ts(4), json.dumps({"endpoint": "gift", "wechat_id": "G9", "amount": 1500})),
        )
    rows = {r["order_id"]: r for r in Reconciliation(team_month, NOV).ledger_rows()}
    assert (rows["G9"]["operator"], rows["G9"]["approver"]) == ("sam", "fred")
    assert rows["C1"]["approver"] == ""


def test_the_operators_sheet_counts_refunds_in_fen_in_a_column_of_their_own(team_month):
    rows = list(Reconciliation(team_month, NOV).operator_rows())
    refunds = [r for r in rows if r["kind"] == "refund"]
    assert refunds == [{"operator": "alice", "kind": "refund", "count": 2, "refunded": 7790}]
    (claw,) = [r for r in rows if r["kind"] == "clawback"]
    assert claw["coins"] == 6800 and "refunded" not in claw


def test_orders_say_coins_and_items_apart_and_a_fee_only_where_settled(team_month):
    rows = {r["order_id"]: r for r in Reconciliation(team_month, NOV).order_rows()}
    assert (rows["O1"]["coins"], rows["O1"]["items"]) == (6800, None)
    assert (rows["O2"]["coins"], rows["O2"]["items"]) == (None, 1)
    assert rows["O1"]["platform_fee_fen"] is None  # not known per order: empty, not ¥0.00
    assert rows["O2"]["platform_fee_fen"] == 5


def test_a_clawback_is_timed_when_taken_and_says_its_reason_in_the_files_language(team_month):
    (claw,) = Reconciliation(team_month, NOV).ledger_rows(kind="clawback")
    refund_done = ts(2)
    assert claw["created_at"] == ts(2) + 3 >= refund_done
    assert (
        claw["reason_zh"] == "退款 R1 的代币回收" and claw["reason_en"] == "clawback for refund R1"
    )


def test_the_xlsx_separates_units_and_thousands_and_the_csv_names_say_words(team_month, tmp_path):
    report = Reconciliation(team_month, NOV)
    book = openpyxl.load_workbook(export_xlsx(report, tmp_path / "nov.xlsx"), read_only=True)
    summary = {r[0].value: r[1] for r in book["汇总 Summary"].iter_rows(min_row=2)}
    assert summary["未回收代币"].number_format == "#,##0"
    assert summary["订单数"].number_format == "#,##0"
    headers = {
        name: [c.value for c in next(book[name].iter_rows(max_row=1))]
        for name in ("明细-订单", "明细-退款", "操作员", "明细-代币")
    }
    assert "代币或道具数量" not in headers["明细-订单"]
    assert "代币" in headers["明细-订单"] and "道具数量" in headers["明细-订单"]
    assert "批准人" in headers["明细-退款"] and "申请人" in headers["明细-退款"]
    assert "退款金额（元）" in headers["操作员"]
    ledger = list(book["明细-代币"].iter_rows(min_row=2, values_only=True))
    reason = headers["明细-代币"].index("原因")
    assert ledger[0][reason] == "退款 R1 的代币回收"
    book.close()
    names = [p.name for p in export_csv(report, tmp_path / "recon-nov.csv", lang="en")]
    assert "recon-nov-not-covered.csv" in names
    assert not [n for n in names if "_" in n], names
    with (tmp_path / "recon-nov-ledger.csv").open(encoding="utf-8-sig") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["reason"] == "clawback for refund R1"
