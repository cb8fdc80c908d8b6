from __future__ import annotations

import codecs
import gzip
import json
import zipfile

import pytest

from core.beijing import beijing_today, yyyymmdd
from core.errors import ConfigError
from core.mirror import audit
from core.mirror.db import Mirror
from core.mirror.importing import ImportFailed, import_bill, import_session_keys, import_vk_orders
from core.mirror.queries import (
    OrderFilter,
    OrderPager,
    OrderSort,
    count_orders,
    order_detail,
    page_after,
    search,
    timeline,
)
from core.mirror.records import upsert_orders
from core.mirror.schema import MIGRATIONS, SCHEMA_VERSION
from core.mirror.vault import SessionKeyVault, mask, vault_key
from core.store.errors import DATABASE_ERRORS

OPENID = "oUSERvkpay000000000000000001"

# ---- migrations --------------------------------------------------------------------------

SEED_BY_VERSION = {
    1: [
        "INSERT INTO orders (order_id, openid, source, paid_fee) VALUES ('ORDER0001', 'oU1', "
        "'vk-pay', 600)",
        "INSERT INTO ledger (kind, order_id, openid, amount, created_at, status) VALUES "
        "('gift', 'GIFT0001', 'oU1', 5, 1, 'done')",
    ],
    2: [
        "INSERT INTO pushes (dedupe_key, event, verdict, received_at) VALUES ('k', "
        "'xpay_refund_notify', 'accept', 1)"
    ],
    3: ["INSERT INTO meta VALUES ('x', 'y')"],
    4: [],
    5: [
        "INSERT INTO intents (action, request_key, wechat_id, state, operator, reason, "
        "created_at, updated_at) VALUES ('gift', 'r1', 'GIFTX0001', 'done', 'a', 'b', 1, 1)"
    ],
    6: [
        "INSERT INTO statement_lines (line_type, id, amount, at, source) VALUES "
        "('payment', 'ORDER0001', 600, 1, 'bill.csv')"
    ],
    7: [],
}


@pytest.mark.parametrize("version", range(0, SCHEMA_VERSION))
def test_migrates_from_every_earlier_version_without_losing_rows(mirror_target, version):
    path = mirror_target
    old = Mirror(path, migrations=MIGRATIONS[:version])
    assert old.version == version
    for v in range(1, version + 1):
        for sql in SEED_BY_VERSION.get(v, []):
            old.conn.execute(sql)
    old.close()
    new = Mirror(path)
    assert new.version == SCHEMA_VERSION
    if version >= 1:
        row = new.one("SELECT * FROM orders WHERE order_id = 'ORDER0001'")
        assert row["paid_fee"] == 600 and row["channel_order_id"] == ""
        assert count_orders(new) == 1  # the counter starts from the rows already there
        assert new.count("ledger") == 1
    if version >= 2:
        assert new.count("pushes") == 1
    if version >= 5:
        assert new.count("intents") == 1
    if version >= 6:
        assert new.count("statement_lines") == 1
    assert new.migrate() == 0  # nothing left to do


def test_the_order_counter_follows_inserts_updates_and_deletes(store_mirror):
    mirror = store_mirror

    def scanned() -> int:
        return int(mirror.one("SELECT COUNT(*) AS n FROM orders")["n"])

    rows = [order_row(n) for n in range(5)]
    with mirror.transaction():
        first = upsert_orders(mirror, rows)
    assert (first.added, first.updated, first.unchanged) == (5, 0, 0)
    rows[0] = {**rows[0], "status": 4}
    with mirror.transaction():
        again = upsert_orders(mirror, [*rows, order_row(9999)])
    assert (again.added, again.updated, again.unchanged) == (1, 1, 4)
    assert count_orders(mirror) == scanned() == 6
    with mirror.transaction() as conn:
        conn.execute("DELETE FROM orders WHERE order_id = 'Q0000001'")
    assert count_orders(mirror) == scanned() == 5


def test_newer_database_is_refused(mirror_target):
    path = mirror_target
    Mirror(path).set_version(SCHEMA_VERSION + 1)
    with pytest.raises(ConfigError, match="newer version"):
        Mirror(path)


def test_failed_migration_leaves_the_previous_version(mirror_target):
    path = mirror_target
    Mirror(path, migrations=MIGRATIONS[:1]).close()
    with pytest.raises(DATABASE_ERRORS):
        Mirror(path, migrations=[*MIGRATIONS[:1], "ALTER TABLE nope ADD COLUMN x"])
    assert Mirror(path, migrations=MIGRATIONS[:1]).version == 1


# ---- vk-pay importer ---------------------------------------------------------------------


def vk_doc(n: int, **over) -> dict:
    doc = {
        "_id": f"id{n}",
        "pay_type": "wxpay-virtual_mp-weixin",
        "provider": "wxpay-virtual",
        "status": 1,
        "out_trade_no": f"VKORDER{n:06d}",
        "openid": OPENID,
        "total_fee": 600,
        "refund_fee": 0,
        "transaction_id": f"VPO2026{n:010d}",
        "_add_time": 1767225600000 + n * 1000,
        "pay_date": 1767225660000 + n * 1000,
        "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 600, "product_id": ""},
        "original_data": {
            "Env": 1,
            "WeChatPayInfo": {"MchOrderNo": f"CH{n}", "TransactionId": f"4200{n:012d}"},
        },
    }
    doc.update(over)
    return doc


def write_lines(path, docs, encoding="utf-8"):
    path.write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding=encoding
    )
    return path


@pytest.fixture
def mirror(store_mirror):
    """The importers' tests run on both stores too (staging and merge differ: core.store.bulk)."""
    return store_mirror


@pytest.fixture
def store_mirror(store, mirror_target):
    """The mirror on each store: in memory for SQLite (as `mirror`), a fresh PostgreSQL database."""
    m = Mirror() if store == "sqlite" else Mirror(mirror_target)
    yield m
    m.close()


def set_version(mirror, version: int) -> None:
    mirror.set_version(version)


def test_vk_import_maps_states_and_is_idempotent(mirror, tmp_path):
    docs = [
        vk_doc(1),
        vk_doc(
            2,
            status=3,
            refund_fee=600,
            refund_list=[
                {
                    "out_refund_no": "VKREFUND0002",
                    "refund_fee": 600,
                    "refund_id": "VPR2",
                    "refund_time": "2026-01-02 10:00:00",
                }
            ],
        ),
        vk_doc(
            3,
            status=2,
            refund_fee=200,
            refund_list=[{"out_refund_no": "VKREFUND0003", "refund_fee": 200}],
        ),
        vk_doc(4, status=0, pay_date=None),
        vk_doc(
            5,
            wxpay_virtual={
                "mode": "short_series_goods",
                "buy_quantity": 1,
                "product_id": "vip_month_01",
            },
            user_order_success=False,
        ),
        {
            "out_trade_no": "ALIPAY00001",
            "pay_type": "alipay_h5",
            "status": 1,
            "openid": "x",
            "total_fee": 1,
        },
    ]
    path = write_lines(tmp_path / "orders.jsonl", docs)
    first = import_vk_orders(mirror, path)
    assert (first.added, first.skipped, first.rejected) == (7, 1, [])  # 5 orders + 2 refunds
    second = import_vk_orders(mirror, path)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 7)
    rows = {r["order_id"]: dict(r) for r in mirror.all("SELECT * FROM orders")}
    assert rows["VKORDER000001"]["status"] == 4 and rows["VKORDER000001"]["env"] == 1
    assert rows["VKORDER000001"]["wx_order_id"] == "VPO20260000000001"
    assert rows["VKORDER000001"]["wxpay_order_id"] == "4200000000000001"
    assert rows["VKORDER000001"]["paid_time"] == 1767225661
    assert (rows["VKORDER000002"]["status"], rows["VKORDER000002"]["left_fee"]) == (5, 0)
    assert (rows["VKORDER000003"]["status"], rows["VKORDER000003"]["left_fee"]) == (4, 400)
    assert (rows["VKORDER000004"]["status"], rows["VKORDER000004"]["paid_fee"]) == (1, 0)
    assert (rows["VKORDER000005"]["kind"], rows["VKORDER000005"]["status"]) == ("item", 2)
    refund = mirror.one("SELECT * FROM refunds WHERE refund_order_id = 'VKREFUND0002'")
    assert (refund["status"], refund["refund_fee"], refund["order_id"]) == (
        "refunded",
        600,
        "VKORDER000002",
    )
    docs[0]["status"] = 3
    docs[0]["refund_fee"] = 600
    changed = import_vk_orders(mirror, write_lines(tmp_path / "orders.jsonl", docs))
    assert (changed.added, changed.updated) == (0, 1)


def test_vk_import_reads_a_json_array_and_reports_bad_lines(mirror, tmp_path):
    docs = [
        vk_doc(1),
        {
            "out_trade_no": "BAD1",
            "pay_type": "wxpay-virtual",
            "status": 9,
            "openid": OPENID,
            "total_fee": 1,
        },
        vk_doc(2, total_fee="abc"),
        vk_doc(3),
    ]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(docs, indent=2), encoding="utf-8")
    report = import_vk_orders(mirror, path)
    assert report.added == 2
    reasons = {r.line: r.reason for r in report.rejected}
    assert len(reasons) == 2 and any("status" in r for r in reasons.values())
    assert any("total_fee" in r for r in reasons.values())
    assert all(line > 1 for line in reasons)


def test_malformed_json_line_is_rejected_with_its_line_number(mirror, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(vk_doc(1)) + "\n{not json\n" + json.dumps(vk_doc(2)) + "\n")
    report = import_vk_orders(mirror, path)
    assert report.added == 2 and [r.line for r in report.rejected] == [2]
    with pytest.raises(ImportFailed, match="line 2") as caught:
        import_vk_orders(Mirror(), path, strict=True)
    assert caught.value.line == 2


def test_truncated_gzip_fails_whole_and_writes_nothing(mirror, tmp_path):
    lines = "".join(json.dumps(vk_doc(n)) + "\n" for n in range(2000)).encode()
    data = gzip.compress(lines)
    path = tmp_path / "orders.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFailed, match="truncated") as caught:
        import_vk_orders(mirror, path)
    assert caught.value.line and caught.value.line > 1
    assert mirror.count("orders") == 0  # nothing half-written


def test_truncated_json_array_fails_whole(mirror, tmp_path):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps([vk_doc(1), vk_doc(2)])[:-40], encoding="utf-8")
    with pytest.raises(ImportFailed):
        import_vk_orders(mirror, path)
    assert mirror.count("orders") == 0


def test_wrong_encoding_fails_whole_with_a_line_number(mirror, tmp_path):
    good = "".join(json.dumps(vk_doc(n), ensure_ascii=False) + "\n" for n in range(3000))
    bad = json.dumps(vk_doc(9999, remark="中文备注"), ensure_ascii=False).encode("utf-16-le")
    path = tmp_path / "orders.jsonl"
    path.write_bytes(good.encode() + bad + b"\n")
    with pytest.raises(ImportFailed, match="encoding") as caught:
        import_vk_orders(mirror, path)
    assert caught.value.line == 3001  # the exact line, though reading is buffered
    assert mirror.count("orders") == 0


def test_gbk_and_bom_files_import(mirror, tmp_path):
    doc = vk_doc(1, description="充值代币")
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes(json.dumps(doc, ensure_ascii=False).encode("gbk") + b"\n")
    assert import_vk_orders(mirror, gbk).encoding == "gb18030"
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(codecs.BOM_UTF8 + json.dumps(vk_doc(2), ensure_ascii=False).encode() + b"\n")
    report = import_vk_orders(mirror, bom)
    assert (report.encoding, report.added) == ("utf-8-sig", 1)


# ---- bill importer -----------------------------------------------------------------------

BILL_HEADER = "交易时间,商户订单号,微信订单号,微信支付单号,用户openid,交易类型,道具ID,数量,订单金额(元),退款金额(元),手续费(元),交易状态,关联订单号,环境,备注列"


def bill_text(rows: list[str]) -> str:
    return "\n".join(
        ["小程序虚拟支付账单", "起始日期：2026-01-01", BILL_HEADER, *rows, "总交易单数,2", ""]
    )


BILL_ROWS = [
    "2026-01-01 10:00:00,BILLORDER001,VPO1,`4200001,oUSERbill00000000000000001,代币充值,coin,600,6.00,0.00,0.60,4,,现网,x",
    "2026-01-02 11:00:00,BILLREFUND01,VPR1,,oUSERbill00000000000000001,退款,coin,0,6.00,6.00,0.00,5,BILLORDER001,现网,y",
]


@pytest.mark.parametrize("packing", ["plain-gbk", "gzip-gbk", "zip-utf8", "utf8-bom"])
def test_bill_import_detects_packing_and_encoding(mirror, tmp_path, packing):
    text = bill_text(BILL_ROWS)
    path = tmp_path / "bill"
    if packing == "plain-gbk":
        path.write_bytes(text.encode("gbk"))
    elif packing == "gzip-gbk":
        path.write_bytes(gzip.compress(text.encode("gbk")))
    elif packing == "zip-utf8":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("bill.csv", text.encode())
    else:
        path.write_bytes(codecs.BOM_UTF8 + text.encode())
    report = import_bill(mirror, path)
    assert (report.added, report.rejected) == (2, [])
    assert report.unknown_columns == ["备注列"]
    payment = mirror.one("SELECT * FROM statement_lines WHERE id = 'BILLORDER001'")
    assert (payment["line_type"], payment["amount"], payment["fee"]) == ("payment", 600, 60)
    assert payment["wxpay_order_id"] == "4200001"
    refund = mirror.one("SELECT * FROM statement_lines WHERE id = 'BILLREFUND01'")
    assert (refund["line_type"], refund["order_id"], refund["amount"]) == (
        "refund",
        "BILLORDER001",
        600,
    )
    assert mirror.count("orders") == 0  # WeChat's statement never overwrites our own records
    assert import_bill(mirror, path).unchanged == 2


def test_bill_bad_rows_and_missing_header(mirror, tmp_path):
    rows = [
        *BILL_ROWS,
        "2026-01-03 10:00:00,BILLORDER003,VPO3,,oU3,代币充值,coin,1,abc,0,0,4,,现网,z",
        "short,row",
    ]
    path = tmp_path / "bill.csv"
    path.write_text(bill_text(rows), encoding="utf-8")
    report = import_bill(mirror, path)
    assert report.added == 2 and {r.line for r in report.rejected} == {6, 7}
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="header"):
        import_bill(mirror, nohead)


def test_simulator_bill_file_imports_cleanly(mirror, tmp_path, sim):
    sim.add_user(OPENID)
    order = sim.user_pays(OPENID, coins=600, env=0)
    day = yyyymmdd(beijing_today(sim.state.now()))
    path = tmp_path / "sim-bill.csv.gz"
    path.write_bytes(sim._bill_file(day, day))
    report = import_bill(mirror, path)
    assert (report.added, report.rejected, report.unknown_columns) == (1, [], [])
    assert (report.encoding, report.compression) == ("gb18030", "gzip")
    row = mirror.one("SELECT * FROM statement_lines WHERE id = ?", order["order_id"])
    assert row["wx_order_id"] == order["wx_order_id"] and row["amount"] == 600


# ---- session keys ------------------------------------------------------------------------


def test_session_keys_are_encrypted_at_rest_and_never_downgraded(mirror, tmp_path):
    vault = SessionKeyVault(mirror, vault_key("shop"))
    path = tmp_path / "keys.csv"
    path.write_text(
        "openid,session_key,obtained_at\n"
        f"{OPENID},9hAb/NEYUlkaMBEsmFgzig==,2026-11-01T10:00:00+08:00\n"
        "bad openid,x,2026\n",
        encoding="utf-8",
    )
    report = import_session_keys(mirror, path, vault=vault)
    assert report.added == 1 and [r.line for r in report.rejected] == [3]
    assert vault.load(OPENID).reveal() == "9hAb/NEYUlkaMBEsmFgzig=="
    raw = bytes(mirror.one("SELECT ciphertext FROM session_keys")[0])
    assert b"9hAb" not in raw
    older = tmp_path / "older.jsonl"
    older.write_text(
        json.dumps(
            {"openid": OPENID, "session_key": "OLDOLDOLDOLDOLDOLD==", "obtained_at": 1700000000}
        )
        + "\n",
        encoding="utf-8",
    )
    assert import_session_keys(mirror, older, vault=vault).skipped == 1
    assert vault.load(OPENID).reveal() == "9hAb/NEYUlkaMBEsmFgzig=="
    assert mask("9hAb/NEYUlkaMBEsmFgzig==") == "9hAb…(24)"
    assert vault_key("shop") == vault_key("shop")  # kept in the keyring, made once
    other = SessionKeyVault(mirror, vault_key("another-profile"))
    with pytest.raises(ConfigError):
        other.load(OPENID)


# ---- audit chain -------------------------------------------------------------------------


@pytest.fixture
def audited(store_mirror):
    mirror = store_mirror
    log = audit.AuditLog(mirror, operator="alice", profile="shop", env=1, host="desk-1")
    for n in range(5):
        log.append(
            "gift",
            {
                "openid": OPENID,
                "amount": n,
                "session_key": "SECRET-KEY",
                "pay_sig": "abcdef0123456789",
            },
            result="ok",
            openid=OPENID,
        )
    return mirror


def test_audit_chain_verifies_and_redacts(audited):
    assert audit.verify(audited).ok
    params = json.loads(audited.one("SELECT params FROM audit WHERE id = 1")["params"])
    assert params["session_key"] == "***" and params["pay_sig"] == "abcdef01…"


def test_audit_detects_an_edit(audited):
    audited.conn.execute(
        "UPDATE audit SET params = replace(params, '\"amount\": 2', '\"amount\": 200') WHERE id = 3"
    )
    report = audit.verify(audited)
    assert not report.ok and any("row 3" in p and "edited" in p for p in report.problems)


def test_audit_detects_a_deletion_in_the_middle_and_at_the_end(audited):
    audited.conn.execute("DELETE FROM audit WHERE id = 2")
    assert any("row 2 is missing" in p for p in audit.verify(audited).problems)


def test_audit_detects_deleting_the_last_row(audited):
    audited.conn.execute("DELETE FROM audit WHERE id = 5")
    assert any("last rows were removed" in p for p in audit.verify(audited).problems)


def test_audit_detects_a_reordering(audited):
    audited.conn.execute("UPDATE audit SET id = 100 WHERE id = 2")
    audited.conn.execute("UPDATE audit SET id = 2 WHERE id = 3")
    audited.conn.execute("UPDATE audit SET id = 3 WHERE id = 100")
    report = audit.verify(audited)
    assert not report.ok and any("chain broken" in p for p in report.problems)


def test_audit_export_csv_round_trips(audited, tmp_path):
    import csv

    path = tmp_path / "audit.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        assert audit.export_csv(audited, handle) == 5
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["序号"] for r in rows] == ["1", "2", "3", "4", "5"] and rows[0]["操作员"] == "alice"
    assert "SECRET-KEY" not in path.read_text(encoding="utf-8-sig")


# ---- queries -----------------------------------------------------------------------------


def order_row(n: int) -> dict:
    return {
        "order_id": f"Q{n:07d}",
        "wx_order_id": f"VPO{n:07d}",
        "openid": f"oQUERY{n % 50:022d}",
        "kind": "coin" if n % 3 else "item",
        "product_id": "coin",
        "quantity": 600,
        "order_fee": 600 + n % 7,
        "paid_fee": 600,
        "left_fee": 600,
        "status": 4 if n % 10 else 2,
        "env": 1,
        "create_time": 1767225600 + n * 60,
        "paid_time": 1767225600 + n * 60 + 5,
        "provide_time": 0,
        "source": "test",
        "refreshed_at": 0,
        "raw": "{}",
        "channel_order_id": f"CH{n}",
        "wxpay_order_id": f"42{n:08d}",
        "sett_state": 0,
        "sett_time": 0,
        "platform_fee_fen": 0,
        "cps_fee_fen": 0,
        "update_time": 0,
        "biz_meta": "",
    }


def many_orders(mirror, count: int):
    with mirror.transaction():
        upsert_orders(mirror, [order_row(n) for n in range(count)])


def test_timeline_merges_everything_newest_first(store_mirror):
    mirror = store_mirror
    many_orders(mirror, 200)
    openid = "oQUERY" + "0" * 22
    log = audit.AuditLog(mirror, operator="bob", profile="p", env=1)
    mirror.conn.execute(
        "INSERT INTO ledger (kind, order_id, openid, amount, created_at, status, "
        "reason, operator) VALUES ('gift', 'GIFTQ0001', ?, 50, 1767239000, "
        "'done', '补偿', 'bob')",
        (openid,),
    )
    log.append("gift", {"amount": 50}, result="ok", openid=openid)
    entries = timeline(mirror, openid, limit=50)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    kinds = {e.kind for e in entries}
    assert {"order", "gift", "audit"} <= kinds
    gift = next(e for e in entries if e.kind == "gift")
    assert (gift.amount, gift.unit, gift.signed_amount) == (50, "coins", 50)
    assert json.loads(gift.raw)["operator"] == "bob"


def test_search_by_any_id(store_mirror):
    mirror = store_mirror
    many_orders(mirror, 100)
    assert [h.id for h in search(mirror, "Q0000042")] == ["Q0000042"]
    assert search(mirror, "VPO0000042")[0].matched == "wx_order_id"
    assert search(mirror, "CH42")[0].matched == "channel_order_id"
    assert search(mirror, "4200000042")[0].matched == "wxpay_order_id"
    users = search(mirror, "oQUERY00000000000000000000")
    assert users and all(h.kind == "user" for h in users)
    assert search(mirror, "nothing-like-this") == []


def test_keyset_pages_match_offset_pages_and_filters(store_mirror):
    mirror = store_mirror
    many_orders(mirror, 3000)
    sort = OrderSort("create_time", descending=True)
    every = page_after(mirror, OrderFilter(), sort, limit=5000)
    pages, after = [], None
    while True:
        page = page_after(mirror, OrderFilter(), sort, after=after, limit=200)
        if not page:
            break
        pages += page
        after = sort.key_of(page[-1])
    assert [r["order_id"] for r in pages] == [r["order_id"] for r in every]
    filt = OrderFilter(statuses=(2,), kind="item")
    assert count_orders(mirror, filt) == len(
        [r for r in every if r["status"] == 2 and r["kind"] == "item"]
    )


@pytest.mark.parametrize(
    "sort",
    [
        OrderSort("create_time", True),
        OrderSort("paid_fee", False),
        OrderSort("order_id", True),
        OrderSort("status", False),
    ],
)
def test_pager_random_access_equals_the_full_list(store_mirror, sort):
    mirror = store_mirror
    many_orders(mirror, 2500)
    pager = OrderPager(mirror, OrderFilter(), sort, stride=100)
    full = page_after(mirror, OrderFilter(), sort, limit=5000)
    for start in (0, 1, 99, 100, 101, 1234, 2399, 2450):
        got = [r["order_id"] for r in pager.rows(start, 50)]
        assert got == [r["order_id"] for r in full[start : start + 50]], start
    assert pager.rows(2500, 10) == [] and pager.total == 2500


def test_order_detail_links_refunds_ledger_and_pushes(store_mirror):
    mirror = store_mirror
    many_orders(mirror, 3)
    mirror.conn.execute(
        "INSERT INTO refunds (refund_order_id, order_id, refund_fee, status) "
        "VALUES ('R1', 'Q0000001', 600, 'refunded')"
    )
    mirror.conn.execute(
        "INSERT INTO ledger (kind, order_id, openid, amount, created_at, status, "
        "refund_order_id) VALUES ('clawback', 'CLAW0001', 'o', 600, 1, 'done', "
        "'R1')"
    )
    detail = order_detail(mirror, "Q0000001")
    assert [r["refund_order_id"] for r in detail["refunds"]] == ["R1"]
    assert [r["order_id"] for r in detail["ledger"]] == ["CLAW0001"]
    assert order_detail(mirror, "missing") is None


def add_push(mirror, key: str, event: str, order_id: str, refund_order_id: str = "") -> None:
    mirror.conn.execute(
        "INSERT INTO pushes (dedupe_key, event, order_id, refund_order_id, verdict, create_time, "
        "received_at) VALUES (?, ?, ?, ?, 'accept', 1767226000, 1767226000)",
        (key, event, order_id, refund_order_id),
    )


def add_ledger(mirror, ledger_id: str, kind: str, refund_order_id: str | None) -> None:
    mirror.conn.execute(
        "INSERT INTO ledger (kind, order_id, openid, amount, created_at, status, "
        "refund_order_id) VALUES (?, ?, 'o', 5, 1, 'done', ?)",
        (kind, ledger_id, refund_order_id),
    )


def test_order_detail_shows_only_that_order(store_mirror):
    mirror = store_mirror
    """An order without refunds once matched `refund_order_id IN ('')`: every push and ledger
    row with an empty refund id belonged to it."""
    many_orders(mirror, 3)  # Q0000000 (no refunds), Q0000001 (two refunds), Q0000002
    for refund_id, fee in (("R1", 100), ("R2", 200)):
        mirror.conn.execute(
            "INSERT INTO refunds (refund_order_id, order_id, refund_fee, status) "
            "VALUES (?, 'Q0000001', ?, 'refunded')",
            (refund_id, fee),
        )
    add_push(mirror, "p0", "xpay_goods_deliver_notify", "Q0000000")
    add_push(mirror, "p1", "xpay_coin_pay_notify", "Q0000001")
    add_push(mirror, "p2", "xpay_coin_pay_notify", "Q0000002")
    add_push(mirror, "p3", "xpay_refund_notify", "", "R1")
    add_push(mirror, "p4", "xpay_refund_notify", "Q0000001", "R2")
    add_ledger(mirror, "GIFT0001", "gift", "")  # no refund: an empty id
    add_ledger(mirror, "GIFT0002", "gift", None)
    add_ledger(mirror, "CLAW0001", "clawback", "R1")
    add_ledger(mirror, "CLAW0002", "clawback", "R2")
    plain = order_detail(mirror, "Q0000000")
    assert (plain["refunds"], plain["ledger"]) == ([], [])
    assert [p["id"] for p in plain["pushes"]] == [1]
    refunded = order_detail(mirror, "Q0000001")
    assert [r["refund_order_id"] for r in refunded["refunds"]] == ["R1", "R2"]
    assert sorted(r["order_id"] for r in refunded["ledger"]) == ["CLAW0001", "CLAW0002"]
    assert sorted(p["id"] for p in refunded["pushes"]) == [2, 4, 5]
    other = order_detail(mirror, "Q0000002")
    assert [p["id"] for p in other["pushes"]] == [3] and other["ledger"] == []


def test_order_detail_reads_through_indexes():
    """SQLite's plan (PostgreSQL's planner scans tables this small, whatever the indexes)."""
    from core.mirror.queries import order_detail_plan

    mirror = Mirror()

    many_orders(mirror, 3)
    for refund_ids in ([], ["R1"], ["R1", "R2"]):
        plan = order_detail_plan(mirror, "Q0000001", refund_ids)
        assert plan and not [line for line in plan if line.startswith("SCAN")], plan


def open_at_once(target, openers: int) -> list[BaseException]:
    """`openers` threads open and close a Mirror on `target` at the same moment; what they raised."""
    import threading

    barrier = threading.Barrier(openers)
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            Mirror(target).close()
        except BaseException as exc:  # collected for the caller's assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_many_openers_of_a_new_mirror_migrate_it_once(tmp_path):
    """Operators starting at the same moment on a new mirror file (seen in the refund race:
    "table orders already exists"; then "database is locked" from the switch to WAL, in about
    7 % of rounds, so several rounds make a regression show)."""
    for round_no in range(20):
        path = tmp_path / f"shared{round_no}.sqlite"
        assert open_at_once(path, 8) == [], f"round {round_no}"
        with Mirror(path) as mirror:
            assert mirror.version == SCHEMA_VERSION


def test_many_openers_of_a_new_postgresql_database_migrate_it_once(pg_cluster):
    """Two server processes (or two desktops) opening a new shared database at once: each waits
    for the writer lock, then must see the other's migration (once seen: "relation orders
    already exists" in 4 rounds of 5)."""
    for round_no in range(5):
        url = pg_cluster.new_database()
        assert open_at_once(url, 6) == [], f"round {round_no}"
        with Mirror(url) as mirror:
            assert mirror.version == SCHEMA_VERSION
