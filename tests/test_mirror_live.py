"""The mirror fed by the simulator: saved pushes, live refresh, and the CLI verbs."""

from __future__ import annotations

import json

import pytest

from core.callbacks import CallbackKeys
from core.cli import main
from core.mirror.db import Mirror
from core.mirror.importing import import_pushes
from core.mirror.queries import timeline
from core.mirror.refresh import refresh_balance, refresh_order
from core.simulator import PushConfig, SimConfig, Simulator, profile_toml
from tests.simfixtures import ALICE, client_for


def keys_of(sim: Simulator) -> CallbackKeys:
    pc = sim.config.push
    return CallbackKeys(
        token=pc.token, encoding_aes_key=pc.encoding_aes_key, appid=sim.config.appid
    )


def test_push_folder_import_is_idempotent_and_applies_refunds(tmp_path):
    folder = tmp_path / "pushes"
    with Simulator(
        SimConfig(refund_delay=0, push=PushConfig(folder=folder, format="xml")), seed=2
    ) as sim:
        sim.add_user(ALICE)
        order = sim.user_pays(ALICE, coins=600)
        sim.state.refund_order(
            1,
            {
                "openid": ALICE,
                "order_id": order["order_id"],
                "refund_order_id": "REFUNDLIVE01",
                "left_fee": 600,
                "refund_fee": 600,
                "biz_meta": "",
                "refund_reason": "1",
                "req_from": "1",
            },
        )
        sim.finish_refunds()
        keys = keys_of(sim)
    (folder / "999999-forged.query").write_text("signature=x&timestamp=1&nonce=2")
    (folder / "999999-forged.body").write_text("<xml><Event>x</Event></xml>")
    mirror = Mirror()
    report = import_pushes(mirror, folder, keys=keys)
    assert report.added == 2 and [r.reason.split(":")[0] for r in report.rejected] == [
        "signature_mismatch"
    ]
    assert (
        mirror.one("SELECT verdict FROM pushes WHERE raw_query LIKE 'signature=x%'")[0] == "reject"
    )
    again = import_pushes(mirror, folder, keys=keys)
    assert (again.added, again.unchanged) == (0, 2)
    paid = mirror.one("SELECT * FROM orders WHERE order_id = ?", order["order_id"])
    assert (paid["source"], paid["status"], paid["paid_fee"]) == ("push", 4, 600)
    refund = mirror.one("SELECT * FROM refunds WHERE refund_order_id = 'REFUNDLIVE01'")
    assert (refund["status"], refund["order_id"], refund["refund_fee"]) == (
        "refunded",
        order["order_id"],
        600,
    )
    entries = timeline(mirror, ALICE)
    kinds = [e.kind for e in entries]
    # the payment's push stands alone; the refund's push is folded into its refund's entry
    assert kinds.count("push") == 1 and "refund" in kinds and "order" in kinds
    (refund_entry,) = [e for e in entries if e.kind == "refund"]
    assert [p.kind for p in refund_entry.parts] == ["push"]


async def test_refresh_order_refund_and_balance(sim, http):
    client = client_for(sim, http)
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    mirror = Mirror()
    await refresh_order(client, mirror, order["order_id"], openid=ALICE)
    row = mirror.one("SELECT * FROM orders WHERE order_id = ?", order["order_id"])
    assert (row["status"], row["left_fee"], row["source"], row["env"]) == (4, 600, "query_order", 1)
    await client.refund_order(
        ALICE,
        order_id=order["order_id"],
        refund_order_id="REFUNDLIVE02",
        left_fee=600,
        refund_fee=100,
    )
    mirror.conn.execute(
        "INSERT INTO refunds (refund_order_id, order_id, openid, refund_fee, "
        "status) VALUES ('REFUNDLIVE02', ?, ?, 100, 'started')",
        (order["order_id"], ALICE),
    )
    sim.advance(1)
    await refresh_order(client, mirror, "REFUNDLIVE02")
    assert (
        mirror.one("SELECT status FROM refunds WHERE refund_order_id = 'REFUNDLIVE02'")[0]
        == "refunded"
    )
    balance = await refresh_balance(client, mirror, ALICE, session_key=key)
    stored = mirror.one("SELECT * FROM balances WHERE openid = ?", ALICE)
    assert stored["balance"] == balance.balance == 600


@pytest.fixture
def profile(sim, tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text(profile_toml(sim, db=str(tmp_path / "mirror.sqlite")), encoding="utf-8")
    return path


def cli(capsys, *args):
    code = main(["--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("{") else out


def test_cli_import_refresh_decode_save_and_audit(sim, profile, tmp_path, capsys):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    orders = tmp_path / "vk.jsonl"
    orders.write_text(
        json.dumps(
            {
                "out_trade_no": order["order_id"],
                "pay_type": "wxpay-virtual",
                "status": 1,
                "openid": ALICE,
                "total_fee": 600,
                "_add_time": 1767225600000,
                "pay_date": 1767225660000,
                "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 600},
            }
        )
        + "\n"
    )
    code, out = cli(capsys, "--config", str(profile), "import", "orders", str(orders))
    assert (code, out["imports"][0]["added"]) == (0, 1)
    code, out = cli(capsys, "--config", str(profile), "refresh", order["order_id"])
    assert (code, out["refreshed"]) == (0, [order["order_id"]])
    code, out = cli(capsys, "--config", str(profile), "refresh", "NOSUCHORDER01")
    assert code == 1 and "NOSUCHORDER01" in out["failed"]
    wire = sim.delivered[0]
    body = tmp_path / "push.body"
    body.write_text(wire.body)
    code, out = cli(
        capsys,
        "--config",
        str(profile),
        "decode",
        "--query",
        wire.query,
        "--body-file",
        str(body),
        "--save",
    )
    assert (code, out["verdict"], out["saved"]) == (0, "accept", True)
    code, out = cli(capsys, "--config", str(profile), "audit", "verify")
    assert (code, out["ok"]) == (0, True)
    with Mirror(tmp_path / "mirror.sqlite") as mirror:
        assert mirror.count("pushes") == 1
        row = mirror.one("SELECT * FROM orders WHERE order_id = ?", order["order_id"])
        assert row["source"] == "query_order"  # the refresh overwrote the vk-pay import
    csv_path = tmp_path / "audit.csv"
    code, _ = cli(capsys, "--config", str(profile), "audit", "export", "--out", str(csv_path))
    head = "\ufeff序号,时间（北京时间 UTC+8）,操作员".encode()
    assert code == 0 and csv_path.read_bytes().startswith(head)


def test_cli_import_failure_is_exit_2_and_names_the_line(profile, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    code, out = cli(capsys, "--config", str(profile), "import", "orders", str(bad))
    assert (code, out["error"]["kind"]) == (2, "import")
    assert "未写入任何数据" in out["error"]["message"]  # zh_CN by default
