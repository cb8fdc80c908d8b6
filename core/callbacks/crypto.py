"""The WXBizMsgCrypt scheme (callback-crypto.md §2): SHA-1 over sorted strings, AES-256-CBC with
IV = key[:16], PKCS#7 with a 32-byte block, plaintext = random16 | len (4, BE) | msg | appid.

Every failure raises CallbackError with its kind, in the reference's check order.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct

from Crypto.Cipher import AES

from core.callbacks.errors import CallbackError

KEY_RE = re.compile(r"[A-Za-z0-9+/]*")
BLOCK = 32


def aes_key(encoding_aes_key: str | None) -> bytes:
    if encoding_aes_key is None or len(encoding_aes_key) != 43:
        got = "未配置 not configured" if encoding_aes_key is None else f"{len(encoding_aes_key)}"
        raise CallbackError("aes_key_length", f"length {got}")
    if not KEY_RE.fullmatch(encoding_aes_key):
        raise CallbackError("aes_key_charset")
    # lenient on the discarded trailing bits: real console keys are non-canonical base64
    return base64.b64decode(encoding_aes_key + "=")


def _bytes(text: str) -> bytes:
    # a pasted JSON body can carry lone surrogates ("\\ud800"); WeChat never signs those, so
    # they must lead to a mismatch, not to a UnicodeEncodeError
    return text.encode("utf-8", "surrogatepass")


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1(_bytes("".join(sorted(parts)))).hexdigest()


def verify(expected_parts: tuple[str, ...], given: str) -> None:
    if not hmac.compare_digest(sha1_signature(*expected_parts).encode(), _bytes(given)):
        raise CallbackError("signature_mismatch")


def decrypt(encrypt: str, key: bytes, appid: str) -> str:
    try:
        ciphertext = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise CallbackError("base64_invalid") from None
    if not ciphertext or len(ciphertext) % BLOCK:
        raise CallbackError("ciphertext_length", f"{len(ciphertext)} bytes")
    plain = AES.new(key, AES.MODE_CBC, iv=key[:16]).decrypt(ciphertext)
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CallbackError("padding_invalid")
    full = plain[:-pad]
    if len(full) < 20:
        raise CallbackError("length_invalid", f"{len(full)} bytes")
    (msg_len,) = struct.unpack(">I", full[16:20])
    if msg_len > len(full) - 20:
        raise CallbackError("length_invalid", f"msg_len {msg_len}")
    message, receiver = full[20 : 20 + msg_len], full[20 + msg_len :]
    if receiver != appid.encode():
        shown = receiver.decode("utf-8", "replace")[:40]
        raise CallbackError("appid_mismatch", f"found {shown!r}, expected {appid!r}")
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError:
        raise CallbackError("utf8_invalid") from None


def encrypt(message: str, key: bytes, appid: str, *, random16: bytes | None = None) -> str:
    prefix = os.urandom(16) if random16 is None else random16
    if len(prefix) != 16:
        raise ValueError("the random prefix is 16 bytes")
    body = message.encode()
    full = prefix + struct.pack(">I", len(body)) + body + appid.encode()
    pad = BLOCK - len(full) % BLOCK
    cipher = AES.new(key, AES.MODE_CBC, iv=key[:16])
    return base64.b64encode(cipher.encrypt(full + bytes([pad]) * pad)).decode()
