"""Exports for people speak the glossary (issue 14): the CSV and XLSX files show order statuses,
kinds, refund and ledger states, session-key states and discrepancy details as words in the
export's language, never as stored codes ("4", "refunded", "done", "gift", "unknown")."""

from __future__ import annotations

import csv

import openpyxl

from core.reconcile import Reconciliation, export_csv, export_xlsx
from tests.test_reconcile import NOV, known, ts  # noqa: F401 - the fixture

CODES = {
    "0",
    "1",
    "2",
    "4",
    "5",
    "coin",
    "item",
    "refunded",
    "done",
    "gift",
    "clawback",
    "unknown",
    "missing",
    "status 1",
    "status 2",
    "order O1",
}
# section -> the columns that hold a code value in the mirror (English titles)
WORD_COLUMNS = {
    "orders": ("kind", "status"),
    "refunds": ("status",),
    "ledger": ("kind", "status"),
    "operators": ("kind",),
    "clawbacks": ("session key",),
    "discrepancies": ("detail",),
}


def test_csv_shows_words_not_codes(known, tmp_path):  # noqa: F811
    paths = export_csv(Reconciliation(known, NOV, now=ts(30)), tmp_path / "nov.csv", lang="en")
    shown: dict[str, set[str]] = {}
    for path in paths:
        section = path.name.split("-", 1)[1].removesuffix(".csv")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for column in WORD_COLUMNS.get(section, ()):
            shown[f"{section}.{column}"] = {r[column] for r in rows}
    for where, values in shown.items():
        assert values and not values & CODES, (where, values)
    assert {"Delivered", "Paid, not delivered"} <= shown["orders.status"]
    assert {"Coin top-up", "Item purchase"} <= shown["orders.kind"]
    assert "Refunded" in shown["refunds.status"] and "Coin clawback" in shown["ledger.kind"]
    assert "Gift coins" in shown["operators.kind"] and "Done" in shown["ledger.status"]
    assert "not in our records" in shown["discrepancies.detail"]


def test_xlsx_in_chinese_shows_glossary_words(known, tmp_path):  # noqa: F811
    path = export_xlsx(Reconciliation(known, NOV, now=ts(30)), tmp_path / "nov.xlsx")
    book = openpyxl.load_workbook(path)

    def column(sheet: str, title: str) -> set[str]:
        rows = list(book[sheet].iter_rows(values_only=True))
        n = rows[0].index(title)
        return {str(r[n]) for r in rows[1:]}

    assert column("明细-订单", "状态") >= {"已发货", "已支付·待发货"}
    assert column("明细-订单", "类型") == {"代币充值", "道具直购"}
    assert column("明细-退款", "状态") == {"已退款"}
    assert column("明细-代币", "状态") == {"已完成"}
    assert column("操作员", "类型") == {"赠送代币", "代币回收", "退款"}
    assert not column("对账差异", "说明") & CODES
