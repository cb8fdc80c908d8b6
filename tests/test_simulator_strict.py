"""The simulator is as strict as WeChat and never wrong (issue 13): odd input always gets a
WeChat-shaped answer, amounts stay in range and balances stay integers, an order id belongs to one
operation, and the body, Content-Type and query string are read strictly. Every request here is
real HTTP over loopback to a running simulator; the readings chosen are listed in the README."""

from __future__ import annotations

import json
import socket

import pytest

from core.signing import calc_pay_sig, calc_user_signature, serialize_body
from tests.simfixtures import ALICE

JSON = "application/json"
INT32_MAX = 2**31 - 1


async def _token(http, sim) -> str:
    answer = await http.post(
        sim.url + "/cgi-bin/stable_token",
        json={
            "grant_type": "client_credential",
            "appid": sim.config.appid,
            "secret": sim.config.secret,
        },
    )
    return str(answer.json()["access_token"])


async def post(
    http,
    sim,
    api: str,
    body: bytes | dict,
    *,
    env: int = 1,
    session_key: str | None = None,
    content_type: str | None = JSON,
    extra_params: list[tuple[str, str]] = (),
) -> dict:
    """Sign `body` (bytes as they are, or a dict serialised once) correctly and POST it."""
    raw = body if isinstance(body, bytes) else serialize_body(body)
    key = sim.config.sandbox_app_key if env == 1 else sim.config.app_key
    params = [("access_token", await _token(http, sim))]
    params.append(("pay_sig", calc_pay_sig(f"/xpay/{api}", raw, key)))
    if session_key is not None:
        params.append(("signature", calc_user_signature(raw, session_key)))
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = await http.post(
        f"{sim.url}/xpay/{api}", params=params + list(extra_params), content=raw, headers=headers
    )
    assert answer.headers["Content-Type"].startswith("application/json")
    return answer.json()


def gift(amount: object, order_id: str = "GIFT00000001", **extra: object) -> dict:
    return {"openid": ALICE, "order_id": order_id, "amount": amount, "env": 1, **extra}


# ---- 1. amounts in range, balances integers, an answer to everything --------------------------


async def test_a_gift_of_10_to_the_23_is_answered_268490002(sim, http):
    sim.add_user(ALICE)
    answer = await post(http, sim, "present_currency", gift(10**23))
    assert answer["errcode"] == 268490002 and "amount" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


@pytest.mark.parametrize("amount", [2**63 - 1, 2**31, 0, -1])
async def test_gift_amounts_outside_positive_int32_are_refused(sim, http, amount):
    sim.add_user(ALICE)
    answer = await post(http, sim, "present_currency", gift(amount))
    assert answer["errcode"] == 268490002 and "amount" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


async def test_balance_stays_an_integer_at_the_int32_limit(sim, http):
    key = sim.add_user(ALICE)
    first = await post(http, sim, "present_currency", gift(INT32_MAX, "GIFT00000001"))
    second = await post(http, sim, "present_currency", gift(INT32_MAX, "GIFT00000002"))
    assert (first["errcode"], second["errcode"]) == (0, 0)
    assert type(second["balance"]) is int and second["balance"] == 2 * INT32_MAX
    balance = await post(
        http,
        sim,
        "query_user_balance",
        {"openid": ALICE, "user_ip": "127.0.0.1", "env": 1},
        session_key=key,
    )
    assert type(balance["balance"]) is int and balance["balance"] == 2 * INT32_MAX
    assert type(balance["sum_balance"]) is int


async def test_a_gift_that_would_overflow_the_balance_is_refused_not_turned_into_a_float(sim, http):
    sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=1)
    sim.state.db.execute("UPDATE accounts SET present = ?, sum_present = ?", (2**63 - 2, 2**63 - 2))
    answer = await post(http, sim, "present_currency", gift(INT32_MAX))
    assert answer["errcode"] == 268490002
    account = sim.state.account(1, ALICE)
    assert type(account["present_balance"]) is int and account["present_balance"] == 2**63 - 2


@pytest.mark.parametrize(
    ("api", "field", "value"),
    [
        ("currency_pay", "amount", 2**31),
        ("cancel_currency_pay", "amount", 10**23),
        ("refund_order", "refund_fee", 2**63),
        ("refund_order", "left_fee", -1),
        ("get_complaint_list", "offset", 10**30),
        ("download_bill", "begin_ds", 20230230),
    ],
)
async def test_out_of_range_numbers_on_other_apis_are_268490002(sim, http, api, field, value):
    key = sim.add_user(ALICE)
    bodies = {
        "currency_pay": {"openid": ALICE, "user_ip": "1.1.1.1", "order_id": "PAY000000001"},
        "cancel_currency_pay": {
            "openid": ALICE,
            "user_ip": "1.1.1.1",
            "pay_order_id": "PAY000000001",
            "order_id": "CANCEL000001",
        },
        "refund_order": {
            "openid": ALICE,
            "order_id": "ORDER0000001",
            "refund_order_id": "REFUND000001",
            "left_fee": 100,
            "refund_fee": 100,
            "biz_meta": "",
            "refund_reason": "0",
            "req_from": "1",
        },
        "get_complaint_list": {"begin_date": "2024-01-01", "end_date": "2024-01-31", "limit": 10},
        "download_bill": {"end_ds": 20231231},
    }
    body = {**bodies[api], field: value}
    if api != "download_bill":
        body["env"] = 1
    signed_by = key if api in ("currency_pay", "cancel_currency_pay") else None
    answer = await post(
        http, sim, api, body, env=1 if api != "download_bill" else 0, session_key=signed_by
    )
    assert answer["errcode"] == 268490002 and field in answer["errmsg"]


@pytest.mark.parametrize(
    ("api", "body", "needle"),
    [
        ("start_upload_goods", {"upload_item": [{}], "env": 1}, "upload_item"),
        ("start_upload_goods", {"upload_item": ["x"], "env": 1}, "upload_item"),
        ("start_publish_goods", {"publish_item": [{"name": "x"}], "env": 1}, "publish_item"),
        ("start_publish_goods", {"publish_item": [7], "env": 1}, "publish_item"),
        (
            "create_withdraw_order",
            {"withdraw_no": "WITHDRAW0001", "withdraw_amount": "Infinity", "env": 1},
            "withdraw_amount",
        ),
        (
            "create_withdraw_order",
            {"withdraw_no": "WITHDRAW0001", "withdraw_amount": "1e999999", "env": 1},
            "withdraw_amount",
        ),
        (
            "response_complaint",
            {"complaint_id": "x", "response_content": "y", "response_images": [1], "env": 1},
            "response_images",
        ),
    ],
)
async def test_malformed_nested_fields_get_an_answer_not_a_closed_connection(
    sim, http, api, body, needle
):
    answer = await post(http, sim, api, body)
    assert answer["errcode"] == 268490002 and needle in answer["errmsg"]


def _raw_exchange(sim, request: bytes) -> bytes:
    host, port = sim.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("length", [b"abc", b"-5", b"99999999999"])
def test_a_bad_content_length_is_answered(sim, length):
    reply = _raw_exchange(
        sim,
        b"POST /xpay/present_currency?access_token=x HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + length + b"\r\n\r\n{}",
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 ") and json.loads(body)["errcode"] != 0


async def test_an_internal_error_is_a_system_error_answer_and_is_logged(sim, http, caplog):
    sim.add_user(ALICE)

    def broken(*args: object) -> dict:
        raise ZeroDivisionError("simulated bug")

    sim.state.present_currency = broken  # a bug inside the business rules
    answer = await post(http, sim, "present_currency", gift(5))
    assert answer == {"errcode": -1, "errmsg": "system error"}
    assert any("present_currency" in r.getMessage() and r.exc_info for r in caplog.records)
    assert not any("access_token" in r.getMessage() for r in caplog.records)


# ---- 2. one order id, one operation ------------------------------------------------------------


async def test_a_gift_reusing_a_deductions_order_id_is_an_error_not_already_succeeded(sim, http):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=100)
    pay = {
        "openid": ALICE,
        "user_ip": "1.1.1.1",
        "amount": 10,
        "order_id": "SHARED000001",
        "env": 1,
    }
    assert (await post(http, sim, "currency_pay", pay, session_key=key))["errcode"] == 0
    answer = await post(http, sim, "present_currency", gift(10, "SHARED000001"))
    assert answer["errcode"] == 268490002 and "order_id" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 90


async def test_a_deduction_reusing_a_gifts_order_id_is_an_error(sim, http):
    key = sim.add_user(ALICE)
    assert (await post(http, sim, "present_currency", gift(10, "SHARED000002")))["errcode"] == 0
    pay = {
        "openid": ALICE,
        "user_ip": "1.1.1.1",
        "amount": 10,
        "order_id": "SHARED000002",
        "env": 1,
    }
    answer = await post(http, sim, "currency_pay", pay, session_key=key)
    assert answer["errcode"] == 268490002 and "order_id" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 10


async def test_a_gift_retried_with_another_amount_or_user_is_an_error(sim, http):
    sim.add_user(ALICE)
    sim.add_user("oCarol_000000000000000000003")
    assert (await post(http, sim, "present_currency", gift(10, "GIFT00000077")))["errcode"] == 0
    assert (await post(http, sim, "present_currency", gift(10, "GIFT00000077")))[
        "errcode"
    ] == 268490004
    other_amount = await post(http, sim, "present_currency", gift(11, "GIFT00000077"))
    other_user = await post(
        http,
        sim,
        "present_currency",
        {
            "openid": "oCarol_000000000000000000003",
            "order_id": "GIFT00000077",
            "amount": 10,
            "env": 1,
        },
    )
    assert (other_amount["errcode"], other_user["errcode"]) == (268490002, 268490002)
    assert sim.state.account(1, ALICE)["balance"] == 10


async def test_ids_of_cash_orders_refunds_and_coin_operations_never_mix(sim, http):
    key = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    assert (await post(http, sim, "present_currency", gift(5, "GIFT00000088")))["errcode"] == 0
    reuse_order = await post(http, sim, "present_currency", gift(5, order["order_id"]))
    assert reuse_order["errcode"] == 268490002
    refund = {
        "openid": ALICE,
        "order_id": order["order_id"],
        "refund_order_id": "GIFT00000088",
        "left_fee": 600,
        "refund_fee": 100,
        "biz_meta": "",
        "refund_reason": "0",
        "req_from": "1",
        "env": 1,
    }
    reuse_gift = await post(http, sim, "refund_order", refund)
    assert reuse_gift["errcode"] == 268490002 and "refund_order_id" in reuse_gift["errmsg"]
    assert (await post(http, sim, "refund_order", {**refund, "refund_order_id": "REFUND000088"}))[
        "errcode"
    ] == 0
    pay = {"openid": ALICE, "user_ip": "1.1.1.1", "amount": 1, "order_id": "REFUND000088", "env": 1}
    assert (await post(http, sim, "currency_pay", pay, session_key=key))["errcode"] == 268490002
    assert sim.state.account(1, ALICE)["balance"] == 605


async def test_a_cancellation_reusing_a_gift_id_is_an_error(sim, http):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=100)
    pay = {
        "openid": ALICE,
        "user_ip": "1.1.1.1",
        "amount": 10,
        "order_id": "PAY000000009",
        "env": 1,
    }
    assert (await post(http, sim, "currency_pay", pay, session_key=key))["errcode"] == 0
    assert (await post(http, sim, "present_currency", gift(1, "GIFT00000099")))["errcode"] == 0
    cancel = {
        "openid": ALICE,
        "user_ip": "1.1.1.1",
        "pay_order_id": "PAY000000009",
        "order_id": "GIFT00000099",
        "amount": 10,
        "env": 1,
    }
    answer = await post(http, sim, "cancel_currency_pay", cancel, session_key=key)
    assert answer["errcode"] == 268490002 and "order_id" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 91


# ---- 3. strict where WeChat is strict -----------------------------------------------------------


async def test_duplicate_json_keys_are_refused(sim, http):
    sim.add_user(ALICE)
    raw = (
        b'{"openid":"%s","order_id":"GIFT00000003","amount":1,"amount":500,"env":1}'
        % ALICE.encode()
    )
    answer = await post(http, sim, "present_currency", raw)
    assert answer["errcode"] == 268490002 and "amount" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


@pytest.mark.parametrize("env", [b"1.0", b"true", b'"1"', b"1e0"])
async def test_env_must_be_a_json_integer(sim, http, env):
    sim.add_user(ALICE)
    raw = b'{"openid":"%s","order_id":"GIFT00000004","amount":1,"env":%s}' % (ALICE.encode(), env)
    answer = await post(http, sim, "present_currency", raw)
    assert answer["errcode"] == 268490002 and "env" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


@pytest.mark.parametrize("amount", [b"5.0", b"5e0", b"NaN", b"Infinity", b"true"])
async def test_amount_must_be_a_json_integer(sim, http, amount):
    sim.add_user(ALICE)
    raw = b'{"openid":"%s","order_id":"GIFT00000005","amount":%s,"env":1}' % (
        ALICE.encode(),
        amount,
    )
    answer = await post(http, sim, "present_currency", raw)
    assert answer["errcode"] == 268490002
    assert sim.state.account(1, ALICE)["balance"] == 0


UNKNOWN_FIELD_BODIES = {
    "query_user_balance": {"openid": ALICE, "user_ip": "1.1.1.1"},
    "present_currency": {"openid": ALICE, "order_id": "GIFT00000006", "amount": 1},
    "query_order": {"openid": ALICE, "order_id": "ORDER0000001"},
    "notify_provide_goods": {"order_id": "ORDER0000001"},
    "query_biz_balance": {},
    "query_upload_goods": {},
    "query_publish_goods": {},
    "query_withdraw_order": {"withdraw_no": "WITHDRAW0001"},
    "get_complaint_detail": {"complaint_id": "x"},
    "download_bill": {"begin_ds": 20240101, "end_ds": 20240101},
}


@pytest.mark.parametrize("api", sorted(UNKNOWN_FIELD_BODIES))
async def test_unknown_body_fields_are_refused_on_every_api(sim, http, api):
    key = sim.add_user(ALICE)
    body = {**UNKNOWN_FIELD_BODIES[api], "amout": 1}
    if api != "download_bill":
        body["env"] = 1
    answer = await post(
        http,
        sim,
        api,
        body,
        env=0 if api == "download_bill" else 1,
        session_key=key if api == "query_user_balance" else None,
    )
    assert answer["errcode"] == 268490002 and "amout" in answer["errmsg"]


async def test_env_on_download_bill_is_an_unknown_field(sim, http):
    answer = await post(
        http, sim, "download_bill", {"begin_ds": 20240101, "end_ds": 20240101, "env": 0}, env=0
    )
    assert answer["errcode"] == 268490002 and "env" in answer["errmsg"]


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonp"]
)
async def test_content_type_must_be_application_json(sim, http, content_type):
    sim.add_user(ALICE)
    answer = await post(http, sim, "present_currency", gift(1), content_type=content_type)
    assert answer["errcode"] == 268490002 and "Content-Type" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]
)
async def test_content_type_may_carry_a_utf8_charset(sim, http, content_type):
    sim.add_user(ALICE)
    answer = await post(http, sim, "present_currency", gift(1), content_type=content_type)
    assert answer["errcode"] == 0


async def test_a_charset_other_than_utf8_is_refused(sim, http):
    sim.add_user(ALICE)
    answer = await post(
        http, sim, "present_currency", gift(1), content_type="application/json; charset=gbk"
    )
    assert answer["errcode"] == 268490002


async def test_a_duplicate_access_token_is_40001(sim, http):
    sim.add_user(ALICE)
    token = await _token(http, sim)
    answer = await post(
        http, sim, "present_currency", gift(1), extra_params=[("access_token", token)]
    )
    assert answer["errcode"] == 40001 and "access_token" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


async def test_a_duplicate_pay_sig_is_268490003_even_when_one_is_right(sim, http):
    sim.add_user(ALICE)
    raw = serialize_body(gift(1))
    right = calc_pay_sig("/xpay/present_currency", raw, sim.config.sandbox_app_key)
    for extra in (right, "0" * 64):
        answer = await post(http, sim, "present_currency", raw, extra_params=[("pay_sig", extra)])
        assert answer["errcode"] == 268490003 and "pay_sig" in answer["errmsg"]
    assert sim.state.account(1, ALICE)["balance"] == 0


async def test_a_duplicate_user_signature_is_268490003(sim, http):
    key = sim.add_user(ALICE)
    raw = serialize_body({"openid": ALICE, "user_ip": "1.1.1.1", "env": 1})
    again = calc_user_signature(raw, key)
    answer = await post(
        http, sim, "query_user_balance", raw, session_key=key, extra_params=[("signature", again)]
    )
    assert answer["errcode"] == 268490003 and "signature" in answer["errmsg"]


async def test_nested_json_too_deep_is_refused_with_an_answer(sim, http):
    raw = (
        b'{"openid":"' + ALICE.encode() + b'","env":1,"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    )
    answer = await post(http, sim, "present_currency", raw)
    assert answer["errcode"] == 268490002


# ---- 4. the refund left_fee check the lead asked about -----------------------------------------


async def test_a_refund_with_a_stale_left_fee_is_268490016_and_moves_nothing(sim, http):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    refund = {
        "openid": ALICE,
        "order_id": order["order_id"],
        "refund_order_id": "REFUND000101",
        "left_fee": 600,
        "refund_fee": 300,
        "biz_meta": "",
        "refund_reason": "0",
        "req_from": "1",
        "env": 1,
    }
    assert (await post(http, sim, "refund_order", refund))["errcode"] == 0
    second = {**refund, "refund_order_id": "REFUND000102"}  # a second operator saw 600 too
    answer = await post(http, sim, "refund_order", second)
    assert answer["errcode"] == 268490016
    assert sim.state.order_row(order["order_id"])["left_fee"] == 300
    assert sim.state.order_row("REFUND000102") is None


@pytest.mark.parametrize(
    "body",
    [b'{"openid": "oBob_00000000000000000000000002", "coins": 100000000000000000000000}', b"[1]"],
)
async def test_the_admin_api_answers_odd_input_with_400(sim, http, body):
    answer = await http.post(sim.url + "/sim/admin/pay", content=body)
    assert answer.status_code == 400 and answer.json()["error"]


ODD_VALUES = [
    None,
    True,
    0,
    -1,
    2**31,
    10**23,
    1.5,
    "",
    "x" * 5000,
    "GIFT00000001",
    "2024-13-45",
    20240230,
    [],
    [{}],
    [{"id": "x", "price": 2**40}],
    {},
    {"a": {"b": []}},
]


def test_odd_bodies_on_every_api_get_a_considered_answer(sim, caplog):
    """A seeded fuzz: each API gets bodies whose fields hold odd values; every answer is a JSON
    errcode from the rules (never -1, which would mean the simulator itself broke)."""
    import random

    import httpx

    from core.simulator import schema

    rng = random.Random(13)
    key = sim.add_user(ALICE)
    with httpx.Client(timeout=5) as http:
        token = http.post(
            sim.url + "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": sim.config.appid,
                "secret": sim.config.secret,
            },
        ).json()["access_token"]
        for api, rules in sorted(schema.SCHEMAS.items()):
            for _ in range(25):
                body = {"openid": ALICE} if rng.random() < 0.5 else {}
                for name, *_ in rules:
                    if rng.random() < 0.8:
                        body[name] = rng.choice(ODD_VALUES)
                if api not in schema.NO_ENV_APIS:
                    body["env"] = 1
                raw = serialize_body(body)
                app_key = (
                    sim.config.app_key if api in schema.NO_ENV_APIS else sim.config.sandbox_app_key
                )
                params = {
                    "access_token": token,
                    "pay_sig": calc_pay_sig(f"/xpay/{api}", raw, app_key),
                    "signature": calc_user_signature(raw, key),
                }
                answer = http.post(
                    f"{sim.url}/xpay/{api}",
                    params=params,
                    content=raw,
                    headers={"Content-Type": JSON},
                )
                errcode = answer.json()["errcode"]
                assert type(errcode) is int and errcode != -1, (api, body, answer.text)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
