"""Pushes produced exactly as WeChat sends them: JSON or XML, plaintext, compatible or safe mode,
signed with the Token and AES-encrypted with the EncodingAESKey (callback-crypto.md)."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from core.callbacks import crypto
from core.simulator.config import PushConfig, SimConfig
from core.simulator.state import Push

OFFICIAL_SENDER = "oFAKEwechatOfficialSender0000"


@dataclass(frozen=True)
class WirePush:
    """A push as it travels: query string and body. `delivered` says where it went."""

    event: str
    query: str
    body: str
    plaintext: str
    delivered: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "query": self.query,
            "body": self.body,
            "plaintext": self.plaintext,
            "delivered": self.delivered,
        }


def _xml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml_value(v)}</{k}>" for k, v in value.items())
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return f"<![CDATA[{value}]]>"


def render_message(fields: dict[str, Any], fmt: str) -> str:
    if fmt == "xml":
        return f"<xml>{_xml_value(fields)}</xml>"
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def build(
    push: Push, config: SimConfig, rng: random.Random, *, to_user: str = "gh_d3m0d3m0d3m0"
) -> WirePush:
    pc: PushConfig = config.push
    created = int(push.created)
    fields = {
        "ToUserName": to_user,
        "FromUserName": OFFICIAL_SENDER,
        "CreateTime": created,
        "MsgType": "event",
        "Event": push.event,
        **push.fields,
    }
    message = render_message(fields, pc.format)
    timestamp, nonce = str(created), str(rng.randrange(10**9, 10**10))
    signature = crypto.sha1_signature(pc.token, timestamp, nonce)
    params = {
        "signature": signature,
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": OFFICIAL_SENDER,
    }
    if pc.mode == "plaintext":
        return WirePush(push.event, urlencode(params), message, message)
    key = crypto.aes_key(pc.encoding_aes_key)
    encrypt = crypto.encrypt(message, key, config.appid, random16=rng.randbytes(16))
    params.update(
        encrypt_type="aes", msg_signature=crypto.sha1_signature(pc.token, timestamp, nonce, encrypt)
    )
    query = "&".join(f"{k}={v}" for k, v in params.items())  # hex and digits: nothing to escape
    if pc.mode == "compatible":
        envelope = {**fields, "Encrypt": encrypt}
    else:
        envelope = {"ToUserName": to_user, "Encrypt": encrypt}
    body = render_message(envelope, pc.format)
    return WirePush(push.event, query, body, message)


def deliver(wire: WirePush, config: PushConfig, sequence: int) -> WirePush:
    """POST to the configured URL and/or write query + body files; returns where it went."""
    places = []
    if config.folder is not None:
        config.folder.mkdir(parents=True, exist_ok=True)
        stem = config.folder / f"{sequence:06d}-{wire.event}"
        Path(f"{stem}.query").write_text(wire.query, encoding="utf-8")
        Path(f"{stem}.body").write_text(wire.body, encoding="utf-8")
        places.append(str(stem))
    if config.url:
        content_type = "text/xml" if config.format == "xml" else "application/json"
        try:
            response = httpx.post(
                f"{config.url}?{wire.query}",
                content=wire.body.encode(),
                headers={"Content-Type": content_type},
                timeout=5,
            )
            places.append(f"{config.url} -> HTTP {response.status_code}")
        except httpx.HTTPError as exc:
            places.append(f"{config.url} -> {type(exc).__name__}")
    return WirePush(
        wire.event,
        wire.query,
        wire.body,
        wire.plaintext,
        "; ".join(places) or f"kept in memory at {time.strftime('%H:%M:%S')}",
    )
