"""Finance QA: platform fees from WeChat's bill, exports in words and one unit per kind."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal

import pytest

from core.mirror.db import Mirror
from core.mirror.records import upsert_orders
from core.reconcile import Period, Reconciliation, export_csv, export_xlsx
from tests.test_reconcile import cover, known, order, ts  # noqa: F401 - the fixture

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def bill_line(conn, id_, amount, fee, *, day):
    conn.execute(
        "INSERT INTO statement_lines (line_type, id, order_id, amount, fee, at, source) "
        "VALUES ('payment', ?, ?, ?, ?, ?, 'bill.csv')",
        (id_, id_, amount, fee, ts(day)),
    )
    cover(conn, date(2026, 11, day))


@pytest.fixture
def fees():
    """Day 2: our record has no fee, the bill charges 100. Day 3: ours says 50, the bill 60.
    Day 4: no bill, no fee anywhere."""
    m = Mirror()
    unsettled, settled = (
        {"sett_state": 0, "platform_fee_fen": 0},
        {"sett_state": 2, "platform_fee_fen": 50},
    )
    with m.transaction() as conn:
        upsert_orders(
            m,
            [
                {**order("O1", paid_fee=1000, quantity=1000, day=2), **unsettled},
                {**order("O2", paid_fee=500, quantity=500, day=3), **settled},
                {**order("O3", paid_fee=700, quantity=700, day=4), **unsettled},
            ],
        )
        bill_line(conn, "O1", 1000, 100, day=2)
        bill_line(conn, "O2", 500, 60, day=3)
    yield m
    m.close()


def test_the_bills_fees_count_and_each_day_names_its_fee_source(fees):
    report = Reconciliation(fees, NOV, now=ts(30))
    days = {d["day"]: d for d in report.daily_rows()}
    got = {k: (d["platform_fee"], d["fee_source"], d["net"]) for k, d in days.items()}
    assert got == {
        "2026-11-02": (100, "bill", 900),
        "2026-11-03": (60, "bill", 440),
        "2026-11-04": (0, "none", 700),
    }
    summary = report.summary()
    assert (summary["platform_fee"], summary["net"]) == (160, 2200 - 160)
    assert (summary["fee_days_from_bill"], summary["fee_days_without_data"]) == (2, 1)


def test_a_fee_that_differs_from_the_bill_is_a_discrepancy(fees):
    report = Reconciliation(fees, NOV, now=ts(30))
    found = [
        (r["check"], r["id"], r["wechat_amount"], r["mirror_amount"], r["order_id"])
        for r in report.discrepancy_rows()
        if r["check"] == "fee_amount"
    ]
    assert found == [("fee_amount", "O2", 60, 50, "O2")]


def test_the_daily_csv_says_where_each_fee_came_from(fees, tmp_path):
    report = Reconciliation(fees, NOV, now=ts(30))
    paths = export_csv(report, tmp_path / "nov.csv")
    daily = next(p for p in paths if p.name == "nov-daily.csv")
    with daily.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sources = [r[next(k for k in r if k.startswith("服务费来源"))] for r in rows]
    assert sources[0] == "微信账单" and sources[2].startswith("无费用数据")


# ---- the audit CSV finance opens reads in words, with Beijing times -------------------------


@pytest.fixture
def audited_gift():
    from core.mirror import audit

    m = Mirror()
    m.now = lambda: ts(2, 9)  # 2026-11-02 09:00 Beijing
    log = audit.AuditLog(m, operator="alice", profile="shop", env=1, host="desk-1")
    params = {"wechat_id": "G1", "target": "oU", "amount": 600, "reason": "补偿"}
    log.append("gift", params, result="intent", openid="oU")
    log.append("refund", {"wechat_id": "R1", "amount": 1200, "state": "refunding"}, result="ok")
    yield m
    m.close()


def _read(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_audit_csv_reads_in_words_with_beijing_times(audited_gift, tmp_path):
    from core.mirror import audit

    path = tmp_path / "audit.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        assert audit.export_csv(audited_gift, handle) == 2
    gift, refund = _read(path)
    assert gift["时间（北京时间 UTC+8）"] == "2026-11-02 09:00:00"
    assert (gift["操作"], gift["结果"], gift["环境"]) == ("赠送代币", "已登记，待发送", "沙箱")
    assert gift["内容"] == "单号：G1；对象：oU；数量：600 代币；原因：补偿"
    assert refund["内容"] == "单号：R1；数量：¥12.00；状态：退款中"
    assert list(gift)[-2:] == ["上一行哈希（核验用）", "本行哈希（核验用）"]


def test_audit_export_in_english_and_as_json_for_verification(audited_gift, tmp_path, capsys):
    from core.mirror import audit

    path = tmp_path / "audit.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        audit.export_csv(audited_gift, handle, lang="en")
    gift = _read(path)[0]
    assert (gift["Action"], gift["Result"]) == ("Gift coins", "Recorded before sending")
    assert gift["Details"] == "Id: G1; Target: oU; Amount: 600 coins; Reason: 补偿"
    out = tmp_path / "audit.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        assert audit.export_json(audited_gift, handle) == 2
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert (first["action"], first["result"], first["at"]) == ("gift", "intent", ts(2, 9))


# ---- one unit per kind across the exports -------------------------------------------------


def test_xlsx_summary_gives_money_in_yuan_like_every_other_sheet(fees, tmp_path):
    import openpyxl

    path = export_xlsx(Reconciliation(fees, NOV, now=ts(30)), tmp_path / "nov.xlsx")
    rows = {r[0].value: r[1] for r in openpyxl.load_workbook(path)["汇总 Summary"].iter_rows()}
    assert rows["实收（元）"].value == Decimal("22.00")
    assert rows["实收（元）"].number_format == '"¥"#,##0.00'
    assert Decimal(str(rows["净收入（元）"].value)) == Decimal("20.40")
    assert rows["时区"].value == "时间均为北京时间（UTC+8）"


def test_csv_headers_carry_yuan_and_beijing_time_and_a_summary_file(fees, tmp_path):
    paths = export_csv(Reconciliation(fees, NOV, now=ts(30)), tmp_path / "nov.csv")
    assert paths[0].name == "nov-summary.csv"
    summary = {r["项目"]: r["数值"] for r in _read(paths[0])}
    assert (summary["期间"], summary["实收（元）"], summary["平台服务费（元）"]) == (
        "2026-11-01 – 2026-11-30",
        "22.00",
        "1.60",
    )
    assert summary["微信账单未覆盖的天数"] == "28"
    orders = _read(tmp_path / "nov-orders.csv")
    assert {"实付（元）", "支付时间（北京时间）", "已结算平台服务费（元）"} <= set(orders[0])
    english = export_csv(Reconciliation(fees, NOV, now=ts(30)), tmp_path / "en.csv", lang="en")
    assert "paid at (Beijing time)" in _read(tmp_path / "en-orders.csv")[0]
    assert {r["item"]: r["value"] for r in _read(english[0])}["net (yuan)"] == "20.40"


# ---- the CLI speaks the operator's language, in the glossary's words ------------------------


def _profile(tmp_path, mirror):
    db = tmp_path / "m.sqlite"
    mirror.conn.execute(f"VACUUM INTO '{db}'")
    config = tmp_path / "p.toml"
    config.write_text(
        f'[profiles.f]\nappid = "wx0123456789abcdef"\nenv = "production"\ndb = "{db}"\n',
        encoding="utf-8",
    )
    return config


def test_cli_picks_the_systems_language_like_the_desktop_app():
    from core.cli.output import default_lang

    assert default_lang({"LANG": "en_US.UTF-8"}) == "en"
    assert default_lang({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert default_lang({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}) == "zh_CN"
    assert default_lang({"LANG": "C.UTF-8"}) == default_lang({}) == "zh_CN"


def test_cli_reconcile_speaks_chinese_or_english_with_plurals(fees, tmp_path, capsys, monkeypatch):
    from core.cli import main

    config = _profile(tmp_path, fees)
    period = ["reconcile", "--from", "2026-11-01", "--to", "2026-11-30"]
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    main(["--config", str(config), *period])
    zh = capsys.readouterr().out
    assert "订单 3 笔" in zh and "对账差异 1 处" in zh and "orders" not in zh
    assert "净收入 ¥20.40" in zh
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    main(["--config", str(config), *period, "--to", "2026-11-02"])
    en = capsys.readouterr().out
    assert "1 order," in en and "0 discrepancies" in en
    main(["--config", str(config), "--lang", "en", *period, "--to", "2026-11-03"])
    assert "(not covered: 1 day)" in capsys.readouterr().out


def test_cli_import_and_audit_verify_speak_chinese(tmp_path, capsys, monkeypatch):
    from core.cli import main

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with Mirror() as m:
        config = _profile(tmp_path, m)
    bill = tmp_path / "bill.csv"
    bill.write_text(
        "交易时间,商户订单号,订单金额(元),手续费(元)\n2026-11-02 12:00:00,O9,6.00,0.60\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "import", "bill", str(bill)]) == 0
    out = capsys.readouterr().out
    assert "新增 1，更新 0" in out and "added" not in out
    main(["--config", str(config), "audit", "verify"])
    assert "审计链完整：0 条记录" in capsys.readouterr().out


def test_exports_show_a_top_ups_product_in_words(fees, tmp_path):
    export_csv(Reconciliation(fees, NOV, now=ts(30)), tmp_path / "nov.csv")
    assert {r["商品"] for r in _read(tmp_path / "nov-orders.csv")} == {"代币"}


def test_cli_operation_lines_use_the_glossary_not_codes():
    from core.cli.ops_verbs import outcome_words
    from core.cli.output import Output

    zh, en = Output(json_mode=False, lang="zh_CN"), Output(json_mode=False, lang="en")
    assert outcome_words("gift", "done", zh) == "赠送代币 · 已完成"
    assert outcome_words("refund", "needs_login", en) == "Refund · Needs user login"
    assert outcome_words("clawback", "unknown", zh).endswith("（请运行 xpaydesk-cli resolve）")


# ---- one word per clawback state everywhere (the guide's glossary) ---------------------------


def test_clawback_states_read_as_the_glossary_in_report_and_ledger(known, tmp_path):  # noqa: F811
    known.conn.execute(
        "INSERT INTO ledger (kind, order_id, openid, amount, refund_order_id, operator, reason, "
        "created_at, status) VALUES ('clawback', 'K2', 'oO2user0000000000000', 1500, 'R2', "
        "'alice', 'r', ?, 'pending')",
        (ts(11),),
    )
    report = Reconciliation(known, NOV, now=ts(30))
    words = {r["refund_order_id"]: r["reason_zh"] for r in report.clawback_rows()}
    assert words == {"R1": "已回收", "R2": "等待用户登录", "R4": "待回收", "R5": "待回收"}
    english = {r["refund_order_id"]: r["reason_en"] for r in report.clawback_rows()}
    assert (english["R2"], english["R4"]) == ("Needs user login", "Due")
    export_csv(report, tmp_path / "nov.csv")
    ledger = {r["单号"]: r["状态"] for r in _read(tmp_path / "nov-ledger.csv")}
    assert ledger["K2"] == "等待用户登录"


def test_cli_order_shows_the_status_in_words(sim, tmp_path, capsys, monkeypatch):
    from core.cli import main
    from core.simulator import profile_toml
    from tests.simfixtures import ALICE

    sim.add_user(ALICE)
    paid = sim.user_pays(ALICE, coins=600)
    config = tmp_path / "profiles.toml"
    config.write_text(profile_toml(sim, db=str(tmp_path / "m.sqlite")), encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    args = ["--config", str(config), "order", "--openid", ALICE, "--order-id", paid["order_id"]]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "已发货" in out and "实付 ¥6.00" in out and "status" not in out


def test_cli_bulk_preview_in_chinese_and_english_singulars(sim, tmp_path, capsys, monkeypatch):
    from core.cli import main
    from core.simulator import profile_toml
    from tests.simfixtures import ALICE

    config = tmp_path / "p.toml"
    config.write_text(profile_toml(sim, db=str(tmp_path / "m.sqlite")), encoding="utf-8")
    gifts = tmp_path / "g.csv"
    gifts.write_text(f"openid,amount,reason\n{ALICE},5,补偿\n", encoding="utf-8")
    base = ["--config", str(config), "bulk", "gift", str(gifts), "--dry-run"]
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(base) == 0
    assert "1 行，共 5 代币，1 位用户（试运行：未发送）" in capsys.readouterr().out
    assert main(["--lang", "en", *base]) == 0
    assert "1 row, 5 coins to 1 user (dry run" in capsys.readouterr().out
