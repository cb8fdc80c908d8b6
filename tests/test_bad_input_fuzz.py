"""Random and hostile input to `decode` and to the bulk-file parser: never a traceback, always a
result or a clear error of a known kind, in bounded time. Seeded (the same cases every run); the
normal run takes a few seconds, `-m slow` runs twenty times as many.

decode is driven with a valid signature too (plaintext mode, and safe mode with the hostile text
encrypted under the right key), so the body reaches the XML/JSON reader and the event reader,
not just the signature check."""

from __future__ import annotations

import os
import random
import time
from urllib.parse import quote

import pytest

from core.callbacks import CallbackError, CallbackKeys, decode
from core.callbacks.crypto import aes_key, encrypt, sha1_signature
from core.callbacks.errors import EXPLANATIONS
from core.operations.bulk import MAX_AMOUNT, BulkFileError, plan_bulk
from core.validation import OPENID_RE

SCALE = int(os.environ.get("XPAYDESK_BAD_INPUT_FUZZ_SCALE", "1"))
KEYS = CallbackKeys(token="tok", encoding_aes_key="k" * 43, appid="wx0123456789abcdef")
PER_CALL_SECONDS = 2.0

NASTY_TEXT = [
    "",
    "\x00",
    "\ufeff",
    "\ud800",
    "²",
    "١٢٣",
    "１０",
    "1e3",
    "-5",
    " 10 ",
    "1.0",
    "NaN",
    "9" * 5000,
    "<",
    "&",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "]]>",
    '"',
    "'",
    ",",
    "\r",
    "\n",
    "\u2028",
    "💰" * 10,
    "x" * 200_000,
]


def _xml(rng: random.Random, depth: int = 0) -> str:
    choice = rng.random()
    if depth > 3 or choice < 0.3:
        return rng.choice(NASTY_TEXT[:-1])
    if choice < 0.4:
        return f"<![CDATA[{rng.choice(NASTY_TEXT[:-1])}]]>"
    tag = rng.choice(["Event", "ToUserName", "Encrypt", "a", "OpenId", "GoodsInfo", "x:y", "1bad"])
    inner = "".join(_xml(rng, depth + 1) for _ in range(rng.randint(0, 4)))
    return f"<{tag}>{inner}</{tag}>" if rng.random() < 0.9 else f"<{tag}>{inner}"


def hostile_body(rng: random.Random) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        depth = rng.choice([40, 1000, 100_000])
        return "<xml>" + "<a>" * depth + "x" + "</a>" * depth + "</xml>"
    if kind == 1:
        depth = rng.choice([100, 5000, 100_000])
        return '{"a":' * depth + "1" + "}" * depth
    if kind == 2:
        return (
            f'<?xml version="1.0"?><!{rng.choice(["DOCTYPE", "doctype", "DocType"])} xml ['
            '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml>&b;</xml>'
        )
    if kind == 3:
        return '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><A>&xxe;</A></xml>'
    if kind == 4:
        return "<xml>" + "".join(_xml(rng) for _ in range(rng.randint(1, 8))) + "</xml>"
    if kind == 5:
        return "<xml>" + "<A>1</A>" * rng.choice([10, 20_000]) + "</xml>"
    if kind == 6:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))).decode("latin-1")
    if kind == 7:
        return (
            "{"
            + ",".join(
                f'"{rng.choice(NASTY_TEXT[:-1])}":{rng.choice(["1", "[]", "{}", "null", "1e999", "-0"])}'
                for _ in range(rng.randint(0, 6))
            )
            + "}"
        )
    if kind == 8:
        return (
            '{"Event":'
            + rng.choice(['"xpay_goods_deliver_notify"', "[]", "{}", "1"])
            + ',"GoodsInfo":'
            + rng.choice(['{"ActualPrice":"x"}', "[1,2]", '{"ActualPrice":1e400}', '"s"'])
            + "}"
        )
    if kind == 9:
        return rng.choice(
            [
                "<xml>",
                "<xml/>",
                "</xml>",
                "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
                "<notxml/>",
                "<xml></xml>junk",
            ]
        )
    if kind == 10:
        return "x" * rng.choice([10, (1 << 20) + 1])
    return rng.choice(NASTY_TEXT)


def _check_decode(query: str, body: str) -> None:
    started = time.perf_counter()
    try:
        decode(query, body, keys=KEYS, method="POST")
    except CallbackError as exc:
        assert exc.kind in EXPLANATIONS
        assert exc.message("zh_CN") and exc.message("en")
    assert time.perf_counter() - started < PER_CALL_SECONDS


def _plain_query(rng: random.Random) -> str:
    ts, nonce = str(rng.randrange(10**10)), str(rng.randrange(10**9))
    return f"signature={sha1_signature(KEYS.token, ts, nonce)}&timestamp={ts}&nonce={nonce}"


def _safe(rng: random.Random, message: str) -> tuple[str, str]:
    ts, nonce = str(rng.randrange(10**10)), str(rng.randrange(10**9))
    sealed = encrypt(
        message.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
        aes_key(KEYS.encoding_aes_key),
        KEYS.appid,
    )
    sig = sha1_signature(KEYS.token, ts, nonce, sealed)
    query = f"msg_signature={sig}&timestamp={ts}&nonce={nonce}&encrypt_type=aes"
    body = f'{{"ToUserName":"wx","Encrypt":"{sealed}"}}'
    return query, body


def run_decode_fuzz(cases: int, seed: int) -> int:
    rng = random.Random(seed)
    for _ in range(cases):
        body = hostile_body(rng)
        mode = rng.randrange(3)
        if mode == 0:
            _check_decode(_plain_query(rng), body)  # a valid signature: the body is read
        elif mode == 1 and len(body) < 300_000:
            _check_decode(*_safe(rng, body))  # decrypted, then read
        else:
            _check_decode(
                rng.choice(["", "?", "signature=&&&", quote(body[:200], errors="replace")]), body
            )
    return cases


# ---- the bulk file --------------------------------------------------------------------------

OPENIDS = ["oGOODUSER000000000001", "oGOODUSER000000000002", "bad id", "", "o" * 65, "o²USER00001"]
AMOUNTS = ["5", "10", "2147483647", "2147483648", "0", *NASTY_TEXT[:-1]]


def hostile_csv(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000)))
    rows = []
    for _ in range(rng.randint(0, 30)):
        cells = [
            rng.choice(OPENIDS),
            rng.choice(AMOUNTS),
            rng.choice(["补偿", "", "x" * 140_000, '"q', "a\nb"]),
        ]
        cells = cells[: rng.randint(0, 4)] + [rng.choice(NASTY_TEXT[:-1])] * rng.randint(0, 2)
        quoted = rng.random() < 0.3
        rows.append(",".join(f'"{c}"' if quoted else c for c in cells))
    text = rng.choice(["\n", "\r\n", "\r"]).join(rows)
    if kind == 1:
        text = "openid,amount,reason\n" + text
    if kind == 2:
        return text.encode("gb18030", "replace")
    if kind == 3:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def run_bulk_fuzz(cases: int, seed: int, folder) -> int:
    rng = random.Random(seed)
    path = folder / "bulk.csv"
    for _ in range(cases):
        data = hostile_csv(rng)
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            plan = plan_bulk(path, rng.choice(["gift", "deduct"]))
        except BulkFileError as exc:
            assert exc.kind == "bulk_file" and exc.message("en") and exc.message("zh_CN")
            continue
        finally:
            assert time.perf_counter() - started < PER_CALL_SECONDS
        lines = max(1, data.count(b"\n") + data.count(b"\r") + 1)
        for row in plan.rows:
            assert OPENID_RE.fullmatch(row.openid) and row.reason
            assert 1 <= row.amount <= MAX_AMOUNT and isinstance(row.amount, int)
            assert 1 <= row.line <= lines
        for rejected in plan.rejected:
            assert 1 <= rejected.line <= lines and rejected.reason
        assert not {r.line for r in plan.rows} & {r.line for r in plan.rejected}
        plan.as_dict()  # the preview renders whatever came in
    return cases


def test_decode_fuzz():
    assert run_decode_fuzz(400 * SCALE, seed=13) == 400 * SCALE


def test_bulk_fuzz(tmp_path):
    assert run_bulk_fuzz(400 * SCALE, seed=13, folder=tmp_path) == 400 * SCALE


@pytest.mark.slow
def test_bad_input_fuzz_at_scale(tmp_path):
    for seed in range(20):
        run_decode_fuzz(400, seed=1000 + seed)
        run_bulk_fuzz(400, seed=1000 + seed, folder=tmp_path)
