"""Verify and decrypt one pasted message push, strictly, in the reference's check order:
query → EncodingAESKey → body → msg_signature present → Encrypt present → signature → base64 →
ciphertext length → padding → msg_len → appid → UTF-8."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.callbacks import crypto
from core.callbacks.errors import CallbackError
from core.callbacks.events import PushEvent, parse_event
from core.callbacks.parse import Body, extract_query, parse_body, parse_message, parse_query

MODES = ("plaintext", "compatible", "safe", "url_verify_plain", "url_verify_encrypted")


@dataclass(frozen=True)
class CallbackKeys:
    """What a profile knows about its push configuration. The previous EncodingAESKey is tried
    after the current one, for pushes in flight during a key rotation."""

    token: str
    encoding_aes_key: str | None = None
    appid: str | None = None
    previous_encoding_aes_key: str | None = None

    def __repr__(self) -> str:
        return f"CallbackKeys(appid={self.appid!r}, token=***, encoding_aes_key=***)"


@dataclass(frozen=True)
class DecodeResult:
    mode: str
    format: str | None
    message: str | None  # the decrypted (or plaintext) event text
    echo: str | None = None  # URL verification: what the server must answer
    receiver_appid: str | None = None
    key_used: str | None = None  # "current" or "previous" for encrypted modes
    query: dict[str, str] = field(default_factory=dict)
    event: PushEvent | None = None
    verdict: str = "accept"
    signature_verified: bool = True

    @property
    def fields(self) -> dict[str, Any]:
        return self.event.fields if self.event else {}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "mode": self.mode,
            "format": self.format,
            "signature_verified": self.signature_verified,
        }
        if self.echo is not None:
            out["echo"] = self.echo
        if self.message is not None:
            out["message"] = self.message
        if self.receiver_appid:
            out["receiver_appid"] = self.receiver_appid
        if self.key_used:
            out["key_used"] = self.key_used
        if self.event is not None:
            out["event"] = self.event.event
            out["fields"] = self.event.fields
            out["links"] = self.event.links
        return out


def _require(params: dict[str, str], *names: str) -> None:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise CallbackError("missing_param", ", ".join(missing))


def _keys(keys: CallbackKeys) -> list[tuple[str, bytes]]:
    found = [("current", crypto.aes_key(keys.encoding_aes_key))]
    if keys.previous_encoding_aes_key:
        found.append(("previous", crypto.aes_key(keys.previous_encoding_aes_key)))
    return found


def _decrypt_any(encrypt: str, keys: CallbackKeys) -> tuple[str, str]:
    """Decrypt with the current key, then the previous one; the current key's error wins."""
    if not keys.appid:
        raise CallbackError("appid_mismatch", "no expected appid configured")
    first_error: CallbackError | None = None
    for label, key in _keys(keys):
        try:
            return crypto.decrypt(encrypt, key, keys.appid), label
        except CallbackError as exc:
            # base64 / length errors do not depend on the key: no point trying another
            if exc.kind in ("base64_invalid", "ciphertext_length"):
                raise
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def decode(
    query: str, body: str = "", *, keys: CallbackKeys, method: str | None = None
) -> DecodeResult:
    """Decode a push. `query` may be a URL, a query string or a log line. Raises CallbackError."""
    params = parse_query(extract_query(query))
    encrypt_type = params.get("encrypt_type")
    if encrypt_type not in (None, "aes", "raw"):
        raise CallbackError("unsupported_encrypt_type", encrypt_type)
    is_get = (method or "").upper() == "GET" or ("echostr" in params and not body.strip())
    if is_get:
        return _url_verify(params, keys)
    encrypted = encrypt_type == "aes" or (encrypt_type is None and "msg_signature" in params)
    if encrypted:
        _require(params, "timestamp", "nonce")
        _keys(keys)  # key errors come before the body is read
        return _encrypted(params, parse_body(body), keys)
    return _plaintext(params, body, keys)


def _url_verify(params: dict[str, str], keys: CallbackKeys) -> DecodeResult:
    if "msg_signature" in params:  # WeCom style: echostr is encrypted and must be decrypted
        _require(params, "timestamp", "nonce", "echostr")
        _keys(keys)
        echostr = params["echostr"]
        crypto.verify(
            (keys.token, params["timestamp"], params["nonce"], echostr), params["msg_signature"]
        )
        echo, used = _decrypt_any(echostr, keys)
        return DecodeResult(
            "url_verify_encrypted",
            None,
            echo,
            echo=echo,
            receiver_appid=keys.appid,
            key_used=used,
            query=params,
        )
    _require(params, "signature", "timestamp", "nonce", "echostr")
    crypto.verify((keys.token, params["timestamp"], params["nonce"]), params["signature"])
    return DecodeResult("url_verify_plain", None, None, echo=params["echostr"], query=params)


def _encrypted(params: dict[str, str], parsed: Body, keys: CallbackKeys) -> DecodeResult:
    if not params.get("msg_signature"):
        raise CallbackError("missing_signature")
    encrypt = parsed.encrypt
    if encrypt is None:
        raise CallbackError("missing_encrypt")
    if not isinstance(encrypt, str):
        raise CallbackError("missing_encrypt", "Encrypt is not a string")
    crypto.verify(
        (keys.token, params["timestamp"], params["nonce"], encrypt), params["msg_signature"]
    )
    message, used = _decrypt_any(encrypt, keys)
    mode = "compatible" if parsed.has_plain_fields else "safe"
    return DecodeResult(
        mode,
        parsed.format,
        message,
        receiver_appid=keys.appid,
        key_used=used,
        query=params,
        event=_event(message),
    )


def _plaintext(params: dict[str, str], body: str, keys: CallbackKeys) -> DecodeResult:
    missing = [n for n in ("signature", "timestamp", "nonce") if not params.get(n)]
    if missing:
        # a body that is only an encrypted envelope, pasted without its query, is an
        # unverifiable encrypted message, not a plaintext one
        try:
            looks_encrypted = parse_body(body).encrypt is not None
        except CallbackError:
            looks_encrypted = False
        if looks_encrypted:
            raise CallbackError("missing_signature")
        raise CallbackError("missing_param", ", ".join(missing))
    parsed = parse_body(body)
    if parsed.encrypt is not None and not parsed.has_plain_fields:
        raise CallbackError("missing_signature")
    crypto.verify((keys.token, params["timestamp"], params["nonce"]), params["signature"])
    return DecodeResult("plaintext", parsed.format, body, query=params, event=_event(body))


def _event(message: str) -> PushEvent | None:
    """The decoded event; a verified message whose content is not an event still decodes."""
    try:
        fmt, fields = parse_message(message)
    except CallbackError:
        return None
    return parse_event(fields, fmt)
