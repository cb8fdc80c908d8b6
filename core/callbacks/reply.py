"""The answer WeChat expects for a push (reference §7.3), in the push's own format, and encrypted
with the key that decrypted the push when the operator asks for safe-mode replies."""

from __future__ import annotations

import json
import secrets
import time

from core.callbacks import crypto
from core.callbacks.decoder import CallbackKeys, DecodeResult

ACK_JSON = '{"ErrCode":0,"ErrMsg":"success"}'
ACK_XML = "<xml><ErrCode>0</ErrCode><ErrMsg><![CDATA[success]]></ErrMsg></xml>"


def ack(fmt: str | None) -> str:
    return ACK_XML if fmt == "xml" else ACK_JSON


def encrypted_reply(
    plaintext: str,
    fmt: str,
    *,
    keys: CallbackKeys,
    timestamp: str,
    nonce: str,
    random16: bytes | None = None,
    key_label: str = "current",
) -> str:
    key_text = keys.previous_encoding_aes_key if key_label == "previous" else keys.encoding_aes_key
    key = crypto.aes_key(key_text)
    encrypt = crypto.encrypt(plaintext, key, keys.appid or "", random16=random16)
    signature = crypto.sha1_signature(keys.token, timestamp, nonce, encrypt)
    if fmt == "xml":
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{signature}]]>"
            f"</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce>"
            "</xml>"
        )
    return json.dumps(
        {
            "Encrypt": encrypt,
            "MsgSignature": signature,
            "TimeStamp": int(timestamp),
            "Nonce": nonce,
        },
        separators=(",", ":"),
    )


def expected_reply(
    result: DecodeResult, *, keys: CallbackKeys, encrypt: bool = False, timestamp: str | None = None
) -> str:
    """URL verification echoes; an event gets the ErrCode acknowledgement. Whether WeChat requires
    the ack encrypted in safe mode is unknown (reference §7.2): plaintext by default, since WeChat
    also accepts an empty body or "success"; `encrypt=True` produces the encrypted form."""
    if result.echo is not None:
        return result.echo
    body = ack(result.format)
    if not encrypt or result.mode not in ("safe", "compatible") or result.format is None:
        return body
    nonce = result.query.get("nonce") or str(secrets.randbelow(10**9))
    return encrypted_reply(
        body,
        result.format,
        keys=keys,
        timestamp=timestamp or str(int(time.time())),
        nonce=nonce,
        key_label=result.key_used or "current",
    )
