import pytest

from core import signing
from core.cli import main

OFFICIAL_BODY = '{"openid": "xxx", "user_ip": "127.0.0.1", "env": 0}'
SKIT_BODY = '{"openid":"xxx","env":0,"user_ip":"127.0.0.1"}'
SESSION_KEY = "9hAb/NEYUlkaMBEsmFgzig=="
URI = "/xpay/query_user_balance"

PAY_SIG_VECTORS = [
    # (uri, body, pay_sig) — reference §3.4, official, SKIT and self-computed
    (URI, OFFICIAL_BODY, "c37809f27c6d7fd1837ad2500a04512b66b34fd793a39a385fade56dca89a4b5"),
    (URI, SKIT_BODY, "fb4703e6b7da545a7f43428f02f2a9fa42e895704c6319d01a0aa859cf63253c"),
    (
        URI,
        '{"openid":"xxx","user_ip":"127.0.0.1","env":0}',
        "bf7d8464010d1f3766c937d75ba269e79365001595eb35291d8e45b60c50c2c1",
    ),
    (
        "/xpay/query_order",
        '{"openid":"xxx","env":0,"order_id":"ORDER20240101001"}',
        "6efe258558556bdde1b13c0af8955bdd1ce7dcaa70c410e6d6066593fbdedf00",
    ),
    (
        "/xpay/refund_order",
        '{"openid":"xxx","order_id":"ORDER20240101001","refund_order_id":"REFUND20240101001",'
        '"left_fee":100,"refund_fee":100,"biz_meta":"客服退款","refund_reason":"1","req_from":"1",'
        '"env":0}',
        "0255b626148f8bec73b4dc2ca692d0e7ea87710fb39ebe01770c4c8ebc6f67ee",
    ),
    (
        "/xpay/refund_order",
        '{"openid":"xxx","order_id":"ORDER20240101001","refund_order_id":"REFUND20240101001",'
        '"left_fee":100,"refund_fee":100,"biz_meta":"\\u5ba2\\u670d\\u9000\\u6b3e","refund_reason":"1",'
        '"req_from":"1","env":0}',
        "bb1600e5c3c2bc2b33c80412cd090245ba942eb69bd4117492a9a238fed5ca00",
    ),
    (
        "/xpay/query_punishment_reasons",
        "{}",
        "c8103435748a63a6dc4b00f04d4dbdcd884464bae9676f4c51d16b8b390cfa99",
    ),
]

SIGNATURE_VECTORS = [
    (
        OFFICIAL_BODY,
        SESSION_KEY,
        "089d9e8dc5d308977360c4b79ec600a93d736802802a807d634192328032f6c7",
    ),
    (SKIT_BODY, SESSION_KEY, "e690cc22b6378ca9d70fe61727fabf65f0273d436813447816951989867a134c"),
    (
        '{"foo":"bar"}',
        "o0q0otL8aEzpcZL/FT9WsQ==",
        "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b",
    ),
    (
        '{"openid":"xxx","user_ip":"127.0.0.1","env":0}',
        SESSION_KEY,
        "0752c249c2ebd270340899457a403941e1513800e29eb78afa67bd367ca273b1",
    ),
]


@pytest.mark.parametrize(("uri", "body", "expected"), PAY_SIG_VECTORS)
def test_pay_sig_vectors(uri, body, expected):
    assert signing.calc_pay_sig(uri, body, "12345") == expected
    assert signing.calc_pay_sig(uri, body.encode(), "12345") == expected


@pytest.mark.parametrize(("body", "key", "expected"), SIGNATURE_VECTORS)
def test_user_signature_vectors(body, key, expected):
    assert signing.calc_user_signature(body, key) == expected


def test_checksession_signs_the_empty_string():
    assert signing.calc_checksession_signature(SESSION_KEY) == (
        "1f7605aea24c0785899e51bc4c483167a20ea7b0f5f36cfd398e89cb21c91e9c"
    )


@pytest.mark.parametrize(
    ("mistake", "value"),
    [
        ("no leading slash", "8e3b0b28b12177813cd7d2e063c7f8b65e520553fd7f6adcf39423b6859300c5"),
        ("trailing newline", "8b6281d9b9809a0e0b1f767579e9fd447e4200711d99dee3aeeb7a6a982fdeb1"),
        ("upper case", "C37809F27C6D7FD1837AD2500A04512B66B34FD793A39A385FADE56DCA89A4B5"),
    ],
)
def test_negative_pay_sig_vectors_are_not_what_we_produce(mistake, value):
    correct = signing.calc_pay_sig(URI, OFFICIAL_BODY, "12345")
    assert correct != value
    # and each mistake reproduces exactly the documented wrong value
    if mistake == "no leading slash":
        assert signing.calc_pay_sig(URI[1:], OFFICIAL_BODY, "12345") == value
    elif mistake == "trailing newline":
        assert signing.calc_pay_sig(URI, OFFICIAL_BODY + "\n", "12345") == value
    else:
        assert correct.upper() == value
        assert signing.compare_signature(correct, value).startswith("大小写不同")


def test_decoded_session_key_gives_the_documented_wrong_signature():
    import base64
    import hashlib
    import hmac

    wrong = hmac.new(
        base64.b64decode(SESSION_KEY), OFFICIAL_BODY.encode(), hashlib.sha256
    ).hexdigest()
    assert wrong == "d54d8b90dc3287658edc2b9f6392c168d7fb649d5783be31d111c00260ad851b"
    assert signing.calc_user_signature(OFFICIAL_BODY, SESSION_KEY) != wrong


def test_serialize_body_is_compact_utf8_and_signs_the_skit_vector():
    body = signing.serialize_body({"openid": "xxx", "env": 0, "user_ip": "127.0.0.1"})
    assert body == SKIT_BODY.encode()
    assert signing.serialize_body({"biz_meta": "客服退款"}) == '{"biz_meta":"客服退款"}'.encode()


def test_lint_finds_the_common_mistakes():
    warnings = signing.lint_request("xpay/query_order", '"{\\"a\\":1}"\n')
    assert any("leading" in w for w in warnings)
    assert any("newline" in w for w in warnings)
    assert any("twice" in w for w in warnings)
    assert signing.lint_request(URI, SKIT_BODY) == []


def test_visible_whitespace_marks_spaces_and_newlines():
    assert signing.visible_whitespace("a b\n\t") == "a·b␊\n→\t"


@pytest.mark.parametrize(("uri", "body", "expected"), PAY_SIG_VECTORS)
def test_cli_sign_reproduces_pay_sig_vectors(uri, body, expected, capsys):
    assert main(["--json", "sign", "--uri", uri, "--body", body, "--app-key", "12345"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert result["pay_sig"] == expected
    assert result["signed_message"] == f"{uri}&{body}"


def test_cli_sign_with_session_key_and_body_file(tmp_path, capsys):
    path = tmp_path / "body.json"
    path.write_bytes(OFFICIAL_BODY.encode())
    assert (
        main(
            [
                "sign",
                "--uri",
                URI,
                "--body-file",
                str(path),
                "--app-key",
                "12345",
                "--session-key",
                SESSION_KEY,
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "c37809f27c6d7fd1837ad2500a04512b66b34fd793a39a385fade56dca89a4b5" in text
    assert "089d9e8dc5d308977360c4b79ec600a93d736802802a807d634192328032f6c7" in text
    assert '{"openid":·"xxx",' in text  # whitespace made visible


def test_cli_sign_compare_says_what_differs(capsys):
    code = main(
        [
            "sign",
            "--uri",
            URI,
            "--body",
            OFFICIAL_BODY,
            "--app-key",
            "12345",
            "--compare",
            "C37809F27C6D7FD1837AD2500A04512B66B34FD793A39A385FADE56DCA89A4B5",
        ]
    )
    assert code == 1
    assert "lower-case" in capsys.readouterr().out
    assert (
        main(
            [
                "sign",
                "--uri",
                URI,
                "--body",
                OFFICIAL_BODY,
                "--app-key",
                "12345",
                "--compare",
                "c37809f27c6d7fd1837ad2500a04512b66b34fd793a39a385fade56dca89a4b5",
            ]
        )
        == 0
    )
