"""Where a user's session_key comes from: pasted for one action, the mirror's encrypted store, or
the merchant backend's endpoint (profile `session_key_url`, bearer token in the keyring). The
source is recorded in the audit row; the key itself never is."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from core.errors import NetworkError
from core.mirror.importing.common import RowError, to_unix
from core.mirror.vault import SessionKeyVault
from core.secret import Secret

__all__ = ["SessionKey", "SessionKeyProvider"]


@dataclass(frozen=True)
class SessionKey:
    value: Secret
    source: str  # pasted | mirror | backend
    obtained_at: int


class SessionKeyProvider:
    def __init__(
        self,
        vault: SessionKeyVault | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        url: str = "",
        token: Secret | None = None,
    ) -> None:
        self.vault = vault
        self._http = http
        self._url = url
        self._token = token

    def __repr__(self) -> str:
        return f"SessionKeyProvider(url={self._url!r})"

    async def get(
        self, openid: str, *, pasted: Secret | None = None, prefer_backend: bool = False
    ) -> SessionKey | None:
        if pasted:
            return SessionKey(pasted, "pasted", 0)
        if not prefer_backend:
            stored = self._from_vault(openid)
            if stored is not None:
                return stored
        fetched = await self._from_backend(openid)
        return fetched or self._from_vault(openid)

    def _from_vault(self, openid: str) -> SessionKey | None:
        if self.vault is None:
            return None
        value = self.vault.load(openid)
        if value is None:
            return None
        obtained = int(self.vault.state(openid)["obtained_at"] or 0)  # type: ignore[call-overload]
        return SessionKey(value, "mirror", obtained)

    async def _from_backend(self, openid: str) -> SessionKey | None:
        if not self._url or self._http is None:
            return None
        headers = {"Authorization": f"Bearer {self._token.reveal()}"} if self._token else {}
        try:
            response = await self._http.get(self._url, params={"openid": openid}, headers=headers)
        except httpx.HTTPError as exc:
            raise NetworkError("session_key_url", type(exc).__name__) from None
        if response.status_code == 404:
            return None
        try:
            data = response.json()
            value = str(data["session_key"])
            obtained = to_unix(data.get("obtained_at"), field_name="obtained_at")
        except (ValueError, KeyError, TypeError, RowError):
            raise NetworkError(
                "session_key_url", f"HTTP {response.status_code}, unexpected answer"
            ) from None
        if self.vault is not None:
            self.vault.store(openid, value, obtained_at=obtained, source="backend")
        return SessionKey(Secret(value), "backend", obtained)
