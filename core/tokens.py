"""Access tokens through /cgi-bin/stable_token (never /cgi-bin/token, which would invalidate the
production backend's token): cached until shortly before expiry, one refresh in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from core.errors import NetworkError, XPayError
from core.models import AccessTokenAnswer, ResponseFormatError
from core.secret import Secret
from core.signing import serialize_body

STABLE_TOKEN_PATH = "/cgi-bin/stable_token"


class TokenSource(Protocol):
    async def get(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


class StaticToken:
    """A token handed over by the merchant's backend (its central token service)."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    async def get(self) -> str:
        return self._token.reveal()

    def invalidate(self, token: str) -> None:
        pass

    def __repr__(self) -> str:
        return "StaticToken(***)"


class StableTokenCache:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        appid: str,
        secret: Secret,
        api_base: str = "https://api.weixin.qq.com",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._appid = appid
        self._secret = secret
        self._url = api_base.rstrip("/") + STABLE_TOKEN_PATH
        self._clock = clock
        self._token: Secret | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times WeChat was asked; tests and the status bar read it

    def __repr__(self) -> str:
        return f"StableTokenCache(appid={self._appid!r}, cached={self._token is not None})"

    async def get(self) -> str:
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token.reveal()
        async with self._lock:  # concurrent callers share one refresh
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token.reveal()
            answer = await self._fetch()
            self._token = Secret(answer.access_token)
            # stable_token renews itself when < ~5 min remain, so expires_in may be as low as 300
            margin = min(300, max(answer.expires_in // 10, 1))
            self._refresh_at = self._clock() + max(answer.expires_in - margin, 1)
            return self._token.reveal()

    def invalidate(self, token: str) -> None:
        # only the caller that saw the bad token drops it; a newer token stays
        if self._token is not None and self._token.reveal() == token:
            self._token = None

    async def _fetch(self) -> AccessTokenAnswer:
        body = serialize_body(
            {
                "grant_type": "client_credential",
                "appid": self._appid,
                "secret": self._secret.reveal(),
                "force_refresh": False,
            }
        )
        try:
            response = await self._http.post(
                self._url, content=body, headers={"Content-Type": "application/json"}
            )
            data = response.json()
        except httpx.TransportError as exc:
            raise NetworkError("stable_token", type(exc).__name__) from None
        except ValueError:
            raise ResponseFormatError("stable_token", "not JSON") from None
        self.fetches += 1
        errcode = int(data.get("errcode") or 0)
        if errcode:
            raise XPayError("stable_token", errcode, str(data.get("errmsg", "")))
        answer = AccessTokenAnswer.from_response("stable_token", data)
        if not answer.access_token or answer.expires_in <= 0:
            raise ResponseFormatError("stable_token", "no access_token or expires_in")
        return answer
