"""Mutated queries, bodies and keys: the decoder raises only its own typed error, never hangs, and
never accepts a payload whose signature does not verify (checked by an independent computation).

The CI budget runs 10,000 examples across the strategies; `-m slow` runs ten times more."""

from __future__ import annotations

import hashlib
import json
import os
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.callbacks import CallbackError, CallbackKeys, decode
from tests.conftest import load_vectors

VECTORS = [
    v
    for v in load_vectors("official_vectors.json")["vectors"]
    + load_vectors("public_vectors.json")["vectors"]
    if v["expected"]["verdict"] == "accept"
]
SCALE = int(os.environ.get("XPAYDESK_FUZZ_SCALE", "1"))


def _settings(examples: int):
    return settings(
        max_examples=examples * SCALE,
        deadline=500,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()


def _independently_verified(query: str, body: str, token: str, result) -> bool:
    params = {}
    for part in query.split("?", 1)[-1].split("&"):
        if part:
            k, _, v = part.partition("=")
            params[unquote(k)] = unquote(v)
    ts, nonce = params.get("timestamp", ""), params.get("nonce", "")
    if result.mode == "url_verify_plain":
        return params.get("signature") == _sha1(token, ts, nonce)
    if result.mode == "url_verify_encrypted":
        return params.get("msg_signature") == _sha1(token, ts, nonce, params.get("echostr", ""))
    if result.mode == "plaintext":
        return params.get("signature") == _sha1(token, ts, nonce)
    stripped = body.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        encrypt = json.loads(stripped)["Encrypt"]
    else:
        start = stripped.index("<Encrypt>") + len("<Encrypt>")
        inner = stripped[start : stripped.index("</Encrypt>")]
        encrypt = inner[9:-3] if inner.startswith("<![CDATA[") else inner
    return params.get("msg_signature") == _sha1(token, ts, nonce, encrypt)


def _mutate(text: str, data) -> str:
    if not text:
        return data.draw(st.text(max_size=20))
    op = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate", "plus_space", "dup"]))
    i = data.draw(st.integers(0, len(text) - 1))
    if op == "flip":
        return text[:i] + data.draw(st.characters()) + text[i + 1 :]
    if op == "delete":
        return text[:i] + text[i + 1 :]
    if op == "insert":
        return text[:i] + data.draw(st.text(min_size=1, max_size=4)) + text[i:]
    if op == "truncate":
        return text[:i]
    if op == "plus_space":
        return text.replace("+", " ")
    return text + "&" + text[:i]


def _check(query, body, keys, method):
    try:
        result = decode(query, body, keys=keys, method=method)
    except CallbackError as exc:
        assert exc.kind  # typed, with a kind
        return
    assert _independently_verified(query, body, keys.token, result), "accepted a bad signature"


vector_strategy = st.sampled_from(VECTORS)


def _keys(v, **over) -> CallbackKeys:
    base = {"token": v["token"], "encoding_aes_key": v["encoding_aes_key"], "appid": v["appid"]}
    base.update(over)
    return CallbackKeys(**base)


@_settings(3000)
@given(v=vector_strategy, data=st.data())
def test_fuzz_mutated_query(v, data):
    _check(_mutate(v["query"], data), v["body"] or "", _keys(v), v["method"])


@_settings(4000)
@given(v=vector_strategy, data=st.data())
def test_fuzz_mutated_body(v, data):
    _check(v["query"], _mutate(v["body"] or "", data), _keys(v), v["method"])


@_settings(1500)
@given(v=vector_strategy, data=st.data())
def test_fuzz_mutated_keys(v, data):
    key = v["encoding_aes_key"] or "A" * 43
    keys = _keys(
        v,
        encoding_aes_key=_mutate(key, data),
        token=data.draw(st.sampled_from([v["token"], v["token"] + "x"])),
        appid=data.draw(st.sampled_from([v["appid"], "wx0000000000000000", ""])),
    )
    _check(v["query"], v["body"] or "", keys, v["method"])


@_settings(1500)
@given(
    query=st.text(max_size=200),
    body=st.text(max_size=400),
    method=st.sampled_from([None, "GET", "POST"]),
)
def test_fuzz_garbage(query, body, method):
    _check(query, body, CallbackKeys(token="t", encoding_aes_key="A" * 43, appid="wx01"), method)


@pytest.mark.slow
def test_fuzz_at_scale():
    import subprocess
    import sys

    env = {**os.environ, "XPAYDESK_FUZZ_SCALE": "10"}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", __file__, "-p", "no:qt"],
        check=True,
        env=env,
    )
