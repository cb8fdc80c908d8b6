"""The remote desk's plumbing: one sync and one async HTTP client to the team server, the
operator's bearer token (refreshed once on a 401), the server's refusals as exceptions with both
messages, and the connection state (a lost server is said once, and reads fall back to the last
answer they had, marked stale, while money actions are refused)."""

from __future__ import annotations

import ssl
import time
from collections import OrderedDict
from typing import Any, Protocol

import httpx

from core.broadcast import Broadcast
from core.remote.errors import LoginRequired, RemoteError, RemoteForbidden, ServerUnreachable

API = "/api/v1"
KEPT_ANSWERS = 256  # reads remembered for when the server is away
TIMEOUT = httpx.Timeout(10.0, connect=1.5)


class Auth(Protocol):
    def headers(self) -> dict[str, str]:
        """The Authorization header of a live session (may refresh it first)."""
        ...

    def refresh(self) -> bool:
        """Renews the session after a 401; False when only a new login will do."""
        ...


class StaticAuth:
    """A session token given as it is (tests, and a desk that was just logged in)."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    def __repr__(self) -> str:
        return "StaticAuth(…)"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def refresh(self) -> bool:
        return False


class RemoteBase(Broadcast):
    def __init__(
        self,
        server: str,
        *,
        auth: Auth,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        verify: bool | ssl.SSLContext = True,
    ) -> None:
        self.server = server.rstrip("/")
        self.auth = auth
        self.verify = verify  # the event stream's own client checks the server the same way
        base = self.server + API
        self._http = httpx.Client(
            base_url=base, timeout=TIMEOUT, transport=transport, verify=verify
        )
        self._ahttp = httpx.AsyncClient(
            base_url=base, timeout=TIMEOUT, transport=async_transport, verify=verify
        )
        self._init_broadcast()
        # the last answer of each read, for a server that goes away: the most recent reads only
        # (an operator who looked up thousands of users must not hold them all)
        self._answers: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.online = True
        self.offline_since: float | None = None
        # the last time the server answered anything (a read, a write, a refusal, an event): the
        # data on screen is never newer than this while the server is away
        self.last_contact: float | None = None
        self.stale_since: float | None = None  # set while a read shows an old answer

    def __repr__(self) -> str:
        return f"{type(self).__name__}(server={self.server!r})"

    async def close(self) -> None:
        self._http.close()
        await self._ahttp.aclose()

    # ---- the connection -----------------------------------------------------------------------

    def _connected(self, online: bool) -> None:
        if online:
            self.last_contact = time.time()
        if online == self.online:
            return
        self.online = online
        self.offline_since = None if online else time.time()
        if online:
            self.stale_since = None
        self.changed({"connection"})

    def _unreachable(self, exc: httpx.TransportError) -> ServerUnreachable:
        self._connected(False)
        return ServerUnreachable(self.server, type(exc).__name__)

    def require_online(self) -> None:
        """Money actions are refused while the server is away: nothing is queued silently."""
        if not self.online:
            raise ServerUnreachable(self.server, "offline")

    # ---- requests ----------------------------------------------------------------------------

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: Any,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> httpx.Request:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return client.build_request(
            method,
            path,
            params=query or None,
            json=json,
            content=content,
            headers={**self.auth.headers(), **(headers or {})},
        )

    def _answer(self, response: httpx.Response) -> httpx.Response:
        self._connected(True)
        if response.status_code < 400:
            return response
        errcode = None
        try:
            error = response.json()["error"]
            kind, zh, en = str(error["kind"]), str(error["zh_CN"]), str(error["en"])
            errcode = error.get("errcode") if isinstance(error.get("errcode"), int) else None
        except (ValueError, KeyError, TypeError, AttributeError):
            kind = "http"
            zh = f"团队服务器回答 HTTP {response.status_code}"
            en = f"the team server answered HTTP {response.status_code}"
        if response.status_code == 401:
            raise LoginRequired(zh, en)
        cls = RemoteForbidden if response.status_code == 403 else RemoteError
        raise cls(kind, zh, en, status=response.status_code, errcode=errcode)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A sync call (the desk's quick reads and writes): a 401 refreshes the session once."""
        try:
            args = (method, path, params, json, content, headers)
            response = self._http.send(self._build(self._http, *args))
            if response.status_code == 401 and self.auth.refresh():
                response = self._http.send(self._build(self._http, *args))
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        return self._answer(response)

    async def arequest(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            args = (method, path, params, json, content, headers)
            response = await self._ahttp.send(self._build(self._ahttp, *args))
            if response.status_code == 401 and self.auth.refresh():
                response = await self._ahttp.send(self._build(self._ahttp, *args))
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        return self._answer(response)

    def get(self, path: str, **params: Any) -> Any:
        """A read: its JSON answer, or while the server is away the last answer it had (the
        desk is then `stale_since` that time); with none, ServerUnreachable."""
        key = _answer_key(path, params)
        try:
            data = self.request("GET", path, params=params).json()
        except ServerUnreachable as lost:
            return self._last_answer(key, lost)
        return self._remember(key, data)

    async def aget(self, path: str, **params: Any) -> Any:
        key = _answer_key(path, params)
        try:
            data = (await self.arequest("GET", path, params=params)).json()
        except ServerUnreachable as lost:
            return self._last_answer(key, lost)
        return self._remember(key, data)

    def _remember(self, key: str, data: Any) -> Any:
        self._answers[key] = (time.time(), data)
        self._answers.move_to_end(key)
        while len(self._answers) > KEPT_ANSWERS:
            self._answers.popitem(last=False)
        return data

    def _last_answer(self, key: str, lost: ServerUnreachable | None = None) -> Any:
        """With none, what was lost is said as it was (ConnectError, ...)."""
        if key not in self._answers:
            raise lost or ServerUnreachable(self.server, "offline")
        at, data = self._answers[key]
        self.stale_since = min(self.stale_since or at, at)
        return data

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body).json()

    async def apost(self, path: str, body: Any = None) -> Any:
        return (await self.arequest("POST", path, json=body)).json()


def _answer_key(path: str, params: dict[str, Any]) -> str:
    return path + "?" + repr(sorted(params.items()))
