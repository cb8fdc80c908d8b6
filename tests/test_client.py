"""Every endpoint against an in-process fake: exact path, independently recomputed signatures,
body fields and types, a realistic answer, errors, the token refresh path and retries."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from core.client import XPayClient
from core.environment import AppKeys, Env
from core.errors import (
    ConfigError,
    Handling,
    NetworkError,
    OutcomeUnknownError,
    ValidationError,
    XPayError,
)
from core.secret import Secret
from core.tokens import StableTokenCache
from tests.fakes import APP_KEY, APPID, SANDBOX_KEY, SECRET, SESSION_KEY, FakeWeChat, hmac_hex

OPENID = "oUser_7hMZOPfL2M-abcdEFGH1234"


@pytest.fixture
def fake() -> FakeWeChat:
    return FakeWeChat()


def make_client(
    fake: FakeWeChat, env: Env = Env.PRODUCTION, **kw
) -> tuple[XPayClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=fake.transport())
    tokens = StableTokenCache(http, appid=APPID, secret=Secret(SECRET))
    keys = AppKeys(production=Secret(APP_KEY), sandbox=Secret(SANDBOX_KEY))
    return XPayClient(http, tokens=tokens, app_keys=keys, env=env, retry_backoff=0, **kw), http


def check_signed(seen, *, key: str = APP_KEY, user_sig: bool = False) -> None:
    assert seen.method == "POST"
    assert seen.headers["content-type"] == "application/json"
    assert seen.query["access_token"].startswith("TOKEN-")
    assert seen.query["pay_sig"] == hmac_hex(key, seen.path.encode() + b"&" + seen.body)
    if user_sig:
        assert seen.query["signature"] == hmac_hex(SESSION_KEY, seen.body)
    else:
        assert "signature" not in seen.query


CASES = [
    # (name, call, answer, expected body, user_sig, check of the parsed result)
    (
        "query_user_balance",
        lambda c: c.query_user_balance(OPENID, session_key=SESSION_KEY, user_ip="1.2.3.4"),
        {
            "errcode": 0,
            "balance": 1200,
            "present_balance": 200,
            "sum_save": 1000,
            "sum_present": 200,
            "sum_balance": 1200,
            "sum_cost": 0,
            "first_save_flag": 1,
            "new_field": "x",
        },
        {"openid": OPENID, "user_ip": "1.2.3.4", "env": 0},
        True,
        lambda r: (
            (r.balance, r.present_balance, r.first_save_flag, r.extra)
            == (1200, 200, True, {"new_field": "x"})
        ),
    ),
    (
        "currency_pay",
        lambda c: c.currency_pay(
            OPENID,
            300,
            order_id="DEDUCT0000001",
            session_key=SESSION_KEY,
            payitem=[{"productid": "p1", "unit_price": 100, "quantity": 3}],
            remark="客服扣减",
        ),
        {
            "errcode": 0,
            "errmsg": "ok",
            "order_id": "DEDUCT0000001",
            "balance": 900,
            "used_present_amount": 100,
        },
        {
            "openid": OPENID,
            "user_ip": "127.0.0.1",
            "amount": 300,
            "order_id": "DEDUCT0000001",
            "payitem": '[{"productid":"p1","unit_price":100,"quantity":3}]',
            "remark": "客服扣减",
            "env": 0,
        },
        True,
        lambda r: (r.balance, r.used_present_amount, r.duplicate) == (900, 100, False),
    ),
    (
        "cancel_currency_pay",
        lambda c: c.cancel_currency_pay(
            OPENID,
            300,
            pay_order_id="DEDUCT0000001",
            order_id="CANCEL0000001",
            session_key=SESSION_KEY,
        ),
        {"errcode": 0, "order_id": "CANCEL0000001"},
        {
            "openid": OPENID,
            "user_ip": "127.0.0.1",
            "pay_order_id": "DEDUCT0000001",
            "order_id": "CANCEL0000001",
            "amount": 300,
            "env": 0,
        },
        True,
        lambda r: r.order_id == "CANCEL0000001",
    ),
    (
        "present_currency",
        lambda c: c.present_currency(OPENID, 500, order_id="GIFT00000001"),
        {"errcode": 0, "balance": 1700, "order_id": "GIFT00000001", "present_balance": 700},
        {"openid": OPENID, "order_id": "GIFT00000001", "amount": 500, "env": 0},
        False,
        lambda r: (r.balance, r.present_balance) == (1700, 700),
    ),
    (
        "query_order",
        lambda c: c.query_order(OPENID, order_id="OTN1776852737980"),
        json.loads(
            '{"errcode":0,"errmsg":"OK","order":{"ext":{},"provide_time":1776852732,'
            '"create_time":1776852722,"paid_time":1776852730,"biz_type":1000,"paid_fee":1,'
            '"channel_order_id":"202604221288514046","biz_meta":"{\\"attach\\":\\"testData\\"}",'
            '"token":"E-260422181155364598","sett_time":0,"update_time":1776852790,'
            '"wxpay_order_id":"4500000138202604228164730168","order_fee":1,'
            '"wx_order_id":"VPO260422181202013995807","sett_state":3,"order_id":"OTN1776852737980",'
            '"order_type":0,"env_type":1,"status":4,"left_fee":1}}'
        ),
        {"openid": OPENID, "order_id": "OTN1776852737980", "env": 0},
        False,
        lambda r: (
            (r.status, r.left_fee, r.wx_order_id, r.paid_at.isoformat())
            == (4, 1, "VPO260422181202013995807", "2026-04-22T18:12:10+08:00")
        ),
    ),
    (
        "refund_order",
        lambda c: c.refund_order(
            OPENID,
            wx_order_id="VPO260422181202013995807",
            refund_order_id="REFUND0000001",
            left_fee=600,
            refund_fee=200,
            refund_reason=3,
            req_from="1",
            biz_meta="客服退款",
        ),
        {
            "errcode": 0,
            "refund_order_id": "REFUND0000001",
            "refund_wx_order_id": "VPR1",
            "pay_order_id": "ORDER0000001",
            "pay_wx_order_id": "VPO260422181202013995807",
        },
        {
            "openid": OPENID,
            "wx_order_id": "VPO260422181202013995807",
            "refund_order_id": "REFUND0000001",
            "left_fee": 600,
            "refund_fee": 200,
            "biz_meta": "客服退款",
            "refund_reason": "3",
            "req_from": "1",
            "env": 0,
        },
        False,
        lambda r: (r.refund_wx_order_id, r.pay_order_id) == ("VPR1", "ORDER0000001"),
    ),
    (
        "notify_provide_goods",
        lambda c: c.notify_provide_goods(order_id="ORDER0000001"),
        {"errcode": 0, "errmsg": "ok"},
        {"order_id": "ORDER0000001", "env": 0},
        False,
        lambda r: r is None,
    ),
    (
        "download_bill",
        lambda c: c.download_bill(20230801, date(2023, 8, 10)),
        {"errcode": 0, "url": "https://example.invalid/bill.csv"},
        {"begin_ds": 20230801, "end_ds": 20230810},
        False,
        lambda r: r.url == "https://example.invalid/bill.csv",
    ),
    (
        "start_download_order",
        lambda c: c.start_download_order("20260101", "20260131", order_type=4, refund_status=2),
        {"errcode": 0, "task_id": "T1"},
        {
            "begin_ds": 20260101,
            "end_ds": 20260131,
            "order_type": 4,
            "pay_channel": 1,
            "refund_status": 2,
            "env": 0,
        },
        False,
        lambda r: r.task_id == "T1",
    ),
    (
        "query_download_order",
        lambda c: c.query_download_order("T1"),
        {
            "errcode": 0,
            "errmsg": "",
            "task_id": "T1",
            "status": 2,
            "download_url": "u",
            "expire_at": 1745328000,
        },
        {"task_id": "T1", "env": 0},
        False,
        lambda r: (r.status, r.expire_at) == (2, 1745328000),
    ),
    (
        "query_biz_balance",
        lambda c: c.query_biz_balance(),
        {"errcode": 0, "balance_available": {"amount": "1234.56", "currency_code": "CNY"}},
        {"env": 0},
        False,
        lambda r: r.balance_available.amount == Decimal("1234.56"),
    ),
    (
        "create_withdraw_order",
        lambda c: c.create_withdraw_order("WITHDRAW0001", Decimal("0.01")),
        {"errcode": 0, "withdraw_no": "WITHDRAW0001", "wx_withdraw_no": "W1"},
        {"withdraw_no": "WITHDRAW0001", "withdraw_amount": "0.01", "env": 0},
        False,
        lambda r: r.wx_withdraw_no == "W1",
    ),
    (
        "query_withdraw_order",
        lambda c: c.query_withdraw_order("WITHDRAW0001"),
        {
            "errcode": 0,
            "withdraw_no": "WITHDRAW0001",
            "status": 2,
            "withdraw_amount": "100.00",
            "wx_withdraw_no": "W1",
            "withdraw_success_timestamp": 1700000000,
            "create_time": "1699999000",
            "fail_reason": "",
        },
        {"withdraw_no": "WITHDRAW0001", "env": 0},
        False,
        lambda r: (
            (r.status, r.withdraw_amount, r.withdraw_success_timestamp)
            == (2, Decimal("100.00"), "1700000000")
        ),
    ),
    (
        "start_upload_goods",
        lambda c: c.start_upload_goods(
            id="vip_month_01",
            name="月卡",
            price=1800,
            remark="30 天",
            item_url="https://example.invalid/a.png",
        ),
        {"errcode": 0},
        {
            "upload_item": [
                {
                    "id": "vip_month_01",
                    "name": "月卡",
                    "price": 1800,
                    "remark": "30 天",
                    "item_url": "https://example.invalid/a.png",
                }
            ],
            "env": 0,
        },
        False,
        lambda r: r is None,
    ),
    (
        "query_upload_goods",
        lambda c: c.query_upload_goods(),
        {
            "errcode": 0,
            "status": 3,
            "upload_item": [
                {"id": "vip_month_01", "name": "月卡", "price": 1800, "upload_status": 2}
            ],
        },
        {"env": 0},
        False,
        lambda r: (r.status, r.upload_item[0].upload_status) == (3, 2),
    ),
    (
        "start_publish_goods",
        lambda c: c.start_publish_goods("vip_month_01"),
        {"errcode": 0},
        {"publish_item": [{"id": "vip_month_01"}], "env": 0},
        False,
        lambda r: r is None,
    ),
    (
        "query_publish_goods",
        lambda c: c.query_publish_goods(),
        {"errcode": 0, "status": 1, "publish_item": [{"id": "vip_month_01", "publish_status": 0}]},
        {"env": 0},
        False,
        lambda r: r.publish_item[0].id == "vip_month_01",
    ),
    (
        "get_complaint_list",
        lambda c: c.get_complaint_list(date(2026, 1, 1), date(2026, 1, 31), limit=10),
        {
            "errcode": 0,
            "total": 1,
            "complaints": [
                {
                    "complaint_id": "C1",
                    "complaint_time": "2023-11-28T11:11:49+08:00",
                    "complaint_state": "PENDING",
                    "payer_openid": OPENID,
                    "complaint_full_refunded": False,
                    "complaint_order_info": [
                        {
                            "transaction_id": "42000",
                            "out_trade_no": "2026",
                            "amount": 600,
                            "wxa_out_trade_no": "ORDER0000001",
                            "wx_order_id": "VPO1",
                        }
                    ],
                    "problem_type": "REFUND",
                    "apply_refund_amount": 600,
                    "user_tag_list": ["TRUSTED"],
                    "complaint_media_list": [
                        {"media_type": "USER_COMPLAINT_IMAGE", "media_url": ["u1"]}
                    ],
                }
            ],
        },
        {"begin_date": "2026-01-01", "end_date": "2026-01-31", "offset": 0, "limit": 10, "env": 0},
        False,
        lambda r: (
            (
                r.total,
                r.complaints[0].complaint_order_info[0].amount,
                r.complaints[0].complained_at.utcoffset().total_seconds(),
            )
            == (1, 600, 28800)
        ),
    ),
    (
        "get_complaint_detail",
        lambda c: c.get_complaint_detail("C1"),
        {"errcode": 0, "complaint": {"complaint_id": "C1", "user_complaint_times": 2}},
        {"complaint_id": "C1", "env": 0},
        False,
        lambda r: r.complaint.user_complaint_times == 2,
    ),
    (
        "get_negotiation_history",
        lambda c: c.get_negotiation_history("C1", offset=0, limit=50),
        {
            "errcode": 0,
            "total": 1,
            "history": [{"log_id": "L1", "operate_type": "USER_COMFIRM_COMPLAINT"}],
        },
        {"complaint_id": "C1", "offset": 0, "limit": 50, "env": 0},
        False,
        lambda r: r.history[0].operate_type == "USER_COMFIRM_COMPLAINT",
    ),
    (
        "response_complaint",
        lambda c: c.response_complaint("C1", "已为您退款", response_images=["F1"]),
        {"errcode": 0},
        {
            "complaint_id": "C1",
            "response_content": "已为您退款",
            "response_images": ["F1"],
            "env": 0,
        },
        False,
        lambda r: r is None,
    ),
    (
        "complete_complaint",
        lambda c: c.complete_complaint("C1"),
        {"errcode": 0},
        {"complaint_id": "C1", "env": 0},
        False,
        lambda r: r is None,
    ),
    (
        "upload_vp_file",
        lambda c: c.upload_vp_file(file_name="a.png", img_url="https://example.invalid/a.png"),
        {"errcode": 0, "file_id": "F1"},
        {"file_name": "a.png", "img_url": "https://example.invalid/a.png", "env": 0},
        False,
        lambda r: r.file_id == "F1",
    ),
    (
        "get_upload_file_sign",
        lambda c: c.get_upload_file_sign(
            "https://api.mch.weixin.qq.com/v3/merchant-service/images/x", "C1", convert_cos=True
        ),
        {"errcode": 0, "sign": "WECHATPAY2 ...", "cos_url": "https://cos.invalid/x"},
        {
            "wxpay_url": "https://api.mch.weixin.qq.com/v3/merchant-service/images/x",
            "convert_cos": True,
            "complaint_id": "C1",
            "env": 0,
        },
        False,
        lambda r: r.cos_url == "https://cos.invalid/x",
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "answer", "body", "user_sig", "check"), CASES, ids=[c[0] for c in CASES]
)
async def test_endpoint(fake, name, call, answer, body, user_sig, check):
    fake.script(f"/xpay/{name}", answer)
    client, http = make_client(fake)
    async with http:
        result = await call(client)
    (seen,) = fake.calls(f"/xpay/{name}")
    assert seen.json == body
    assert type(seen.json.get("env", 0)) is int
    check_signed(seen, user_sig=user_sig)
    assert check(result)


def test_every_endpoint_in_the_table_is_tested():
    from core.endpoints import ENDPOINTS

    assert {c[0] for c in CASES} == set(ENDPOINTS)


async def test_sandbox_signs_with_the_sandbox_key_and_env_1(fake):
    client, http = make_client(fake, env=Env.SANDBOX)
    async with http:
        await client.present_currency(OPENID, 1, order_id="GIFT00000002")
        await client.download_bill(20260101, 20260102)
    gift, bill = fake.calls("/xpay/present_currency")[0], fake.calls("/xpay/download_bill")[0]
    assert gift.json["env"] == 1
    check_signed(gift, key=SANDBOX_KEY)
    check_signed(bill, key=APP_KEY)  # download_bill has no env: production key (reference §3.3)


async def test_missing_key_for_env_is_a_config_error_before_sending(fake):
    http = httpx.AsyncClient(transport=fake.transport())
    client = XPayClient(
        http,
        tokens=StableTokenCache(http, appid=APPID, secret=Secret(SECRET)),
        app_keys=AppKeys(production=Secret(APP_KEY)),
        env=Env.SANDBOX,
    )
    async with http:
        with pytest.raises(ConfigError, match="sandbox_app_key"):
            await client.present_currency(OPENID, 1, order_id="GIFT00000002")
    assert fake.calls("/xpay/present_currency") == []


async def test_errcode_becomes_xpay_error_with_catalogue_text(fake):
    fake.script("/xpay/currency_pay", {"errcode": 268490006, "errmsg": "balance not enough"})
    client, http = make_client(fake)
    async with http:
        with pytest.raises(XPayError) as caught:
            await client.currency_pay(OPENID, 5, order_id="DEDUCT0000009", session_key=SESSION_KEY)
    err = caught.value
    assert (err.errcode, err.api, err.handling) == (268490006, "currency_pay", Handling.FINAL)
    assert "代币的退款/支付操作金额不足" in err.message_zh
    assert "Insufficient coins" in err.message_en
    assert "balance not enough" in err.message_en


async def test_duplicate_gift_is_success(fake):
    fake.script("/xpay/present_currency", {"errcode": 268490004, "errmsg": "duplicate"})
    client, http = make_client(fake)
    async with http:
        result = await client.present_currency(OPENID, 5, order_id="GIFT00000003")
    assert result.duplicate and result.order_id == "GIFT00000003"


async def test_duplicate_on_cancel_is_not_silently_success(fake):
    fake.script("/xpay/cancel_currency_pay", {"errcode": 268490004, "errmsg": "dup"})
    client, http = make_client(fake)
    async with http:
        with pytest.raises(XPayError):
            await client.cancel_currency_pay(
                OPENID,
                1,
                pay_order_id="DEDUCT0000001",
                order_id="CANCEL0000002",
                session_key=SESSION_KEY,
            )


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
async def test_token_error_refreshes_once_and_repeats_the_same_bytes(fake, errcode):
    fake.script(
        "/xpay/present_currency",
        {"errcode": errcode, "errmsg": "token"},
        {"errcode": 0, "balance": 5, "order_id": "GIFT00000004"},
    )
    client, http = make_client(fake)
    async with http:
        result = await client.present_currency(OPENID, 5, order_id="GIFT00000004")
    first, second = fake.calls("/xpay/present_currency")
    assert result.balance == 5
    assert first.body == second.body
    assert (first.query["access_token"], second.query["access_token"]) == ("TOKEN-1", "TOKEN-2")
    assert len(fake.calls("/cgi-bin/stable_token")) == 2
    token_request = fake.calls("/cgi-bin/stable_token")[0]
    assert token_request.json == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": False,
    }


async def test_token_error_twice_is_reported_not_looped(fake):
    fake.script("/xpay/query_biz_balance", {"errcode": 42001}, {"errcode": 42001})
    client, http = make_client(fake)
    async with http:
        with pytest.raises(XPayError) as caught:
            await client.query_biz_balance()
    assert caught.value.errcode == 42001
    assert len(fake.calls("/xpay/query_biz_balance")) == 2


async def test_concurrent_callers_share_one_token_fetch(fake):
    import asyncio

    client, http = make_client(fake)
    async with http:
        await asyncio.gather(*(client.query_biz_balance() for _ in range(20)))
    assert len(fake.calls("/cgi-bin/stable_token")) == 1


async def test_token_is_refreshed_before_expiry(fake):
    now = [0.0]
    http = httpx.AsyncClient(transport=fake.transport())
    tokens = StableTokenCache(http, appid=APPID, secret=Secret(SECRET), clock=lambda: now[0])
    async with http:
        assert await tokens.get() == "TOKEN-1"
        now[0] = 7000.0  # within the refresh margin of a 7200 s token
        assert await tokens.get() == "TOKEN-2"
        now[0] = 7100.0
        assert await tokens.get() == "TOKEN-2"


async def test_token_fetch_error_names_the_api_not_the_secret(fake):
    fake.script("/cgi-bin/stable_token", {"errcode": 40125, "errmsg": "invalid appsecret"})
    client, http = make_client(fake)
    async with http:
        with pytest.raises(XPayError) as caught:
            await client.query_biz_balance()
    assert caught.value.api == "stable_token"
    assert SECRET not in str(caught.value)


async def test_timeout_on_money_call_is_outcome_unknown_and_not_retried(fake):
    fake.script("/xpay/present_currency", httpx.ReadTimeout("timed out"))
    client, http = make_client(fake)
    async with http:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.present_currency(OPENID, 5, order_id="GIFT00000005")
    assert caught.value.exit_code == 3
    assert len(fake.calls("/xpay/present_currency")) == 1


async def test_5xx_on_refund_is_outcome_unknown(fake):
    fake.script("/xpay/refund_order", httpx.Response(502, text="bad gateway"))
    client, http = make_client(fake)
    async with http:
        with pytest.raises(OutcomeUnknownError):
            await client.refund_order(
                OPENID,
                order_id="ORDER0000001",
                refund_order_id="REFUND000002",
                left_fee=100,
                refund_fee=100,
            )


async def test_read_calls_retry_transport_errors_and_rate_limits(fake):
    fake.script(
        "/xpay/query_order",
        httpx.ConnectError("refused"),
        {"errcode": 268490015, "errmsg": "freq"},
        {"errcode": 0, "order": {"order_id": "ORDER0000001", "status": 2}},
    )
    client, http = make_client(fake)
    async with http:
        order = await client.query_order(OPENID, order_id="ORDER0000001")
    assert order.status == 2
    bodies = {s.body for s in fake.calls("/xpay/query_order")}
    assert len(bodies) == 1 and len(fake.calls("/xpay/query_order")) == 3


async def test_read_calls_give_up_with_network_error(fake):
    fake.script("/xpay/query_order", *[httpx.ConnectError("refused")] * 3)
    client, http = make_client(fake)
    async with http:
        with pytest.raises(NetworkError):
            await client.query_order(OPENID, order_id="ORDER0000001")


async def test_missing_errcode_is_success_and_garbage_is_reported(fake):
    fake.script(
        "/xpay/query_biz_balance",
        {"balance_available": {"amount": "1.00"}},
        httpx.Response(200, text="<html>oops</html>"),
        httpx.Response(200, text="nope"),
        httpx.Response(200, text="nope"),
    )
    client, http = make_client(fake)
    async with http:
        assert (await client.query_biz_balance()).balance_available.amount == Decimal("1.00")
        with pytest.raises(NetworkError, match="not JSON"):
            await client.query_biz_balance()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.present_currency(OPENID, 0, order_id="GIFT00000006"), "amount"),
        (lambda c: c.present_currency(OPENID, True, order_id="GIFT00000006"), "amount"),
        (lambda c: c.present_currency(OPENID, 5, order_id="short"), "order_id"),
        (lambda c: c.present_currency("bad openid", 5, order_id="GIFT00000006"), "openid"),
        (lambda c: c.query_order(OPENID, order_id="ORDER0000001", wx_order_id="VPO1"), "order_id"),
        (lambda c: c.query_order(OPENID), "order_id"),
        (
            lambda c: c.refund_order(
                OPENID,
                order_id="ORDER0000001",
                refund_order_id="REFUND000003",
                left_fee=100,
                refund_fee=101,
            ),
            "refund_fee",
        ),
        (
            lambda c: c.refund_order(
                OPENID,
                order_id="ORDER0000001",
                refund_order_id="REFUND000003",
                left_fee=100,
                refund_fee=100,
                biz_meta="x" * 1025,
            ),
            "biz_meta",
        ),
        (
            lambda c: c.refund_order(
                OPENID,
                order_id="ORDER0000001",
                refund_order_id="REFUND000003",
                left_fee=100,
                refund_fee=100,
                refund_reason="9",
            ),
            "refund_reason",
        ),
        (
            lambda c: c.currency_pay(OPENID, 5, order_id="DEDUCT0000001", session_key=""),
            "session_key",
        ),
        (
            lambda c: c.currency_pay(
                OPENID, 5, order_id="DEDUCT0000001", session_key=SESSION_KEY, user_ip="999.1.1.1"
            ),
            "user_ip",
        ),
        (
            lambda c: c.cancel_currency_pay(
                OPENID,
                5,
                pay_order_id="DEDUCT0000001",
                order_id="DEDUCT0000001",
                session_key=SESSION_KEY,
            ),
            "order_id",
        ),
        (lambda c: c.download_bill(20260231, 20260301), "begin_ds"),
        (lambda c: c.create_withdraw_order("WITHDRAW0002", Decimal("0.001")), "withdraw_amount"),
    ],
)
async def test_bad_input_raises_before_any_request(fake, call, field):
    client, http = make_client(fake)
    async with http:
        with pytest.raises(ValidationError) as caught:
            await call(client)
    assert field in caught.value.field
    assert fake.seen == []


async def test_check_session(fake):
    fake.script(
        "/wxa/checksession",
        {"errcode": 0, "errmsg": "ok"},
        {"errcode": 87009, "errmsg": "invalid signature"},
    )
    client, http = make_client(fake)
    async with http:
        assert await client.check_session(OPENID, session_key=SESSION_KEY) is True
        assert await client.check_session(OPENID, session_key=SESSION_KEY) is False
    seen = fake.calls("/wxa/checksession")[0]
    assert seen.method == "GET"
    assert seen.query["signature"] == hmac_hex(SESSION_KEY, b"")
    assert (seen.query["openid"], seen.query["sig_method"]) == (OPENID, "hmac_sha256")


def test_secrets_never_appear_in_reprs():
    fake = FakeWeChat()
    http = httpx.AsyncClient(transport=fake.transport())
    tokens = StableTokenCache(http, appid=APPID, secret=Secret(SECRET))
    keys = AppKeys(production=Secret(APP_KEY), sandbox=Secret(SANDBOX_KEY))
    client = XPayClient(http, tokens=tokens, app_keys=keys, env=Env.PRODUCTION)
    text = " ".join(map(repr, (client, tokens, keys, Secret(SESSION_KEY)))) + f"{Secret(SECRET)}"
    for secret in (SECRET, APP_KEY, SANDBOX_KEY, SESSION_KEY):
        assert secret not in text
