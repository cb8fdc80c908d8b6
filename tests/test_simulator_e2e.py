"""The core client against the simulator over real loopback HTTP: every endpoint, every errcode
path, token expiry, key separation and each fault."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import struct
from decimal import Decimal

import httpx
import pytest
from Crypto.Cipher import AES

from core.beijing import beijing_today, yyyymmdd
from core.callbacks import CallbackKeys, decode
from core.environment import AppKeys, Env
from core.errors import NetworkError, OutcomeUnknownError, XPayError
from core.secret import Secret
from core.signing import calc_pay_sig, calc_user_signature, serialize_body
from core.simulator import PushConfig, SimConfig, Simulator
from tests.simfixtures import ALICE, BOB, client_for


async def errcode_of(coro) -> int:
    with pytest.raises(XPayError) as caught:
        await coro
    return caught.value.errcode


# ---- user coins ---------------------------------------------------------------------------


async def test_balance_gift_deduct_cancel_round(sim, client):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=1200)
    balance = await client.query_user_balance(ALICE, session_key=key)
    assert (balance.balance, balance.sum_save, balance.first_save_flag) == (1200, 1200, False)
    gift = await client.present_currency(ALICE, 300, order_id="GIFT00000001")
    assert (gift.balance, gift.duplicate) == (1500, False)
    again = await client.present_currency(ALICE, 300, order_id="GIFT00000001")
    assert again.duplicate  # 268490004: applied once only
    pay = await client.currency_pay(ALICE, 500, order_id="DEDUCT000001", session_key=key)
    assert (pay.balance, pay.used_present_amount) == (1000, 300)
    dup = await client.currency_pay(ALICE, 500, order_id="DEDUCT000001", session_key=key)
    assert dup.duplicate
    await client.cancel_currency_pay(
        ALICE, 500, pay_order_id="DEDUCT000001", order_id="CANCEL000001", session_key=key
    )
    assert (
        await errcode_of(
            client.cancel_currency_pay(
                ALICE, 500, pay_order_id="DEDUCT000001", order_id="CANCEL000002", session_key=key
            )
        )
        == 268490005
    )
    after = await client.query_user_balance(ALICE, session_key=key)
    assert (after.balance, after.present_balance, after.sum_cost) == (1500, 300, 0)
    assert sim.state.account(1, ALICE)["balance"] == 1500


async def test_insufficient_and_unknown_ids(sim, client):
    key = sim.add_user(ALICE)
    assert (
        await errcode_of(client.currency_pay(ALICE, 1, order_id="DEDUCT000002", session_key=key))
        == 268490006
    )
    assert (
        await errcode_of(
            client.cancel_currency_pay(
                ALICE, 1, pay_order_id="NOSUCHPAY01", order_id="CANCEL000003", session_key=key
            )
        )
        == 268490002
    )
    assert await errcode_of(client.present_currency(BOB, 1, order_id="GIFT00000009")) == 268490001


async def test_session_key_stale_after_relogin_and_after_expiry(sim, client):
    key = sim.add_user(ALICE)
    assert await client.check_session(ALICE, session_key=key)
    sim.state.relogin(ALICE)
    assert await errcode_of(client.query_user_balance(ALICE, session_key=key)) == 268490009
    assert not await client.check_session(ALICE, session_key=key)
    fresh, _alive, _ = sim.state.session_key_state(ALICE)
    assert (await client.query_user_balance(ALICE, session_key=fresh)).balance == 0
    sim.advance(sim.config.session_key_lifetime + 1)
    assert await errcode_of(client.query_user_balance(ALICE, session_key=fresh)) == 268490009
    assert not await client.check_session(ALICE, session_key=fresh)


async def test_wrong_session_key_names_the_signature(sim, client):
    sim.add_user(ALICE)
    with pytest.raises(XPayError) as caught:
        await client.query_user_balance(ALICE, session_key="AAAAAAAAAAAAAAAAAAAAAA==")
    assert caught.value.errcode == 268490003 and "signature" in caught.value.errmsg


# ---- keys and signatures ------------------------------------------------------------------


async def test_production_key_on_sandbox_request_is_rejected_naming_pay_sig(sim, http):
    sim.add_user(ALICE)
    c = sim.config
    swapped = AppKeys(production=Secret(c.sandbox_app_key), sandbox=Secret(c.app_key))
    bad = client_for(sim, http, app_keys=swapped)
    with pytest.raises(XPayError) as caught:
        await bad.present_currency(ALICE, 1, order_id="GIFT00000003")
    assert caught.value.errcode == 268490003 and "pay_sig" in caught.value.errmsg
    prod = client_for(sim, http, env=Env.PRODUCTION)
    assert (await prod.present_currency(ALICE, 1, order_id="GIFT00000003")).balance == 1
    assert sim.state.account(0, ALICE)["balance"] == 1  # env 0 and env 1 accounts are separate
    assert sim.state.account(1, ALICE)["balance"] == 0


async def _raw_post(http, sim, api, body: bytes, *, pay_sig=None, signature=None, token=None):
    token = (
        token
        or (
            await http.post(
                sim.url + "/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": sim.config.appid,
                    "secret": sim.config.secret,
                },
            )
        ).json()["access_token"]
    )
    params = {"access_token": token}
    if pay_sig is not None:
        params["pay_sig"] = pay_sig
    if signature is not None:
        params["signature"] = signature
    headers = {"Content-Type": "application/json"}
    return (
        await http.post(f"{sim.url}/xpay/{api}", params=params, content=body, headers=headers)
    ).json()


async def test_reserialised_body_and_missing_signatures_are_rejected(sim, http):
    key = sim.add_user(ALICE)
    signed = serialize_body({"openid": ALICE, "user_ip": "127.0.0.1", "env": 1})
    resent = json.dumps(json.loads(signed)).encode()  # same JSON, different bytes
    pay_sig = calc_pay_sig("/xpay/query_user_balance", signed, sim.config.sandbox_app_key)
    sig = calc_user_signature(signed, key)
    ok = await _raw_post(http, sim, "query_user_balance", signed, pay_sig=pay_sig, signature=sig)
    assert ok["errcode"] == 0
    bad = await _raw_post(http, sim, "query_user_balance", resent, pay_sig=pay_sig, signature=sig)
    assert (bad["errcode"], "pay_sig" in bad["errmsg"]) == (268490003, True)
    none = await _raw_post(http, sim, "query_user_balance", signed)
    assert none == {"errcode": 268490003, "errmsg": "签名字段[pay_sig]为空"}
    no_user_sig = await _raw_post(http, sim, "query_user_balance", signed, pay_sig=pay_sig)
    assert no_user_sig["errcode"] == 268490003 and "signature" in no_user_sig["errmsg"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"openid": ALICE, "amount": "5", "order_id": "GIFT00000004", "env": 1}, "amount"),
        ({"openid": ALICE, "amount": 5, "order_id": "short", "env": 1}, "order_id"),
        ({"openid": ALICE, "amount": 5, "env": 1}, "order_id"),
        ({"openid": ALICE, "amount": 5, "order_id": "GIFT00000004", "env": "1"}, "env"),
    ],
)
async def test_field_types_give_268490002_naming_the_field(sim, http, body, needle):
    sim.add_user(ALICE)
    raw = serialize_body(body)
    key = sim.config.sandbox_app_key if body.get("env") == 1 else sim.config.app_key
    answer = await _raw_post(
        http, sim, "present_currency", raw, pay_sig=calc_pay_sig("/xpay/present_currency", raw, key)
    )
    assert answer["errcode"] == 268490002 and needle in answer["errmsg"]


async def test_tokens_invalid_expired_and_refreshed(sim, client, http):
    sim.add_user(ALICE)
    raw = serialize_body({"openid": ALICE, "amount": 1, "order_id": "GIFT00000005", "env": 1})
    sig = calc_pay_sig("/xpay/present_currency", raw, sim.config.sandbox_app_key)
    assert (await _raw_post(http, sim, "present_currency", raw, pay_sig=sig, token="forged"))[
        "errcode"
    ] == 40001
    await client.present_currency(ALICE, 1, order_id="GIFT00000006")
    sim.state.expire_tokens()  # every issued token now answers 42001
    result = await client.present_currency(ALICE, 1, order_id="GIFT00000007")
    assert result.balance == 2  # the client refreshed once and repeated
    sim.advance(sim.config.token_lifetime + 10)
    assert (await client.present_currency(ALICE, 1, order_id="GIFT00000008")).balance == 3


# ---- cash orders, refunds, delivery -------------------------------------------------------


async def test_refund_task_polled_to_completion_with_push(sim, client):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    q = await client.query_order(ALICE, order_id=order["order_id"])
    assert (q.status, q.left_fee, q.env_type, q.order_type) == (4, 600, 2, 0)
    by_wx = await client.query_order(ALICE, wx_order_id=q.wx_order_id)
    assert by_wx.order_id == q.order_id
    assert (
        await errcode_of(
            client.refund_order(
                ALICE,
                order_id=q.order_id,
                refund_order_id="REFUND000001",
                left_fee=500,
                refund_fee=100,
            )
        )
        == 268490016
    )
    started = await client.refund_order(
        ALICE,
        order_id=q.order_id,
        refund_order_id="REFUND000001",
        left_fee=600,
        refund_fee=200,
        refund_reason=3,
    )
    assert started.pay_wx_order_id == q.wx_order_id
    assert (
        await errcode_of(
            client.refund_order(
                ALICE,
                order_id=q.order_id,
                refund_order_id="REFUND000001",
                left_fee=600,
                refund_fee=200,
            )
        )
        == 268490014
    )  # in progress: retry later with the same parameters
    refund = await client.query_order(ALICE, order_id="REFUND000001")
    assert (refund.status, refund.order_type) == (1, 1)
    for _ in range(50):
        refund = await client.query_order(ALICE, order_id="REFUND000001")
        if refund.status != 1:
            break
        await asyncio.sleep(0.05)
    assert (refund.status, refund.refund_fee) == (5, 200)
    again = await client.refund_order(
        ALICE, order_id=q.order_id, refund_order_id="REFUND000001", left_fee=600, refund_fee=200
    )
    assert again.refund_wx_order_id == started.refund_wx_order_id  # finished: no second refund
    assert (await client.query_order(ALICE, order_id=q.order_id)).left_fee == 400
    events = [p.event for p in sim.delivered]
    assert events == ["xpay_coin_pay_notify", "xpay_refund_notify"]


async def test_deliver_stuck_item_order(sim, client):
    sim.add_user(BOB)
    order = sim.state.create_order(
        openid=BOB, env=1, kind="item", order_fee=1800, quantity=1, product_id="vip_month_01"
    )
    sim.state.pay_order(order["order_id"], push=False)
    assert (await client.query_order(BOB, order_id=order["order_id"])).status == 2
    await client.notify_provide_goods(order_id=order["order_id"])
    assert (await client.query_order(BOB, order_id=order["order_id"])).status == 4
    await client.notify_provide_goods(wx_order_id=order["wx_order_id"])  # idempotent
    unpaid = sim.state.create_order(openid=BOB, env=1, kind="item", order_fee=1, quantity=1)
    assert await errcode_of(client.notify_provide_goods(order_id=unpaid["order_id"])) == 268490002


async def test_bill_polls_then_serves_a_gbk_gzip_csv(sim, client, http):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    today = yyyymmdd(beijing_today(sim.state.now()))  # WeChat's day, on any computer
    sim.advance(86400)  # a day's bill is served once that day is over
    for _ in range(sim.config.bill_polls):
        assert await errcode_of(client.download_bill(today, today)) == 268490011
    bill = await client.download_bill(today, today)
    text = gzip.decompress((await http.get(bill.url)).content).decode("gbk")
    assert order["order_id"] in text and text.startswith("交易时间,商户订单号")


async def test_order_export_task(sim, client, http):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    today = beijing_today(sim.state.now())
    task = await client.start_download_order(today, today, order_type=1)
    answers = [await client.query_download_order(task.task_id) for _ in range(3)]
    assert [a.status for a in answers] == [1, 2, 2]  # running, then done
    data = gzip.decompress((await http.get(answers[-1].download_url)).content).decode("gbk")
    assert order["order_id"] in data


async def test_funds_goods_and_complaints(sim, client, http):
    sim.add_user(ALICE)
    prod = client_for(sim, http, env=Env.PRODUCTION)
    order = sim.user_pays(ALICE, coins=10000, env=0)
    sim.advance(sim.config.settle_after + 1)  # settled T+3: now withdrawable
    balance = await prod.query_biz_balance()
    assert balance.balance_available.amount == Decimal("90.00")  # minus the 10 % fee
    created = await prod.create_withdraw_order("WITHDRAW0001", Decimal("10.00"))
    await asyncio.sleep(0.3)
    withdraw = await prod.query_withdraw_order("WITHDRAW0001")
    assert (withdraw.status, withdraw.withdraw_amount, withdraw.wx_withdraw_no) == (
        2,
        Decimal("10.00"),
        created.wx_withdraw_no,
    )
    await client.start_upload_goods(
        id="vip_month_01",
        name="月卡",
        price=1800,
        remark="30天",
        item_url="https://example.invalid/a.png",
    )
    assert (await client.query_upload_goods()).upload_item[0].upload_status == 2
    await client.start_publish_goods("vip_month_01")
    assert (await client.query_publish_goods()).publish_item[0].publish_status == 2
    complaint_id = sim.add_complaint(ALICE, order["order_id"])
    today = beijing_today(sim.state.now())
    listed = await client.get_complaint_list(today, today)
    assert listed.complaints[0].complaint_order_info[0].wxa_out_trade_no == order["order_id"]
    await client.response_complaint(complaint_id, "已处理")
    await client.complete_complaint(complaint_id)
    detail = await client.get_complaint_detail(complaint_id)
    history = await client.get_negotiation_history(complaint_id)
    assert detail.complaint.complaint_state == "PROCESSED"
    assert [h.operate_type for h in history.history] == [
        "USER_CREATE_COMPLAINT",
        "MERCHANT_RESPONSE",
        "MERCHANT_CONFIRM_COMPLETE",
    ]
    assert (
        await client.upload_vp_file(file_name="a.png", img_url="https://x.invalid/a.png")
    ).file_id
    assert (
        await client.get_upload_file_sign(
            "https://api.mch.weixin.qq.com/v3/x", complaint_id, convert_cos=True
        )
    ).cos_url
    assert sim.delivered[-1].event == "xpay_complaint_notify"


# ---- faults -------------------------------------------------------------------------------


async def test_lost_response_is_outcome_unknown_and_the_same_id_resolves_it(sim, client):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "lost_response", count=1)
    with pytest.raises(OutcomeUnknownError):
        await client.present_currency(ALICE, 50, order_id="GIFT00000010")
    assert sim.state.account(1, ALICE)["balance"] == 50  # it was applied
    retried = await client.present_currency(ALICE, 50, order_id="GIFT00000010")
    assert retried.duplicate and sim.state.account(1, ALICE)["balance"] == 50


@pytest.mark.parametrize("kind", ["timeout", "reset", "http_5xx"])
async def test_transport_faults_on_money_calls_are_unknown_and_not_applied(sim, client, kind):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", kind, count=1, delay=3.0)
    with pytest.raises(OutcomeUnknownError):
        await client.present_currency(ALICE, 5, order_id="GIFT00000011")
    assert sim.state.account(1, ALICE)["balance"] == 0
    assert (await client.present_currency(ALICE, 5, order_id="GIFT00000011")).duplicate is False


@pytest.mark.parametrize(
    "kind", ["timeout", "reset", "http_5xx", "errcode_-1", "rate_limit", "latency", "token_expired"]
)
async def test_read_calls_survive_one_fault(sim, client, kind):
    key = sim.add_user(ALICE)
    sim.faults.add("query_user_balance", kind, count=1, delay=0.1 if kind == "latency" else 3.0)
    assert (await client.query_user_balance(ALICE, session_key=key)).balance == 0
    assert sim.faults.hits[kind] == 1


async def test_persistent_fault_on_read_gives_network_error(sim, client):
    key = sim.add_user(ALICE)
    sim.faults.add("query_user_balance", "reset")
    with pytest.raises(NetworkError):
        await client.query_user_balance(ALICE, session_key=key)


async def test_errcode_faults_on_money_calls_are_reported_not_applied(sim, client):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "rate_limit", count=1)
    assert await errcode_of(client.present_currency(ALICE, 5, order_id="GIFT00000012")) == 268490015
    sim.faults.add("present_currency", "errcode_-1", count=1)
    assert await errcode_of(client.present_currency(ALICE, 5, order_id="GIFT00000012")) == -1
    assert sim.state.account(1, ALICE)["balance"] == 0


def test_faults_are_deterministic_under_a_seed():
    def pattern(seed):
        with Simulator(seed=seed) as s:
            s.faults.add("*", "rate_limit", probability=0.5)
            return [s.faults.pick("query_order") is not None for _ in range(40)]

    assert pattern(11) == pattern(11) != pattern(12)


async def test_admin_api_adds_faults_users_and_payments(sim, http):
    r = await http.post(sim.url + "/sim/admin/users", json={"openid": BOB})
    key = r.json()["session_key"]
    r = await http.post(sim.url + "/sim/admin/pay", json={"openid": BOB, "coins": 300})
    assert r.json()["order"]["status"] == 4
    await http.post(
        sim.url + "/sim/admin/faults",
        json={"endpoint": "query_order", "kind": "rate_limit", "count": 2},
    )
    listed = (await http.get(sim.url + "/sim/admin/faults")).json()
    assert listed["faults"]["query_order"][0]["count"] == 2
    bad = await http.post(sim.url + "/sim/admin/faults", json={"endpoint": "x", "kind": "boom"})
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    assert (await http.post(sim.url + "/sim/admin/account", json={"openid": BOB})).json()[
        "balance"
    ] == 300
    assert len(key) == 24


# ---- pushes: checked with an independent implementation of the official algorithm ---------


def official_decrypt(encrypt: str, encoding_aes_key: str) -> tuple[str, str]:
    """callback-crypto.md §2.10, written out here on purpose (not core.callbacks)."""
    key = base64.b64decode(encoding_aes_key + "=")
    plain = AES.new(key, AES.MODE_CBC, iv=key[:16]).decrypt(base64.b64decode(encrypt))
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("safe", "json"), ("safe", "xml"), ("compatible", "xml"), ("plaintext", "json")],
)
def test_pushes_decrypt_with_the_official_algorithm(tmp_path, mode, fmt):
    config = SimConfig(refund_delay=0, push=PushConfig(mode=mode, format=fmt, folder=tmp_path))
    with Simulator(config, seed=3) as s:
        s.add_user(ALICE)
        order = s.user_pays(ALICE, coins=600)
        s.state.refund_order(
            1,
            {
                "openid": ALICE,
                "order_id": order["order_id"],
                "refund_order_id": "REFUND000009",
                "left_fee": 600,
                "refund_fee": 600,
                "biz_meta": "",
                "refund_reason": "0",
                "req_from": "1",
            },
        )
        s.finish_refunds()
        wires = list(s.delivered)
    assert [w.event for w in wires] == ["xpay_coin_pay_notify", "xpay_refund_notify"]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files[0].endswith("xpay_coin_pay_notify.body") and len(files) == 4
    pc = config.push
    for wire in wires:
        params = dict(p.split("=", 1) for p in wire.query.split("&"))
        ts, nonce = params["timestamp"], params["nonce"]
        assert (
            params["signature"]
            == hashlib.sha1("".join(sorted([pc.token, ts, nonce])).encode()).hexdigest()
        )
        if mode != "plaintext":
            body = (
                json.loads(wire.body)["Encrypt"]
                if fmt == "json"
                else wire.body.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            )
            assert (
                params["msg_signature"]
                == hashlib.sha1("".join(sorted([pc.token, ts, nonce, body])).encode()).hexdigest()
            )
            message, appid = official_decrypt(body, pc.encoding_aes_key)
            assert appid == config.appid and message == wire.plaintext
        result = decode(
            wire.query,
            wire.body,
            keys=CallbackKeys(
                token=pc.token, encoding_aes_key=pc.encoding_aes_key, appid=config.appid
            ),
        )
        assert (result.mode, result.format, result.event.event) == (mode, fmt, wire.event)
        assert result.event.openid == ALICE


async def test_push_is_posted_to_a_configured_url(http):
    received = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200, text="success")

    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"success")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/callback"
        with Simulator(SimConfig(push=PushConfig(url=url)), seed=1) as s:
            s.add_user(ALICE)
            s.user_pays(ALICE, coins=600)
            assert "HTTP 200" in s.delivered[0].delivered
    finally:
        server.shutdown()
        server.server_close()
    path, body = received[0]
    assert path.startswith("/callback?signature=") and b"Encrypt" in body


def test_state_persists_across_restarts(tmp_path):
    path = tmp_path / "sim.sqlite"
    with Simulator(state_path=path, seed=1) as s:
        key = s.add_user(ALICE)
        s.user_pays(ALICE, coins=600)
    with Simulator(state_path=path, seed=1) as s:
        assert s.state.account(1, ALICE)["balance"] == 600
        assert s.state.session_key_state(ALICE)[0] == key
