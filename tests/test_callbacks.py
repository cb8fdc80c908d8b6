import base64
import json

import pytest

from core.callbacks import (
    CallbackError,
    CallbackKeys,
    crypto,
    decode,
    encrypted_reply,
    expected_reply,
)
from core.callbacks.errors import EXPLANATIONS
from core.callbacks.parse import extract_query
from core.cli import main
from tests.conftest import load_vectors

OFFICIAL = load_vectors("official_vectors.json")
PUBLIC = load_vectors("public_vectors.json")
REPLIES = load_vectors("reply_vectors.json")
ALL = OFFICIAL["vectors"] + PUBLIC["vectors"]


def keys_of(v) -> CallbackKeys:
    return CallbackKeys(token=v["token"], encoding_aes_key=v["encoding_aes_key"], appid=v["appid"])


def test_error_kinds_match_the_vectors_catalogue():
    assert set(EXPLANATIONS) == set(PUBLIC["error_kinds"]) == set(OFFICIAL["error_kinds"])
    for zh, en in EXPLANATIONS.values():
        assert zh and en and zh != en


@pytest.mark.parametrize("v", ALL, ids=[v["id"] for v in ALL])
def test_vector_through_library(v):
    expected = v["expected"]
    if expected["verdict"] == "reject":
        with pytest.raises(CallbackError) as caught:
            decode(v["query"], v["body"] or "", keys=keys_of(v), method=v["method"])
        assert caught.value.kind == expected["error_kind"]
        return
    result = decode(v["query"], v["body"] or "", keys=keys_of(v), method=v["method"])
    assert result.mode == v["mode"]
    assert result.format == v["format"]
    if expected.get("echo") is not None:
        assert result.echo == expected["echo"]
    else:
        assert result.message == expected["plaintext"]


@pytest.mark.parametrize("v", ALL, ids=[v["id"] for v in ALL])
def test_vector_through_cli(v, tmp_path, capsys, monkeypatch):
    body = tmp_path / "body"
    body.write_bytes((v["body"] or "").encode())
    args = [
        "--json",
        "decode",
        "--query",
        v["query"],
        "--body-file",
        str(body),
        "--method",
        v["method"],
        "--token",
        v["token"],
    ]
    if v["encoding_aes_key"] is not None:
        args += ["--aes-key", v["encoding_aes_key"]]
    if v["appid"] is not None:
        args += ["--appid", v["appid"]]
    code = main(args)
    out = json.loads(capsys.readouterr().out)
    expected = v["expected"]
    if expected["verdict"] == "reject":
        assert (code, out["verdict"], out["error"]["kind"]) == (2, "reject", expected["error_kind"])
        assert out["error"]["message"]
    else:
        assert (code, out["verdict"], out["mode"]) == (0, "accept", v["mode"])
        if expected.get("echo") is not None:
            assert out["echo"] == expected["echo"]
        else:
            assert out["message"] == expected["plaintext"]


@pytest.mark.parametrize("v", REPLIES["vectors"], ids=[v["id"] for v in REPLIES["vectors"]])
def test_reply_vectors_round_trip(v):
    keys = keys_of(v)
    random16 = bytes.fromhex(v["random_prefix_hex"])
    reply = encrypted_reply(
        v["plaintext"],
        v["format"],
        keys=keys,
        timestamp=v["timestamp"],
        nonce=v["nonce"],
        random16=random16,
    )
    key = crypto.aes_key(v["encoding_aes_key"])
    assert (
        crypto.encrypt(v["plaintext"], key, v["appid"], random16=random16) == v["expected_encrypt"]
    )
    assert v["expected_encrypt"] in reply and v["expected_msg_signature"] in reply
    # the documented reply decrypts back with our decoder as a safe-mode push
    query = (
        f"timestamp={v['timestamp']}&nonce={v['nonce']}&encrypt_type=aes"
        f"&msg_signature={v['expected_msg_signature']}"
    )
    envelope = (
        json.dumps({"Encrypt": v["expected_encrypt"]})
        if v["format"] == "json"
        else f"<xml><Encrypt><![CDATA[{v['expected_encrypt']}]]></Encrypt></xml>"
    )
    assert decode(query, envelope, keys=keys).message == v["plaintext"]


def _vector(vid):
    return next(v for v in ALL if v["id"] == vid)


def test_key_rotation_tries_the_previous_key_and_says_so():
    v = _vector("gen-safe-json-xpay_refund_notify")
    rotated = CallbackKeys(
        token=v["token"],
        encoding_aes_key="B" * 43,
        appid=v["appid"],
        previous_encoding_aes_key=v["encoding_aes_key"],
    )
    result = decode(v["query"], v["body"], keys=rotated)
    assert result.key_used == "previous"
    assert result.message == v["expected"]["plaintext"]
    with pytest.raises(CallbackError) as caught:
        decode(
            v["query"],
            v["body"],
            keys=CallbackKeys(token=v["token"], encoding_aes_key="B" * 43, appid=v["appid"]),
        )
    assert caught.value.kind == "padding_invalid"


@pytest.mark.parametrize(
    "vid",
    [
        "gen-safe-json-xpay_goods_deliver_notify",
        "gen-safe-json-xpay_coin_pay_notify",
        "gen-safe-json-xpay_refund_notify",
        "gen-plaintext-json-xpay_goods_deliver_notify",
    ],
)
def test_events_are_typed(vid):
    v = _vector(vid)
    event = decode(v["query"], v["body"], keys=keys_of(v)).event
    assert event is not None and event.known
    assert event.create_time.utcoffset().total_seconds() == 8 * 3600
    assert event.openid.startswith("o")
    if event.event == "xpay_refund_notify":
        assert isinstance(event.refund_fee, int) and event.succeeded is True
        assert event.links["refund_order_id"] == event.fields["MchRefundId"]
    else:
        assert isinstance(event.purchase.actual_price, int)
        assert event.links["order_id"] == event.fields["OutTradeNo"]
        assert event.wechat_pay.paid_time.tzinfo is not None


def _encrypted_push(message: str, fmt: str):
    token, key_text, appid = (
        "XpayTok3n2026",
        "XpayDashboardFixtureKey0123456789abcdefghiJ",
        "wx3f6a2b9c8d7e1f05",
    )
    encrypt = crypto.encrypt(message, crypto.aes_key(key_text), appid, random16=b"0" * 16)
    sig = crypto.sha1_signature(token, "1767225600", "99", encrypt)
    query = f"timestamp=1767225600&nonce=99&encrypt_type=aes&msg_signature={sig}"
    body = (
        json.dumps({"ToUserName": "gh_1", "Encrypt": encrypt})
        if fmt == "json"
        else f"<xml><ToUserName>gh_1</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
    return query, body, CallbackKeys(token=token, encoding_aes_key=key_text, appid=appid)


def test_xml_event_numbers_become_ints_and_unknown_fields_are_kept():
    message = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1767225600</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[xpay_refund_notify]]></Event>"
        "<OpenId><![CDATA[oUSER0001]]></OpenId><MchRefundId><![CDATA[REFUND0001]]></MchRefundId>"
        "<MchOrderId><![CDATA[ORDER0001]]></MchOrderId><RefundFee>100</RefundFee>"
        "<RetCode>1</RetCode><RetMsg><![CDATA[余额不足]]></RetMsg><NewThing>x</NewThing>"
        "<TeamInfo><TeamType>1</TeamType></TeamInfo></xml>"
    )
    query, body, keys = _encrypted_push(message, "xml")
    result = decode(query, body, keys=keys)
    event = result.event
    assert (result.mode, result.format) == ("safe", "xml")
    assert (event.refund_fee, event.succeeded, event.ret_msg) == (100, False, "余额不足")
    assert event.fields["NewThing"] == "x" and event.fields["TeamInfo"]["TeamType"] == 1
    assert event.links == {
        "openid": "oUSER0001",
        "order_id": "ORDER0001",
        "refund_order_id": "REFUND0001",
    }
    assert expected_reply(result, keys=keys).startswith("<xml><ErrCode>0</ErrCode>")


def test_unknown_event_and_non_event_messages_still_decode():
    query, body, keys = _encrypted_push('{"Event":"xpay_future_notify","Foo":1}', "json")
    assert decode(query, body, keys=keys).event.event == "xpay_future_notify"
    query, body, keys = _encrypted_push("plain words", "json")
    result = decode(query, body, keys=keys)
    assert result.message == "plain words" and result.event is None


def test_encrypted_ack_reply_decrypts_with_the_same_keys():
    query, body, keys = _encrypted_push('{"Event":"xpay_coin_pay_notify"}', "json")
    result = decode(query, body, keys=keys)
    reply = json.loads(expected_reply(result, keys=keys, encrypt=True, timestamp="1767229200"))
    q = (
        f"timestamp={reply['TimeStamp']}&nonce={reply['Nonce']}&encrypt_type=aes"
        f"&msg_signature={reply['MsgSignature']}"
    )
    assert decode(q, json.dumps({"Encrypt": reply["Encrypt"]}), keys=keys).message == (
        '{"ErrCode":0,"ErrMsg":"success"}'
    )


@pytest.mark.parametrize(
    "pasted",
    [
        "https://example.com/cb?signature=a&timestamp=1&nonce=2#frag",
        "?signature=a&timestamp=1&nonce=2",
        "signature=a&timestamp=1&nonce=2",
        '2026-01-01 12:00:00 10.0.0.1 "POST /cb?signature=a&timestamp=1&nonce=2 HTTP/1.1" 200',
    ],
)
def test_extract_query_from_urls_and_log_lines(pasted):
    assert extract_query(pasted) == "signature=a&timestamp=1&nonce=2"


@pytest.mark.parametrize(
    ("query", "body", "kind"),
    [
        (
            "timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x&nonce=3",
            "{}",
            "query_duplicate_param",
        ),
        ("timestamp=1&nonce=2&encrypt_type=des&msg_signature=x", "{}", "unsupported_encrypt_type"),
        ("nonce=2&encrypt_type=aes&msg_signature=x", "{}", "missing_param"),
        ("timestamp=1&nonce=2", '{"a":1}', "missing_param"),
        ("", '{"Encrypt":"abc"}', "missing_signature"),
        ("timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x", '{"a":1', "body_parse"),
        ("timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x", "<root/>", "body_parse"),
        (
            "timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x",
            '<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>',
            "body_parse",
        ),
        ("timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x", '{"E":1,"E":2}', "body_parse"),
        (
            "timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x",
            '{"ToUserName":"gh"}',
            "missing_encrypt",
        ),
        ("timestamp=1&nonce=2&encrypt_type=aes", '{"Encrypt":"abc"}', "missing_signature"),
    ],
)
def test_structural_errors(query, body, kind):
    keys = CallbackKeys(token="t", encoding_aes_key="A" * 43, appid="wx0123456789abcdef")
    with pytest.raises(CallbackError) as caught:
        decode(query, body, keys=keys)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("timestamp=1&nonce=2&encrypt_type=aes&msg_signature=x", '{"Encrypt":"\\ud800"}'),
        ("timestamp=\ud800&nonce=2&signature=x", "{}"),
    ],
)
def test_lone_surrogates_are_a_mismatch_not_a_crash(query, body):
    keys = CallbackKeys(token="t", encoding_aes_key="A" * 43, appid="wx0123456789abcdef")
    with pytest.raises(CallbackError) as caught:
        decode(query, body, keys=keys)
    assert caught.value.kind == "signature_mismatch"


def test_trailing_equals_key_is_explained():
    with pytest.raises(CallbackError) as caught:
        crypto.aes_key("A" * 43 + "=")
    assert caught.value.kind == "aes_key_length" and "“=”" in caught.value.message_zh


def test_non_canonical_key_is_accepted():
    # real console keys have non-zero discarded bits; strict decoders reject them (WxJava#1454)
    key = crypto.aes_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    assert len(key) == 32
    assert base64.b64encode(key).decode()[:42] == "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2"
