"""The rest of the CLI's verbs over a solo and a team profile (tests/cli_matrix.py): signing with
the profile's key, imports, the audit log, reconciliation, bulk gifts and a refund followed by its
coin clawback. Each team half switches itself on when RemoteDesk offers the methods it names."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import openpyxl
import pytest

from core.cli import main
from core.remote.errors import RemoteError, RemoteForbidden
from core.signing import calc_pay_sig
from core.simulator.server import solid_png
from tests.cli_matrix import _openids, both, cli_fixture, team_login  # noqa: F401  (fixtures)
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)


@both("sign")
def test_cli_signs_with_the_profiles_key(cli, capsys):
    """The key stays with the profile (on a team profile, on the server): the CLI never has it."""
    body = '{"openid":"oSign_0000000000000000000001","env":1}'
    code, out = cli(capsys, "sign", "--uri", "/xpay/query_user_balance", "--body", body)
    expected = calc_pay_sig("/xpay/query_user_balance", body, cli.sim.config.sandbox_app_key)
    assert (code, out["pay_sig"]) == (0, expected)
    code, out = cli(
        capsys, "sign", "--uri", "/xpay/query_user_balance", "--body", body, "--compare", "0" * 64
    )
    assert (code, out["compare"] == "match") == (1, False)


@both("import_file", "audit_check", "export_audit", "gift")
def test_cli_import_and_audit(cli, capsys, tmp_path):
    openid = cli.openid()
    cli.sim.add_user(openid)
    order = cli.sim.user_pays(openid, coins=600)
    orders = tmp_path / "vk.jsonl"
    orders.write_text(
        json.dumps(
            {
                "out_trade_no": order["order_id"],
                "pay_type": "wxpay-virtual",
                "status": 1,
                "openid": openid,
                "total_fee": 600,
                "_add_time": 1767225600000,
                "pay_date": 1767225660000,
                "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 600},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    code, out = cli(capsys, "import", "orders", str(orders))
    assert (code, out["imports"][0]["added"]) == (0, 1)
    gift_id = f"GIFTAUD{openid[-8:]}"
    code, out = cli(capsys, "gift", openid, "7", "--order-id", gift_id, "--note", "audit me")
    assert (code, out["state"]) == (0, "done")
    code, out = cli(capsys, "audit", "verify")
    assert (code, out["ok"], out["mirror"]["state"]) == (0, True, "ok")
    assert out["rows"] >= 2  # the gift's intent and its outcome at least
    exported = tmp_path / "audit.jsonl"
    code, _ = cli(capsys, "audit", "export", "--format", "json", "--out", str(exported))
    rows = [json.loads(line) for line in exported.read_text("utf-8").splitlines()]
    assert code == 0 and rows and all(r["openid"] == openid for r in rows if r["openid"])


@both("reconcile", "export_report")
def test_cli_reconcile_and_its_export(cli, capsys, tmp_path):
    code, out = cli(capsys, "reconcile", "--from", "2026-01-01", "--to", "2026-01-31")
    assert code in (0, 4) and out["period"].startswith("2026-01-01")
    assert {"orders", "refunds", "net", "open_items"} <= set(out["summary"])
    assert out["not_covered"]  # no bill imported: every day is said
    report = tmp_path / "jan.json"
    code, _ = cli(
        capsys, "reconcile", "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(report)
    )
    assert code in (0, 4) and json.loads(report.read_text("utf-8"))


@both("run_bulk")
def test_cli_bulk_gift(cli, capsys, tmp_path):
    first, second = cli.openid(), cli.openid()
    for openid in (first, second):
        cli.sim.add_user(openid)
    gifts = tmp_path / "g.csv"
    gifts.write_text(f"{first},5,补偿\n{second},6,补偿\n", encoding="utf-8")
    code, out = cli(capsys, "bulk", "gift", str(gifts))
    if cli.team is not None:  # what team mode adds: every bulk action waits for a second person
        assert (code, out["states"]) == (8, {"awaiting_approval": 2})
        assert [cli.sim.state.account(1, o)["balance"] for o in (first, second)] == [0, 0]
        approve_bulk(cli.team, "fay")
    else:
        assert (code, out["states"]) == (0, {"done": 2})
    assert [cli.sim.state.account(1, o)["balance"] for o in (first, second)] == [5, 6]


@both("gift")
def test_cli_a_gift_above_the_approval_amount_exits_8_on_a_team_profile(cli, capsys):
    openid = cli.openid()
    cli.sim.add_user(openid)
    code, out = cli(
        capsys, "gift", openid, "1500", "--order-id", f"GIFTBIG{openid[-8:]}", "--note", "n"
    )
    if cli.team is not None:  # the team server's [approval] gift = 1000: a second person decides
        assert (code, out["state"], out["intent_id"]) == (8, "awaiting_approval", 0)
        assert cli.sim.state.account(1, openid)["balance"] == 0
    else:
        assert (code, out["state"]) == (0, "done")


def approve_bulk(server, approver: str) -> None:
    with server.client() as http:
        headers = server.token(approver)
        waiting = http.get("/api/v1/approvals", headers=headers).json()
        (ask,) = [a for a in waiting if a["action"] == "bulk_gift" and a["requested_by"] == "ada"]
        decided = http.post(
            f"/api/v1/approvals/{ask['id']}/approve", headers=headers, json={"reason": "checked"}
        )
    assert decided.status_code == 200, decided.text


@both("refund", "wait_for_refund", "intent_children", "clawback_status", "start_clawback")
def test_cli_refund_followed_to_its_clawback(cli, capsys):
    openid = cli.openid()
    key = cli.sim.add_user(openid)
    order = cli.sim.user_pays(openid, coins=600)
    args = ["refund-with-clawback", "--order-id", order["order_id"], "--openid", openid]
    args += ["--refund-fee", "600", "--left-fee", "600", "--note", "complaint", "--wait", "10"]
    code, out = cli(capsys, *args)
    # no session key at hand: the refund is done, the clawback waits for the user's login
    assert (code, out["state"], out["coins_outstanding"]) == (5, "done", 600)
    assert [c["state"] for c in out["clawbacks"]] == ["needs_login"]
    code, out = cli(capsys, "clawback", out["wechat_id"], "--note", "login", "--session-key", key)
    assert (code, out["state"], out["coins_taken"], out["coins_outstanding"]) == (0, "done", 600, 0)
    assert cli.sim.state.account(1, openid)["balance"] == 0


@both("decode_push", "save_push", "store_where")
def test_cli_decodes_and_saves_a_push_with_the_profiles_keys(cli, capsys, tmp_path):
    openid = cli.openid()
    cli.sim.add_user(openid)
    order = cli.sim.user_pays(openid, coins=600)
    push = cli.sim.delivered[-1]  # the payment's push, as WeChat sent it
    body = tmp_path / "push.body"
    body.write_text(push.body, encoding="utf-8")
    args = ("decode", "--query", push.query, "--body-file", str(body))
    code, out = cli(capsys, *args)
    assert (code, out["verdict"]) == (0, "accept") and out["reply"]
    code, out = cli(capsys, *args, "--save")
    assert (code, out["verdict"]) == (0, "accept") and isinstance(out["saved"], bool)
    code, out = cli(capsys, *args, "--save")
    assert out["saved"] is False  # once only
    with cli.mirror() as mirror:
        row = mirror.one("SELECT * FROM pushes WHERE order_id = ?", order["order_id"])
    assert (row["verdict"], row["openid"]) == ("accept", openid)


@both("sync_complaints", "open_complaints", "complaint", "now")
def test_cli_lists_and_shows_a_complaint(cli, capsys):
    openid = cli.openid()
    cli.sim.add_user(openid)
    order = cli.sim.user_pays(openid, coins=600)
    complaint_id = cli.sim.add_complaint(openid, order["order_id"], detail="没有收到代币")
    code, out = cli(capsys, "complaints", "list")
    mine = [r for r in out["open"] if r["complaint_id"] == complaint_id]
    assert code == 0 and [r["openid"] for r in mine] == [openid]
    assert 0 < mine[0]["seconds_left"] <= 24 * 3600
    code, out = cli(capsys, "complaints", "show", complaint_id)
    assert code == 0 and out["order"]["paid_fee"] == 600
    assert [h["operate_type"] for h in out["history"]] == ["USER_CREATE_COMPLAINT"]


@both("refund")
def test_cli_refusals_exit_alike_on_both_kinds(cli, capsys):
    """A team server's refusal exits as the core's own error of that kind: bad input is 2."""
    openid = cli.openid()
    cli.sim.add_user(openid)
    order = cli.sim.user_pays(openid, coins=600)
    args = ["refund", "--openid", openid, "--order-id", order["order_id"], "--reason", "3"]
    args += ["--refund-order-id", f"RFOVER{openid[-8:]}", "--left-fee", "600"]
    code, out = cli(capsys, *args, "--refund-fee", "601", "--note", "too much")
    assert (code, out["error"]["kind"]) == (2, "validation")
    assert "601" in out["error"]["message"] or "600" in out["error"]["message"]


@both("find_order", "refresh_orders")
def test_cli_refresh_says_which_orders_failed(cli, capsys):
    openid = cli.openid()
    cli.sim.add_user(openid)
    paid = cli.sim.user_pays(openid, coins=600)
    code, out = cli(capsys, "refresh", "--wx-order-id", paid["wx_order_id"], "--openid", openid)
    assert (code, out["refreshed"]) == (0, [paid["order_id"]])
    code, out = cli(capsys, "refresh", paid["order_id"], "NEVERSEEN0001")
    assert (code, out["refreshed"]) == (1, [paid["order_id"]])
    assert out["failed"] == {"NEVERSEEN0001": "NEVERSEEN0001 is not in the mirror; give its openid"}


def test_team_lookups_ask_for_the_roles_of_their_verbs(team, team_sim):  # noqa: F811
    """Finding an order by its WeChat id and refreshing orders are support's (they record what
    WeChat says); the bill is finance's. Refusals are the server's 403, said in both languages."""
    openid = f"oMatrix_{next(_openids):022d}"
    team_sim.add_user(openid)
    paid = team_sim.user_pays(openid, coins=600)

    async def go() -> None:
        viewer, support, finance = (remote_desk(team, n) for n in ("vera", "sam", "fay"))
        try:
            with pytest.raises(RemoteForbidden, match="viewer"):
                await viewer.find_order(paid["wx_order_id"], openid=openid)
            with pytest.raises(RemoteForbidden):
                await viewer.refresh_orders([paid["order_id"]])
            found = await support.find_order(paid["wx_order_id"], openid=openid)
            assert found == paid["order_id"]
            report = await support.refresh_orders([found])
            assert (report.refreshed, report.failed) == ([found], {})
            with pytest.raises(RemoteForbidden) as refused:
                await support.download_bill("20260101", "20260131")
            assert refused.value.message("zh_CN") and refused.value.status == 403
            for _ in range(50):  # WeChat answers 268490011 "ask again" while it writes it
                try:
                    bill = await finance.download_bill("20260101", "20260131")
                    break
                except RemoteError as exc:
                    assert exc.errcode == 268490011
            assert bill.url.startswith(team_sim.url)
        finally:
            for desk in (viewer, support, finance):
                await desk.close()

    asyncio.run(go())


@both("gift", "abandon", "resolve", "pending")
def test_cli_abandons_what_never_reached_wechat_and_resolves_one_by_its_id(cli, capsys):
    openid = cli.openid()
    cli.sim.add_user(openid)
    gift = ["gift", openid, "--note", "n", "--order-id"]
    cli.sim.faults.add("present_currency", "rate_limit", count=1)
    code, out = cli(capsys, *gift, f"GIFTAB{openid[-8:]}", "3")
    assert (code, out["state"]) == (1, "prepared")
    code, out = cli(capsys, "abandon", str(out["intent_id"]), "--note", "duplicate ticket")
    assert (code, out["state"], out["outcome"]["abandoned"]["note"]) == (
        0,
        "failed",
        "duplicate ticket",
    )
    code, out = cli(capsys, "--lang", "en", "abandon", str(out["intent_id"]), "--note", "again")
    assert (code, out["error"]["kind"]) == (2, "not_abandonable")
    assert "already closed" in out["error"]["message"]
    unknown = []
    for n in (1, 2):  # two gifts whose answers were lost
        cli.sim.faults.add("present_currency", "reset", count=1)
        code, out = cli(capsys, *gift, f"GIFTRS{n}{openid[-7:]}", str(3 + n))
        assert (code, out["state"]) == (3, "unknown")
        unknown.append(out["intent_id"])
    code, out = cli(capsys, "resolve", str(unknown[0]))
    assert (code, [(r["intent_id"], r["state"]) for r in out["resolved"]]) == (
        0,
        [(unknown[0], "done")],
    )
    assert unknown[1] in out["still_open"] and unknown[0] not in out["still_open"]
    code, out = cli(capsys, "resolve", str(unknown[1]))
    assert [(r["intent_id"], r["state"]) for r in out["resolved"]] == [(unknown[1], "done")]
    assert cli.sim.state.account(1, openid)["balance"] == 4 + 5


@both("sync_complaints", "open_complaints", "respond_complaint", "complete_complaint", "now")
def test_cli_answers_a_complaint_with_an_image_and_completes_it(cli, capsys, tmp_path):
    openid = cli.openid()
    cli.sim.add_user(openid)
    order = cli.sim.user_pays(openid, coins=600)
    complaint_id = cli.sim.add_complaint(openid, order["order_id"], detail="没有收到代币")
    code, out = cli(capsys, "complaints", "list")
    assert code == 0 and complaint_id in [r["complaint_id"] for r in out["open"]]
    (tmp_path / "proof.png").write_bytes(solid_png(2, 2, b"\xff\x00\x00"))
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    respond = ["complaints", "respond", complaint_id, "--text", "已补发", "--image"]
    code, out = cli(capsys, *respond, str(tmp_path / "notes.txt"))
    assert (code, out["error"]["kind"]) == (2, "validation")
    code, out = cli(capsys, *respond, str(tmp_path / "proof.png"))
    assert (code, out["state"], len(out["file_ids"])) == (0, "PROCESSING", 1)
    (answer,) = [
        h
        for h in cli.sim.state.complaint(complaint_id)[1]
        if h["operate_type"] == "MERCHANT_RESPONSE"
    ]
    assert answer["complaint_media_list"][0]["media_type"] == "OPERATION_IMAGE"
    code, out = cli(capsys, "complaints", "complete", complaint_id)
    assert (code, out["state"]) == (0, "PROCESSED")
    code, out = cli(capsys, "complaints", "list", "--no-refresh")
    assert code == 0 and complaint_id not in [r["complaint_id"] for r in out["open"]]


@both("import_file", "deduct", "save_push")
def test_cli_imports_session_keys_and_pushes(cli, capsys, tmp_path):
    openid = cli.openid()
    key = cli.sim.add_user(openid)
    cli.sim.user_pays(openid, coins=600)
    deduct = ["deduct", openid, "100", "--note", "误充", "--order-id"]
    code, out = cli(capsys, *deduct, f"DEDKEY1{openid[-7:]}")  # no key stored yet
    assert (code, out["state"]) == (1, "failed")
    keys = tmp_path / "keys.csv"
    keys.write_text(f"openid,session_key\n{openid},{key}\n", encoding="utf-8")
    code, out = cli(capsys, "import", "session-keys", str(keys))
    assert (code, out["imports"][0]["added"], out["imports"][0]["rejected_total"]) == (0, 1, 0)
    code, out = cli(capsys, *deduct, f"DEDKEY2{openid[-7:]}")  # with the key imported
    assert (code, out["state"], out["outcome"]["balance"]) == (0, "done", 500)
    push = cli.sim.delivered[-1]  # the payment's push, as WeChat sent it
    pushes = tmp_path / "pushes.jsonl"
    lines = [{"query": push.query, "body": push.body}, {"query": push.query, "body": "junk"}]
    pushes.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    code, out = cli(capsys, "import", "pushes", str(pushes))
    report = out["imports"][0]
    # (the team server may have had the push already, as WeChat sent it there)
    assert (code, report["added"] + report["unchanged"], report["rejected_total"]) == (0, 1, 1)
    assert [r["line"] for r in report["rejected"]] == [2]
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "p1.query").write_text(push.query, encoding="utf-8")
    (folder / "p1.body").write_text(push.body, encoding="utf-8")
    (folder / "p2.query").write_text("x" * ((1 << 20) + 1), encoding="utf-8")  # too large
    (folder / "p3.query").write_text(push.query, encoding="utf-8")
    (folder / "p3.body").write_text("junk", encoding="utf-8")
    code, out = cli(capsys, "import", "pushes", str(folder))
    report = out["imports"][0]
    assert (code, report["path"], report["added"], report["unchanged"]) == (0, str(folder), 0, 1)
    assert [r["line"] for r in report["rejected"]] == [2, 3]
    assert "1024 KB" in report["rejected"][0]["reason"]
    code, out = cli(capsys, "--lang", "en", "import", "pushes", str(tmp_path / "gone"))
    assert (code, out["error"]["kind"]) == (2, "import")
    assert "gone: no such file or folder (nothing was written)" in out["error"]["message"]


BILL_HEADER = "交易时间,商户订单号,微信订单号,用户openid,交易类型,订单金额(元),手续费(元)"


@both("import_file", "reconcile", "export_report")
def test_cli_imports_a_bill_and_exports_the_reconciliation_as_csv_and_xlsx(cli, capsys, tmp_path):
    """A bill for a day nobody else's test touches (the team server's store is shared by the
    module): its orders were never seen, so reconciliation finds open items (exit 4)."""
    openid = cli.openid()
    bill = tmp_path / "bill.csv"
    bill.write_text(
        f"{BILL_HEADER}\n2025-03-01 10:00:00,BILL{openid[-10:]},WX{openid[-10:]},{openid},"
        "代币充值,6.00,0.06\n",
        encoding="utf-8",
    )
    code, out = cli(capsys, "import", "bill", str(bill))
    assert (code, out["imports"][0]["added"]) == (0, 1)
    period = ["reconcile", "--from", "2025-03-01", "--to", "2025-03-02"]
    code, out = cli(capsys, *period)
    assert (code, out["not_covered"]) == (4, ["2025-03-02"])
    assert out["summary"]["discrepancies"] >= 1
    code, _ = cli(capsys, *period, "--out", str(tmp_path / "r.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert code == 4 and "汇总 Summary" in book.sheetnames
    summary = [[c.value for c in row] for row in book["汇总 Summary"].iter_rows()]
    assert any("2025-03-02" in str(cell) for row in summary for cell in row)
    code, _ = cli(capsys, *period, "--out", str(tmp_path / "r.csv"))
    written = sorted(p.name for p in tmp_path.glob("r-*.csv"))
    assert code == 4 and "r-not-covered.csv" in written and "r-discrepancies.csv" in written
    discrepancies = (tmp_path / "r-discrepancies.csv").read_text(encoding="utf-8-sig")
    assert f"BILL{openid[-10:]}" in discrepancies


@both("gift", "write_audit", "export_audit", "write_report_json")
def test_cli_writes_the_audit_log_and_the_report_to_stdout_and_files(cli, capsys, tmp_path):
    openid = cli.openid()
    cli.sim.add_user(openid)
    code, out = cli(
        capsys, "gift", openid, "9", "--order-id", f"GIFTOUT{openid[-8:]}", "--note", "导出"
    )
    assert (code, out["state"]) == (0, "done")
    code = main(
        ["--config", str(cli.config), "--lang", "en", "audit", "export", "--openid", openid]
    )
    shown = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert code == 0 and len(shown) == 3  # a header, the gift's intent and its outcome
    assert all(openid in row for row in shown[1:]) and any("导出" in c for c in shown[1])
    written = tmp_path / "audit.csv"
    code, _ = cli(capsys, "audit", "export", "--openid", openid, "--out", str(written))
    with written.open(encoding="utf-8-sig", newline="") as handle:
        assert code == 0 and len(list(csv.reader(handle))) == 3
    period = ["reconcile", "--from", "2025-02-01", "--to", "2025-02-02"]
    code = main(["--config", str(cli.config), *period, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["not_covered"]) == (0, ["2025-02-01", "2025-02-02"])  # nothing open
    assert {"discrepancies", "clawbacks", "daily"} <= set(report["sections"])


@both("approvals", "approve", "reject")
def test_cli_lists_approves_and_rejects_approvals(cli, capsys, tmp_path):
    if cli.team is None:  # a solo profile has no second operator
        code, out = cli(capsys, "approvals", "list")
        assert (code, out["error"]["kind"]) == (2, "config")
        said = out["error"]["message"]
        assert "approvals exist only in team mode" in said or "审批只存在于团队模式" in said
        return
    support = cli.as_role("support", tmp_path)
    openid = cli.openid()
    cli.sim.add_user(openid)
    asks = []
    for n in (1, 2):
        code, out = support(
            capsys, "gift", openid, "1500", "--order-id", f"APPR{n}{openid[-8:]}", "--note", "big"
        )
        assert (code, out["state"]) == (8, "awaiting_approval")
    code, out = cli(capsys, "approvals", "list")
    mine = [a for a in out["approvals"] if a["openid"] == openid]
    assert code == 0 and len(mine) == 2 and {a["state"] for a in mine} == {"awaiting_approval"}
    asks = [a["id"] for a in mine]
    code, out = cli(capsys, "approvals", "approve", asks[0], "--reason", "checked the ticket")
    assert (code, out["approval"]["state"], out["approval"]["decided_by"]) == (0, "approved", "ada")
    assert cli.sim.state.account(1, openid)["balance"] == 1500
    code, out = cli(capsys, "approvals", "reject", asks[1], "--reason", "once is enough")
    assert (code, out["approval"]["state"]) == (0, "rejected")
    assert cli.sim.state.account(1, openid)["balance"] == 1500
    code, out = support(capsys, "approvals", "list", "--mine", "--all")
    states = {a["id"]: a["state"] for a in out["approvals"]}
    assert code == 0 and (states[asks[0]], states[asks[1]]) == ("approved", "rejected")
    code, out = cli(capsys, "approvals", "approve", asks[1], "--reason", "x")  # decided already
    assert code != 0 and "error" in out
    code, out = cli(capsys, "approvals", "approve", asks[1], "--reason", " ")
    assert code == 2 and out["error"]["kind"] == "validation"
