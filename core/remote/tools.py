"""The developer's tools over the team server (pushes decoded and signatures explained with the
merchant's keys, which stay on the server), and the connection test."""

from __future__ import annotations

import dataclasses
from typing import Any

from core import signing, wire
from core.callbacks import CallbackError, DecodeResult
from core.errors import XPayDeskError
from core.remote.base import RemoteBase


class Tools(RemoteBase):
    def decode_push(
        self,
        query: str,
        body: str,
        *,
        method: str | None = None,
        encrypt_reply: bool = False,
        token: str | None = None,
        aes_key: str | None = None,
        previous_aes_key: str | None = None,
        appid: str | None = None,
    ) -> tuple[DecodeResult | None, CallbackError | None, str]:
        """Verified and decrypted by the server with the merchant's push keys (values pasted
        here win); a rejection comes back as the same CallbackError (kind, detail, both
        messages)."""
        data = self.post(
            "/tools/push-decoding",
            {
                "query": query,
                "body": body,
                "method": method,
                "encrypt_reply": encrypt_reply,
                "token": token,
                "aes_key": aes_key,
                "previous_aes_key": previous_aes_key,
                "appid": appid,
            },
        )
        try:
            result: DecodeResult | None = wire.load(DecodeResult | None, data["result"])
            error = None if data["error"] is None else _callback_error(data["error"])
            return result, error, str(data["reply"])
        except (KeyError, TypeError) as exc:
            raise wire.WireError(f"push decoding: {exc}") from None

    def save_push(
        self,
        query: str,
        body: str,
        *,
        method: str | None = None,
        token: str | None = None,
        aes_key: str | None = None,
        previous_aes_key: str | None = None,
        appid: str | None = None,
    ) -> bool:
        """Saved into the server's store (accepted or not); False when it was already there."""
        data = self.post(
            "/tools/saved-pushes",
            {
                "query": query,
                "body": body,
                "method": method,
                "token": token,
                "aes_key": aes_key,
                "previous_aes_key": previous_aes_key,
                "appid": appid,
            },
        )
        added: bool = wire.load(bool, data.get("added") if isinstance(data, dict) else None)
        return added  # a new one reaches every desktop as a push event

    def explain_signature(
        self, uri: str, body: str, *, app_key: str | None, session_key: str | None
    ) -> signing.SignatureReport:
        """What the operator's own keys sign is computed here; with no app_key the server
        adds pay_sig with the merchant's AppKey. No key crosses the wire either way."""
        if app_key is not None:
            return signing.explain(uri, body, app_key=app_key, session_key=session_key)
        return self._signature(uri, body, session_key=session_key, require=False)

    def sign(
        self, uri: str, body: str, *, session_key: str | None = None
    ) -> signing.SignatureReport:
        """pay_sig with the merchant's AppKey for its environment, made on the server (its
        clear error when it has none); the signature with `session_key` made here."""
        return self._signature(uri, body, session_key=session_key, require=True)

    def _signature(
        self, uri: str, body: str, *, session_key: str | None, require: bool
    ) -> signing.SignatureReport:
        data = self.post("/tools/signature", {"uri": uri, "body": body, "require_key": require})
        report: signing.SignatureReport = wire.load(signing.SignatureReport, data)
        if session_key is not None:
            mine = signing.explain(uri, body, app_key=None, session_key=session_key)
            report = dataclasses.replace(report, signature=mine.signature)
        return report

    async def test_connection(self, openid: str | None = None) -> list[str]:
        """The server's connection to WeChat (token, pay_sig, and a checksession of the user's
        stored key when an openid is given)."""
        steps: list[str] = wire.load(
            list[str], await self.apost("/tools/connection-test", {"openid": openid})
        )
        return steps


def _callback_error(error: dict[str, Any]) -> CallbackError:
    """The same error the solo desk returns: rebuilt from kind and detail, so both messages are
    the catalogue's; a kind this desktop does not know keeps the server's words."""
    kind, detail = str(error["kind"]), str(error.get("detail") or "")
    try:
        return CallbackError(kind, detail)
    except KeyError:
        unknown = CallbackError.__new__(CallbackError)
        XPayDeskError.__init__(unknown, str(error.get("zh_CN", kind)), str(error.get("en", kind)))
        unknown.kind, unknown.detail = kind, detail
        return unknown
