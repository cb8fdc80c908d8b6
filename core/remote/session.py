"""Team mode's sessions: logging in to the team server (name, password, a TOTP code), keeping the
session tokens in the OS keyring, refreshing them quietly before the access token expires, and
saying "log in again" (LoginRequired) when the refresh token is gone.

The keyring entry is service "xpaydesk", name "team:<server>/<operator>", a JSON object with both
tokens and their expiry times (seconds since the epoch). Tokens never reach a file, a log, a repr
or an exception: they are `Secret`s until the moment they go into a header or the keyring.

A refresh token is spent once (the server rotates both tokens), so two processes of one operator
(the dashboard and `xpaydesk-cli`) share the keyring entry: before spending the refresh token a
keeper re-reads the entry, and uses what another process stored if that is newer.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import keyring
import keyring.errors

from core.errors import ConfigError, ValidationError, XPayDeskError
from core.profiles import KEYRING_SERVICE, TeamProfile
from core.remote.errors import LoginRequired, RemoteError, ServerUnreachable
from core.secret import Secret

API = "/api/v1"
REFRESH_MARGIN = 60.0  # refresh when the access token has less than this many seconds left
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
TOTP_RE = re.compile(r"\d{6}")

Verify = bool | ssl.SSLContext
Clock = Callable[[], float]


# ---- errors -----------------------------------------------------------------------------------


class LoginFailed(RemoteError):
    """The server refused the name, the password or the code (401 on a login)."""

    exit_code = 2


class LoginThrottled(RemoteError):
    """Too many failed logins for this name or address (429)."""

    exit_code = 2


def login_required(profile: TeamProfile) -> LoginRequired:
    return LoginRequired(
        f"需要重新登录团队服务器 {profile.server}（操作员 {profile.operator}）",
        f"log in again to the team server {profile.server} (operator {profile.operator})",
    )


def unreachable(server: str, exc: BaseException) -> ServerUnreachable:
    return ServerUnreachable(server, _transport_reason(exc))


def _transport_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        return "超时 timed out"
    if "certificate" in text or "ssl" in text or "tls" in text:
        return "证书校验失败 TLS certificate not accepted"
    if isinstance(exc, httpx.ConnectError):
        return "连接被拒绝或地址无法解析 connection refused or no such host"
    return "连接中断 connection broken"


# ---- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Tokens:
    access_token: Secret
    refresh_token: Secret
    access_expires_at: float  # seconds since the epoch
    refresh_expires_at: float | None = None  # when the server says; else unknown

    def __repr__(self) -> str:
        return f"Tokens(access_expires_at={self.access_expires_at:.0f})"

    def fresh(self, now: float, margin: float = REFRESH_MARGIN) -> bool:
        return self.access_expires_at - now > margin

    def header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token.reveal()}"}

    @classmethod
    def from_answer(cls, data: Any, now: float, *, server: str) -> Tokens:
        """The server's answer to a login or a refresh: {access_token, refresh_token,
        expires_in[, refresh_expires_in]}."""
        try:
            access, refresh = data["access_token"], data["refresh_token"]
            expires_in = data["expires_in"]
            ok = (
                isinstance(access, str)
                and isinstance(refresh, str)
                and access
                and refresh
                and isinstance(expires_in, int | float)
                and not isinstance(expires_in, bool)
                and math.isfinite(expires_in)
                and expires_in > 0
            )
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise _odd_answer(server)
        refresh_in = data.get("refresh_expires_in")
        return cls(
            Secret(access),
            Secret(refresh),
            now + float(expires_in),
            now + float(refresh_in) if isinstance(refresh_in, int | float) else None,
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token.reveal(),
                "refresh_token": self.refresh_token.reveal(),
                "access_expires_at": self.access_expires_at,
                "refresh_expires_at": self.refresh_expires_at,
            }
        )

    @classmethod
    def loads(cls, text: str) -> Tokens | None:
        """What the keyring holds, or None when it is not a session of ours."""
        try:
            data = json.loads(text)
            access, refresh = data["access_token"], data["refresh_token"]
            expires = float(data["access_expires_at"])
            refresh_at = data.get("refresh_expires_at")
            if not (isinstance(access, str) and isinstance(refresh, str) and access and refresh):
                return None
            return cls(
                Secret(access),
                Secret(refresh),
                expires,
                float(refresh_at) if refresh_at is not None else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


# ---- HTTP -------------------------------------------------------------------------------------


def verify_for(profile: TeamProfile) -> Verify:
    """The TLS check a profile asks for: its own CA file, the system's CAs, or (verify = false,
    warned about when the profile loads) none. A context is built once per process and CA file
    (building one reads the whole CA bundle: 65 ms, more than a request on a LAN), and shared by
    every client: pass it to httpx as `verify`."""
    if profile.ca_file is not None:
        try:
            return _context(str(profile.ca_file))
        except (ssl.SSLError, OSError, ValueError):
            raise ConfigError(
                f"配置 {profile.name} 的 ca_file {profile.ca_file} 不是可用的 PEM 证书",
                f"profile {profile.name}: ca_file {profile.ca_file} is not a usable PEM "
                "certificate",
            ) from None
    return _context("") if profile.verify else False


@functools.lru_cache(maxsize=8)
def _context(ca_file: str) -> ssl.SSLContext:
    """httpx's own default (certifi's CAs), or one CA file's certificates."""
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    return httpx.create_ssl_context()


def _shared(verify: Verify) -> Verify:
    return _context("") if verify is True else verify


def _client(server: str, transport: httpx.BaseTransport | None, verify: Verify) -> httpx.Client:
    return httpx.Client(
        base_url=server, transport=transport, verify=_shared(verify), timeout=TIMEOUT
    )


def _odd_answer(server: str) -> RemoteError:
    return RemoteError(
        "server_error",
        f"团队服务器 {server} 的回答无法识别（不是 XPay Desk 团队服务器？）",
        f"the answer of {server} was not understood (is it an XPay Desk team server?)",
        status=0,
    )


def _error(server: str, response: httpx.Response) -> XPayDeskError:
    """A refusal in the server's words ({"error": {"kind", "zh_CN", "en"}}), as the right type."""
    kind, zh, en = "", "", ""
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            kind = str(error.get("kind", ""))
            zh, en = str(error.get("zh_CN", "")), str(error.get("en", ""))
    except ValueError:
        pass
    status = response.status_code
    if status == 429:
        return LoginThrottled(
            "throttled",
            zh or "登录失败次数过多，请稍后再试",
            en or "too many failed logins: try again later",
            status=status,
        )
    if status == 401 and kind in ("login_failed", "totp_used"):  # totp_used: right password
        return LoginFailed(
            kind,
            zh or "用户名、密码或动态码错误",
            en or "wrong name, password or one-time code",
            status=status,
        )
    if status == 401:
        return LoginRequired(
            f"{zh}（需要重新登录）" if zh else "需要重新登录团队服务器",
            f"{en} (log in again)" if en else "log in to the team server again",
        )
    if not (zh and en):
        zh = f"团队服务器 {server} 返回 HTTP {status}"
        en = f"the team server {server} answered HTTP {status}"
    return RemoteError(kind or "server_error", zh, en, status=status)


def _check_login_input(operator: str, password: str, totp: str) -> str:
    code = totp.replace(" ", "")
    if not operator.strip():
        raise ValidationError("name", "请输入操作员名称", "enter the operator's name")
    if not password:
        raise ValidationError("password", "请输入密码", "enter the password")
    if not TOTP_RE.fullmatch(code):
        raise ValidationError("totp", "动态码须为 6 位数字", "the one-time code must be 6 digits")
    return code


def _login_answer(server: str, response: httpx.Response, now: float) -> Tokens:
    if response.status_code != 200:
        raise _error(server, response)
    try:
        data = response.json()
    except ValueError:
        raise _odd_answer(server) from None
    return Tokens.from_answer(data, now, server=server)


def login(
    server: str,
    operator: str,
    password: str,
    totp: str,
    *,
    transport: httpx.BaseTransport | None = None,
    verify: Verify = True,
    clock: Clock = time.time,
) -> Tokens:
    """POST /api/v1/login {name, password, totp} -> Tokens. Raises LoginFailed (401),
    LoginThrottled (429), ServerUnreachable, ValidationError (checked before sending)."""
    code = _check_login_input(operator, password, totp)
    now = clock()
    try:
        with _client(server, transport, verify) as http:
            response = http.post(
                f"{API}/login", json={"name": operator, "password": password, "totp": code}
            )
    except httpx.RequestError as exc:
        raise unreachable(server, exc) from None
    return _login_answer(server, response, now)


async def alogin(
    server: str,
    operator: str,
    password: str,
    totp: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    verify: Verify = True,
    clock: Clock = time.time,
) -> Tokens:
    """`login` for an event loop (the login dialog): the server's password check takes a while,
    and the window keeps painting meanwhile."""
    code = _check_login_input(operator, password, totp)
    now = clock()
    try:
        async with httpx.AsyncClient(
            base_url=server, transport=transport, verify=_shared(verify), timeout=TIMEOUT
        ) as http:
            response = await http.post(
                f"{API}/login", json={"name": operator, "password": password, "totp": code}
            )
    except httpx.RequestError as exc:
        raise unreachable(server, exc) from None
    return _login_answer(server, response, now)


# ---- the keyring -------------------------------------------------------------------------------

NO_KEYRING = (
    "系统钥匙串不可用，无法保存登录（动态码尚未使用）。请启动或解锁系统钥匙串（Linux：GNOME "
    "Keyring、KWallet 等 Secret Service；macOS：钥匙串；Windows：凭据管理器），或用环境变量 "
    "PYTHON_KEYRING_BACKEND 指定一个可用的 keyring 后端，然后再登录",
    "the OS keyring is not available, so the session cannot be kept (the one-time code was not "
    "used). Start or unlock the OS keyring (Linux: a Secret Service such as GNOME Keyring or "
    "KWallet; macOS: Keychain; Windows: Credential Manager), or name a keyring backend that "
    "works here in PYTHON_KEYRING_BACKEND, then log in again",
)


def keyring_usable(profile: TeamProfile) -> bool:
    """Can this process keep a session? Asked BEFORE a login spends its one-time code: a read of
    this profile's entry (no backend, a locked or absent Secret Service: a KeyringError)."""
    try:
        keyring.get_password(KEYRING_SERVICE, profile.keyring_name)
    except keyring.errors.KeyringError:
        return False
    except Exception:  # a backend broken in its own way (D-Bus gone, ...): not usable either
        return False
    return True


# ---- the keeper -------------------------------------------------------------------------------

LogoutOutcome = Literal["ended", "already_ended", "not_told", "no_session"]


class TokenKeeper:
    """One operator's session with one team server: `headers()` for each request (a quiet
    refresh when the access token is about to expire), `refresh()` after a 401, `logout()`.
    What RemoteBase needs is `headers()` and `refresh()`."""

    def __init__(
        self,
        profile: TeamProfile,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.profile = profile
        self._transport = transport
        self._clock = clock
        self._tokens: Tokens | None = None
        self._loaded = False
        self._lock = threading.RLock()  # one refresh at a time (a refresh token is spent once)
        self.persisted = True  # False once the OS keyring refused: the session is this process's
        self.ended = False  # the server refused to renew the session (or there is none)
        self._on_end: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"TokenKeeper({self.profile.operator}@{self.profile.server})"

    def on_end(self, listener: Callable[[], None]) -> None:
        """`listener()` when the session turns out to be over: the server refused to renew it
        (an admin disabled the operator or ended their sessions, or they logged out) or a
        request found none. Called on whichever thread noticed (the event stream's, too)."""
        with self._lock:
            self._on_end.append(listener)

    def _ended(self) -> None:
        with self._lock:
            self.ended = True
            listeners = list(self._on_end)
        for listener in listeners:
            try:
                listener()
            except Exception:  # a listener's fault is not the session's: the others still run
                continue

    @property
    def keyring_name(self) -> str:
        return self.profile.keyring_name

    # -- the keyring --

    def _read(self) -> Tokens | None:
        try:
            text = keyring.get_password(KEYRING_SERVICE, self.keyring_name)
        except keyring.errors.KeyringError:
            return None  # no usable backend: only what this process holds
        return Tokens.loads(text) if text else None

    def _write(self, tokens: Tokens) -> bool:
        try:
            keyring.set_password(KEYRING_SERVICE, self.keyring_name, tokens.dumps())
        except keyring.errors.KeyringError:
            self.persisted = False
            return False
        self.persisted = True
        return True

    def _delete(self) -> None:
        # PasswordDeleteError (a KeyringError) too: nothing was stored
        with contextlib.suppress(keyring.errors.KeyringError):
            keyring.delete_password(KEYRING_SERVICE, self.keyring_name)

    def current(self) -> Tokens | None:
        """The stored session (read from the keyring once, then kept in memory)."""
        with self._lock:
            if not self._loaded:
                self._tokens = self._read() or self._tokens
                self._loaded = True
            return self._tokens

    def save(self, tokens: Tokens) -> bool:
        """Keeps the session; True when the OS keyring has it (False: this process only)."""
        with self._lock:
            self._tokens, self._loaded = tokens, True
            self.ended = False
            return self._write(tokens)

    def forget(self) -> None:
        with self._lock:
            self._tokens, self._loaded = None, True
            self._delete()

    def has_session(self) -> bool:
        """A stored session whose refresh token may still be good (nothing asked of the server)."""
        tokens = self.current()
        if tokens is None:
            return False
        return tokens.refresh_expires_at is None or tokens.refresh_expires_at > self._clock()

    # -- logging in and out --

    def login(self, password: str, totp: str) -> Tokens:
        tokens = login(
            self.profile.server,
            self.profile.operator,
            password,
            totp,
            transport=self._transport,
            verify=verify_for(self.profile),
            clock=self._clock,
        )
        self.save(tokens)
        return tokens

    async def alogin(
        self, password: str, totp: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> Tokens:
        tokens = await alogin(
            self.profile.server,
            self.profile.operator,
            password,
            totp,
            transport=transport,
            verify=verify_for(self.profile),
            clock=self._clock,
        )
        self.save(tokens)
        return tokens

    def logout(self) -> LogoutOutcome:
        """Ends the session on the server (POST /api/v1/logout), then forgets it here whatever
        the server said: "ended", "already_ended" (it had expired or was ended elsewhere),
        "not_told" (the server could not be reached: the tokens expire on their own),
        "no_session" (nothing was stored)."""
        if self.current() is None:
            self.forget()  # also a half-written entry
            return "no_session"
        try:
            headers = self.headers()
            with self._http() as http:
                response = http.post(f"{API}/logout", headers=headers)
            outcome: LogoutOutcome = "ended" if response.status_code == 200 else "already_ended"
        except LoginRequired:
            outcome = "already_ended"
        except (ServerUnreachable, httpx.RequestError):
            outcome = "not_told"
        finally:
            self.forget()
        return outcome

    # -- requests --

    def _http(self) -> httpx.Client:
        return _client(self.profile.server, self._transport, verify_for(self.profile))

    def headers(self) -> dict[str, str]:
        """The Authorization header of a live session; refreshes first when the access token has
        less than a minute left. LoginRequired when there is no session or it cannot be renewed;
        ServerUnreachable when it needs renewing and the server does not answer."""
        with self._lock:
            tokens = self.current()
            if tokens is None:
                self._ended()
                raise login_required(self.profile)
            now = self._clock()
            if tokens.fresh(now):
                return tokens.header()
            try:
                renewed = self.refresh()
            except ServerUnreachable:
                if tokens.access_expires_at > now:  # still good for a few seconds
                    return tokens.header()
                raise
            current = self._tokens
            if not renewed or current is None:
                raise login_required(self.profile)
            return current.header()

    def refresh(self) -> bool:
        """POST /api/v1/refresh with the refresh token: True with new tokens stored, False when
        the server refused it (the session is over: forgotten here too). ServerUnreachable when
        there is no answer (the session may still be good: kept)."""
        with self._lock:
            held = self._tokens
            stored = self._read()
            now = self._clock()
            if stored is not None and held is not None and stored != held and stored.fresh(now):
                self._tokens, self._loaded = stored, True  # another process renewed it
                return True
            tokens = stored or held
            if tokens is None:
                return False
            try:
                with self._http() as http:
                    response = http.post(
                        f"{API}/refresh", json={"refresh_token": tokens.refresh_token.reveal()}
                    )
            except httpx.RequestError as exc:
                raise unreachable(self.profile.server, exc) from None
            if response.status_code == 401:
                self._forget_if_still(tokens)
                if self._tokens is None:  # not renewed by another process meanwhile
                    self._ended()
                return False
            if response.status_code != 200:
                raise _error(self.profile.server, response)
            try:
                data = response.json()
            except ValueError:
                raise _odd_answer(self.profile.server) from None
            self.save(Tokens.from_answer(data, now, server=self.profile.server))
            return True

    def _forget_if_still(self, spent: Tokens) -> None:
        """A refused refresh token is forgotten, unless another process stored a newer one."""
        stored = self._read()
        if stored is None or stored.refresh_token == spent.refresh_token:
            self.forget()
        else:
            self._tokens, self._loaded = stored, True

    def get(self, path: str) -> Any:
        """GET an /api/v1 path as this operator (one refresh on a 401); the JSON answer."""
        for attempt in (1, 2):
            headers = self.headers()
            try:
                with self._http() as http:
                    response = http.get(f"{API}{path}", headers=headers)
            except httpx.RequestError as exc:
                raise unreachable(self.profile.server, exc) from None
            if response.status_code == 401 and attempt == 1 and self.refresh():
                continue
            if response.status_code != 200:
                raise _error(self.profile.server, response)
            try:
                return response.json()
            except ValueError:
                raise _odd_answer(self.profile.server) from None
        raise login_required(self.profile)  # pragma: no cover - the loop returns or raises

    def whoami(self) -> TeamProfile:
        """The profile as the server describes this operator (GET /api/v1/me)."""
        me = self.get("/me")
        if not isinstance(me, Mapping) or me.get("name") != self.profile.operator:
            raise _odd_answer(self.profile.server)
        return self.profile.with_me(me)
