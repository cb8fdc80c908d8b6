"""Session keys from the merchant backend, bulk gifts and deductions, and their CLI verbs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.cli import main
from core.errors import NetworkError, XPayDeskError
from core.operations import PolicyRefused
from core.operations.bulk import plan_bulk, run_bulk
from core.operations.session_keys import SessionKeyProvider
from core.secret import Secret
from core.simulator import profile_toml
from tests.opsfixtures import make_ops
from tests.simfixtures import ALICE, BOB


@pytest.fixture
def backend(sim):
    """The merchant's session-key endpoint: bearer token, JSON answer, 404 when unknown."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            openid = self.path.split("openid=")[-1]
            key = sim.state.session_key_state(openid)[0]
            if self.headers.get("Authorization") != "Bearer backend-token":
                self.send_response(401)
                self.end_headers()
                return
            body = (
                json.dumps(
                    {"session_key": key, "obtained_at": "2026-11-27T10:00:00+08:00"}
                ).encode()
                if key
                else b"{}"
            )
            self.send_response(200 if key else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/session-key", seen
    server.shutdown()
    server.server_close()


async def test_deduction_with_a_key_from_the_backend(sim, http, mirror, backend):
    url, seen = backend
    sim.add_user(ALICE)
    sim.state.present_currency(1, ALICE, 100, "SEEDGIFTBK01")
    ops = make_ops(sim, http, mirror)
    ops.session_keys = SessionKeyProvider(
        ops.session_keys.vault, http=http, url=url, token=Secret("backend-token")
    )
    result = await ops.deduct(ALICE, 40, reason="r", request_key="bk1")
    assert result.state == "done" and sim.state.account(1, ALICE)["balance"] == 60
    assert seen == ["Bearer backend-token"]
    assert ops.session_keys.vault.load(ALICE) is not None  # cached, encrypted, for next time
    rows = [r["params"] for r in mirror.all("SELECT params FROM audit WHERE result = 'ok'")]
    assert '"session_key_source": "backend"' in rows[-1]
    unknown = SessionKeyProvider(None, http=http, url=url, token=Secret("backend-token"))
    assert await unknown.get(BOB) is None  # the backend answers 404 for a user it never saw
    wrong = SessionKeyProvider(None, http=http, url=url, token=Secret("wrong"))
    with pytest.raises(NetworkError):
        await wrong.get(ALICE)


async def test_bulk_gift_preview_cap_and_resume(sim, http, mirror, tmp_path):
    for user in (ALICE, BOB):
        sim.add_user(user)
    path = tmp_path / "gifts.csv"
    path.write_text(f"openid,amount,reason\n{ALICE},10,活动\n{BOB},20,活动\n", encoding="utf-8")
    plan = plan_bulk(path, "gift")
    assert (len(plan.rows), plan.total, plan.rejected) == (2, 30, [])
    support = make_ops(sim, http, mirror, role="support")
    with pytest.raises(PolicyRefused, match="cap"):
        await run_bulk(support, plan)  # support has no bulk allowance
    ops = make_ops(sim, http, mirror, role="admin")
    sim.faults.add("present_currency", "reset", count=1)  # the first row's answer is lost
    report = await run_bulk(ops, plan)
    assert [r.state for _row, r in report.results] == ["unknown", "done"]
    # Same file again: same batch, the unknown row is re-asked with its own order id, not re-sent
    again = await run_bulk(ops, plan_bulk(path, "gift"))
    assert [r.state for _row, r in again.results] == ["done", "done"]
    assert (
        sim.state.account(1, ALICE)["balance"] == 10 and sim.state.account(1, BOB)["balance"] == 20
    )
    assert mirror.count("batches") == 1
    assert len(list(mirror.all("SELECT 1 FROM audit WHERE action = 'bulk_gift'"))) == 1


def test_bulk_rejects_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "oGOODUSER000000000001,5,ok\nbad id,5,x\noGOODUSER000000000002,-1,x\n"
        "oGOODUSER000000000003,5,\n",
        encoding="utf-8",
    )
    plan = plan_bulk(path, "deduct")
    assert [r.line for r in plan.rejected] == [2, 3, 4] and len(plan.rows) == 1
    with pytest.raises(XPayDeskError):
        plan_bulk(path, "refund")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", ["Refund · Done", "Needs user login", "600 coins outstanding"]),
        ("zh_CN", ["退款 · 已完成", "等待用户登录", "未回收 600 代币"]),
    ],
)
def test_refund_with_clawback_says_the_clawback_is_still_open(sim, tmp_path, capsys, lang, said):
    config = tmp_path / "p.toml"
    config.write_text(
        profile_toml(sim, db=str(tmp_path / "m.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    args = ["--lang", lang, "--config", str(config), "refund-with-clawback"]
    args += ["--order-id", order["order_id"], "--openid", ALICE, "--refund-fee", "600"]
    args += ["--left-fee", "600"]
    code = main([*args, "--note", "complaint", "--wait", "10"])
    text = capsys.readouterr().out
    assert code == 5
    assert all(words in text for words in said), text
    assert "完成 done" not in text


def test_cli_refund_with_clawback_and_bulk(sim, tmp_path, capsys):
    config = tmp_path / "p.toml"
    config.write_text(
        profile_toml(sim, db=str(tmp_path / "m.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    code = main(
        [
            "--json",
            "--config",
            str(config),
            "refund-with-clawback",
            "--order-id",
            order["order_id"],
            "--openid",
            ALICE,
            "--refund-fee",
            "600",
            "--left-fee",
            "600",
            "--note",
            "complaint",
            "--wait",
            "10",
        ]
    )
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # the refund is done, its clawback is not: not "done", a code of its own
    assert code == 5 and out["state"] == "done" and out["coins_outstanding"] == 600
    (claw,) = out["clawbacks"]
    # the mirror holds no session key for this user: the clawback waits for a login, visibly
    assert (claw["amount"], claw["state"]) == (600, "needs_login")
    assert key  # the user has one at WeChat; the desk just does not know it
    gifts = tmp_path / "g.csv"
    gifts.write_text(f"{ALICE},5,补偿\n", encoding="utf-8")
    assert main(["--json", "--config", str(config), "bulk", "gift", str(gifts), "--dry-run"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert (preview["rows"], preview["total"], preview["dry_run"]) == (1, 5, True)
    assert sim.state.account(1, ALICE)["balance"] == 600  # a dry run sends nothing
    assert main(["--json", "--config", str(config), "bulk", "gift", str(gifts)]) == 0
    assert sim.state.account(1, ALICE)["balance"] == 605
