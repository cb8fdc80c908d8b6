"""pay_sig and the user-state signature (reference §3), byte for byte.

The rule that matters: serialise the body once, sign those exact bytes, send those exact bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def serialize_body(payload: Mapping[str, Any]) -> bytes:
    """Compact JSON with raw UTF-8: the one serialisation used for signing and sending."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def pay_sig_message(uri: str, body: bytes | str) -> bytes:
    return uri.encode() + b"&" + _as_bytes(body)


def calc_pay_sig(uri: str, body: bytes | str, app_key: str) -> str:
    """Lower-case hex HMAC-SHA256 keyed by the AppKey text over `uri & body`."""
    return hmac.new(app_key.encode(), pay_sig_message(uri, body), hashlib.sha256).hexdigest()


def calc_user_signature(body: bytes | str, session_key: str) -> str:
    """HMAC-SHA256 keyed by the session_key *text* (never base64-decoded) over the body."""
    return hmac.new(session_key.encode(), _as_bytes(body), hashlib.sha256).hexdigest()


def calc_checksession_signature(session_key: str) -> str:
    """/wxa/checksession signs the empty string."""
    return calc_user_signature(b"", session_key)


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def visible_whitespace(text: str) -> str:
    """Shows what operators cannot see: spaces, tabs, CR/LF, BOM and other invisibles."""
    marks = {
        " ": "·",
        "\t": "→\t",
        "\r": "␍",
        "\n": "␊\n",
        "\ufeff": "[BOM]",
        "\u00a0": "[NBSP]",
        "\u200b": "[ZWSP]",
        "\u3000": "[全角空格]",
    }
    return "".join(marks.get(ch, ch) for ch in text)


@dataclass(frozen=True, slots=True)
class SignatureReport:
    """What the signature debugger shows for one request."""

    uri: str
    body: str
    pay_sig_message: str
    pay_sig: str | None
    signature: str | None
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "body": self.body,
            "signed_message": self.pay_sig_message,
            "signed_message_visible": visible_whitespace(self.pay_sig_message),
            "pay_sig": self.pay_sig,
            "signature": self.signature,
            "warnings": list(self.warnings),
        }


def lint_request(uri: str, body: str) -> list[str]:
    """The mistakes of reference §10 that can be seen from the inputs alone (zh / en)."""
    found: list[str] = []
    if not uri.startswith("/"):
        found.append("uri 缺少开头的 / / the uri has no leading '/'")
    if "?" in uri or "://" in uri:
        found.append(
            "uri 只能是路径，不带域名和参数 / the uri must be the path only, no host or query"
        )
    if body != body.rstrip("\r\n"):
        found.append("body 末尾有换行，发送的字节必须与签名一致 / the body ends with a newline")
    if body.startswith("\ufeff"):
        found.append("body 以 BOM 开头 / the body starts with a BOM")
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        found.append("body 不是合法 JSON / the body is not valid JSON")
    else:
        if isinstance(parsed, str):
            found.append("body 被 JSON 编码了两次 / the body is JSON encoded twice")
    return found


def explain(
    uri: str, body: str, *, app_key: str | None, session_key: str | None
) -> SignatureReport:
    message = pay_sig_message(uri, body).decode()
    return SignatureReport(
        uri=uri,
        body=body,
        pay_sig_message=message,
        pay_sig=calc_pay_sig(uri, body, app_key) if app_key is not None else None,
        signature=calc_user_signature(body, session_key) if session_key is not None else None,
        warnings=tuple(lint_request(uri, body)),
    )


def compare_signature(expected: str, given: str) -> str | None:
    """None when equal; otherwise why they differ, in words an operator can act on (zh / en)."""
    given = given.strip()
    if signatures_match(expected, given):
        return None
    if given.lower() == expected:
        return "大小写不同：必须是小写十六进制 / case differs: must be lower-case hex"
    if len(given) != len(expected):
        return (
            f"长度不同（{len(given)} ≠ {len(expected)}），是否贴错了字段？ / "
            f"length differs ({len(given)} vs {len(expected)}): wrong field pasted?"
        )
    first = next(i for i, (a, b) in enumerate(zip(expected, given, strict=True)) if a != b)
    return (
        f"从第 {first + 1} 个字符起不同：签名的内容或密钥不一致 / differs from character "
        f"{first + 1}: the signed bytes or the key differ"
    )
