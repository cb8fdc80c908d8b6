"""Named merchant profiles in a TOML file, with secrets from the environment, the OS keyring or
(allowed, with a warning) the file itself.

Precedence for a secret: environment variable XPAYDESK_<FIELD> > keyring (service "xpaydesk",
name "<profile>/<field>") > the file. Any missing or malformed field is one ConfigError that names
the field and the file.
"""

from __future__ import annotations

import base64
import getpass
import ipaddress
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import keyring
import keyring.errors
import platformdirs

from core.environment import AppKeys, Env
from core.errors import ConfigError
from core.secret import Secret
from core.store.dialect import is_postgres_url

APP_NAME = "xpaydesk"
KEYRING_SERVICE = "xpaydesk"
SECRET_FIELDS = (
    "app_key",
    "sandbox_app_key",
    "secret",
    "token",
    "encoding_aes_key",
    "previous_encoding_aes_key",
    "session_key_token",
)
PLAIN_FIELDS = (
    "appid",
    "mch_id",
    "offer_id",
    "env",
    "api_base",
    "coin_rate",
    "operator",
    "db",
    "callback_appid",
    "role",
    "limits",
    "session_key_url",
)
# only in a profile for a simulator on this machine (loopback api_base): the key of its mirror's
# session-key vault, written by `xpaydesk-cli simulator --write-profile` so the README example works
# where there is no OS keyring. A real profile's mirror key lives in the keyring (or
# XPAYDESK_MIRROR_KEY), never in the file: one there is refused.
SIMULATOR_ONLY_FIELDS = ("mirror_key",)
ROLES = ("viewer", "support", "finance", "admin")
LIMIT_FIELDS = (
    "gift",
    "deduct",
    "refund",
    "daily_gift",
    "daily_deduct",
    "daily_refund",
    "bulk_rows",
    "bulk_total",
)
APPID_RE = re.compile(r"wx[0-9A-Za-z]{16}")
PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "profiles.toml"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class SecretValue:
    value: Secret
    source: str  # "env", "keyring", "file" or "given": where it came from, shown to operators


@dataclass(frozen=True)
class Profile:
    name: str
    appid: str
    env: Env
    mch_id: str = ""
    offer_id: str = ""
    api_base: str = "https://api.weixin.qq.com"
    coin_rate: int = 100
    operator: str = ""
    db: Path | str | None = None  # a file, or a postgresql:// URL (a team's shared store)
    callback_appid: str = ""  # the receiver id in pushes; a third-party platform's own appid
    role: str = "support"
    limits: Mapping[str, int] = field(default_factory=dict)  # overrides of the role's defaults
    session_key_url: str = ""  # the merchant backend's endpoint that hands out session keys
    mirror_key: Secret | None = None  # simulator profiles only (SIMULATOR_ONLY_FIELDS)
    secrets: Mapping[str, SecretValue] = field(default_factory=dict)
    source: Path | None = None
    warnings: tuple[str, ...] = ()

    kind = "solo"  # a class attribute, not a field: a team profile says "team"

    def secret(self, name: str) -> Secret | None:
        found = self.secrets.get(name)
        return found.value if found else None

    def require_secret(self, name: str) -> Secret:
        found = self.secret(name)
        if not found:
            where = f"（{self.source}）" if self.source else ""
            raise ConfigError(
                f"配置 {self.name}{where} 缺少 {name}：写入系统钥匙串，或设置环境变量 "
                f"XPAYDESK_{name.upper()}",
                f"profile {self.name} ({self.source}) has no {name}: store it in the OS keyring or "
                f"set XPAYDESK_{name.upper()}",
            )
        return found

    @property
    def app_keys(self) -> AppKeys:
        return AppKeys(production=self.secret("app_key"), sandbox=self.secret("sandbox_app_key"))

    @property
    def simulated(self) -> bool:
        """WeChat is the simulator on this machine (a loopback api_base): play money, the
        chip says 演示 Demo."""
        return _is_loopback(self.api_base)

    @property
    def receiver_appid(self) -> str:
        return self.callback_appid or self.appid

    @property
    def mirror_path(self) -> Path | str:
        """The mirror's file, or the PostgreSQL URL the profile names."""
        return self.db or default_data_dir() / f"{self.name}.sqlite"


# a team profile (issue 19): the team server's address and the operator's login name, no keys
TEAM_FIELDS = ("server", "operator", "ca_file", "verify")
OPERATOR_MAX = 64  # the server's rule for operator names (core.server.store._check_name)
# one rule for operator names everywhere (the server's `operator add`, a team profile, the login):
# letters of any script, digits and . _ - @, 1-64 of them; no spaces or punctuation
OPERATOR_NAME_RE = re.compile(rf"[\w.@-]{{1,{OPERATOR_MAX}}}")
OPERATOR_RULE = (
    f"1–{OPERATOR_MAX} 个字母、数字或 . _ - @，不含空格和其他符号",
    f"1–{OPERATOR_MAX} letters, digits or . _ - @; no spaces or other symbols",
)


def valid_operator_name(name: str) -> bool:
    return bool(OPERATOR_NAME_RE.fullmatch(name))


#: what a list says of a team profile's role, environment or appid before its server has said
UNTIL_LOGIN = ("—（登录后显示）", "— (shown after login)")


@dataclass(frozen=True)
class TeamProfile:
    """A desktop in team mode: the server holds the merchant's keys and decides the role; this
    side knows where the server is and who logs in. role, appid, env, coin_rate and offer_id are
    what the server's /api/v1/me says (with_me); until then they are safe defaults: the least
    role, and production, so nothing looks like play money before the server has spoken."""

    name: str
    server: str
    operator: str
    source: Path | None = None
    ca_file: Path | None = None
    verify: bool = True
    role: str = "viewer"
    appid: str = ""
    env: Env = Env.PRODUCTION
    coin_rate: int = 100
    offer_id: str = ""
    server_profile: str = ""  # the name of the merchant profile the server runs
    simulated: bool = False  # the server's WeChat is a simulator (its /me says so)
    warnings: tuple[str, ...] = ()

    kind = "team"

    @property
    def keyring_name(self) -> str:
        """Where this login's session tokens live in the OS keyring (service "xpaydesk")."""
        return f"team:{self.server}/{self.operator}"

    def with_me(self, me: Mapping[str, Any]) -> TeamProfile:
        """This profile as the server describes it (GET /api/v1/me); what the answer lacks or
        gets wrong keeps the safe default."""
        role = me.get("role")
        merchant = me.get("profile")
        merchant = merchant if isinstance(merchant, Mapping) else {}
        env: Env = self.env
        try:
            if "env" in merchant:
                env = Env.parse(merchant["env"])
        except ConfigError:
            pass
        rate = merchant.get("coin_rate")
        appid, offer, server_profile = (
            merchant.get("appid"),
            merchant.get("offer_id"),
            merchant.get("name"),
        )
        return replace(
            self,
            role=role if isinstance(role, str) and role in ROLES else self.role,
            appid=appid if isinstance(appid, str) else self.appid,
            env=env,
            coin_rate=(
                rate
                if isinstance(rate, int) and not isinstance(rate, bool) and rate > 0
                else self.coin_rate
            ),
            offer_id=offer if isinstance(offer, str) else self.offer_id,
            server_profile=server_profile if isinstance(server_profile, str) else "",
            simulated=merchant.get("simulated") is True,
        )


AnyProfile = Profile | TeamProfile


def _fail(path: Path | None, profile: str, field_name: str, zh: str, en: str) -> ConfigError:
    return ConfigError(
        f"{path}：配置 [{profile}] 的 {field_name} {zh}",
        f"{path}: profile [{profile}] field {field_name} {en}",
    )


def _keyring_get(profile: str, name: str) -> str | None:
    try:
        return keyring.get_password(KEYRING_SERVICE, f"{profile}/{name}")
    except keyring.errors.KeyringError:
        return None  # no usable backend (headless CI): fall through to the file


def store_secret(profile: str, name: str, value: str) -> None:
    if name not in SECRET_FIELDS:
        raise ConfigError(f"未知的密钥字段 {name}", f"unknown secret field {name}")
    try:
        keyring.set_password(KEYRING_SERVICE, f"{profile}/{name}", value)
    except keyring.errors.KeyringError:
        raise ConfigError(
            "系统钥匙串不可用，密钥未保存",
            "the OS keyring is not available; the secret was not stored",
        ) from None


def _is_loopback(api_base: str) -> bool:
    """Only an address this machine answers itself: 127.0.0.0/8, ::1 or exactly "localhost"
    (never a name that merely starts with "127.", such as 127.evil.com)."""
    try:
        host = urlsplit(api_base).hostname or ""
    except ValueError:
        return False
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve_secrets(
    name: str,
    table: Mapping[str, Any],
    path: Path | None,
    environ: Mapping[str, str],
    *,
    loopback: bool,
) -> tuple[dict[str, SecretValue], list[str]]:
    found: dict[str, SecretValue] = {}
    in_file: list[str] = []
    for secret_name in SECRET_FIELDS:
        from_env = environ.get(f"XPAYDESK_{secret_name.upper()}")
        if from_env:
            found[secret_name] = SecretValue(Secret(from_env), "env")
            continue
        from_keyring = _keyring_get(name, secret_name)
        if from_keyring:
            found[secret_name] = SecretValue(Secret(from_keyring), "keyring")
            continue
        if secret_name in table:
            raw = table[secret_name]
            if not isinstance(raw, str):
                raise _fail(path, name, secret_name, "必须是字符串", "must be a string")
            if raw:
                found[secret_name] = SecretValue(Secret(raw), "file")
                in_file.append(secret_name)
    # keys for a simulator on this machine cannot move real money: no nagging about them
    warnings = (
        []
        if not in_file or loopback
        else [
            f"{path}: [{name}] {', '.join(in_file)} 以明文保存在配置文件中，建议移入系统钥匙串 / "
            "stored in plain text in the file; move them to the OS keyring"
        ]
    )
    return found, warnings


def parse_profile(
    name: str,
    table: Mapping[str, Any],
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Profile:
    environ = os.environ if environ is None else environ
    if not PROFILE_NAME_RE.fullmatch(name):
        raise _fail(
            path, name, "name", "只能包含字母、数字、. _ -", "may only contain A-Z 0-9 . _ -"
        )
    unknown = set(table) - set(SECRET_FIELDS) - set(PLAIN_FIELDS) - set(SIMULATOR_ONLY_FIELDS)
    if unknown:
        raise _fail(
            path,
            name,
            ", ".join(sorted(unknown)),
            "不是已知字段（拼写错误？）",
            "is not a known field (typo?)",
        )

    def text(key: str, default: str = "", *, required: bool = False) -> str:
        if key not in table:
            if required:
                raise _fail(path, name, key, "缺失", "is missing")
            return default
        value = table[key]
        if not isinstance(value, str):
            raise _fail(path, name, key, "必须是字符串", "must be a string")
        return value

    appid = text("appid", required=True)
    if not APPID_RE.fullmatch(appid):
        raise _fail(
            path,
            name,
            "appid",
            "格式不正确（应为 wx 加 16 位字母数字）",
            "is malformed (expected wx followed by 16 letters or digits)",
        )
    try:
        env = Env.parse(text("env", required=True))
    except ConfigError:
        raise _fail(
            path, name, "env", "须为 production 或 sandbox", "must be production or sandbox"
        ) from None
    coin_rate = table.get("coin_rate", 100)
    if isinstance(coin_rate, bool) or not isinstance(coin_rate, int) or coin_rate <= 0:
        raise _fail(
            path,
            name,
            "coin_rate",
            "须为正整数（每 1 元对应的代币数）",
            "must be a positive integer (coins per yuan)",
        )
    api_base = text("api_base", "https://api.weixin.qq.com").rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(:\d+)?(/[^\s?#]*)?", api_base):
        raise _fail(path, name, "api_base", "不是合法的 http(s) 地址", "is not an http(s) URL")
    db_text = text("db")
    role = text("role", "support")
    if role not in ROLES:
        raise _fail(
            path,
            name,
            "role",
            f"须为 {' / '.join(ROLES)} 之一",
            f"must be one of {', '.join(ROLES)}",
        )
    limits = table.get("limits", {})
    if not isinstance(limits, dict):
        raise _fail(path, name, "limits", "必须是表", "must be a table")
    for key, value in limits.items():
        if key not in LIMIT_FIELDS:
            raise _fail(path, name, f"limits.{key}", "不是已知的限额", "is not a known limit")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(
                path, name, f"limits.{key}", "须为非负整数", "must be a non-negative integer"
            )
    loopback = _is_loopback(api_base)
    secrets, warnings = _resolve_secrets(name, table, path, environ, loopback=loopback)
    mirror_key = _simulator_mirror_key(name, table, path, loopback=loopback)
    return Profile(
        name=name,
        appid=appid,
        env=env,
        mch_id=text("mch_id"),
        offer_id=text("offer_id"),
        api_base=api_base,
        coin_rate=coin_rate,
        operator=text("operator") or _os_user(),
        db=(
            db_text if is_postgres_url(db_text) else Path(db_text).expanduser() if db_text else None
        ),
        callback_appid=text("callback_appid"),
        role=role,
        limits=dict(limits),
        session_key_url=text("session_key_url"),
        mirror_key=mirror_key,
        secrets=secrets,
        source=path,
        warnings=tuple(warnings),
    )


def _simulator_mirror_key(
    name: str, table: Mapping[str, Any], path: Path | None, *, loopback: bool
) -> Secret | None:
    if "mirror_key" not in table:
        return None
    if not loopback:
        raise _fail(
            path,
            name,
            "mirror_key",
            "只允许出现在本机模拟器的配置中；真实配置的镜像密钥请放在系统钥匙串或 XPAYDESK_MIRROR_KEY",
            "is only accepted in a profile for a simulator on this machine; a real profile's "
            "mirror key belongs in the OS keyring or XPAYDESK_MIRROR_KEY",
        )
    raw = table["mirror_key"]
    try:
        valid = isinstance(raw, str) and len(base64.b64decode(raw, validate=True)) == 32
    except ValueError:
        valid = False
    if not valid:
        raise _fail(
            path, name, "mirror_key", "须为 32 字节的 base64", "must be 32 bytes, base64-encoded"
        )
    return Secret(str(raw))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "operator"


def parse_team_profile(
    name: str, table: Mapping[str, Any], *, path: Path | None = None
) -> TeamProfile:
    """A profile with `server = "https://…"` and `operator = "…"`: a desktop of a team. It holds
    no key of the merchant (the server does), so any key here is refused, not ignored."""
    if not PROFILE_NAME_RE.fullmatch(name):
        raise _fail(
            path, name, "name", "只能包含字母、数字、. _ -", "may only contain A-Z 0-9 . _ -"
        )
    keys = sorted(set(table) & (set(SECRET_FIELDS) | set(SIMULATOR_ONLY_FIELDS)))
    if keys:  # named, never repeated: the value is a secret that should not be in the file
        raise _fail(
            path,
            name,
            ", ".join(keys),
            "不能出现在团队配置中：团队配置不保存商户密钥（密钥只在团队服务器上），请从文件中删除",
            "is refused in a team profile: a team desktop holds no merchant secret (the team "
            "server keeps the keys); remove it from the file",
        )
    unknown = sorted(set(table) - set(TEAM_FIELDS))
    if unknown:
        raise _fail(
            path,
            name,
            ", ".join(unknown),
            "不是团队配置的字段（团队配置只有 server、operator、ca_file、verify；appid、环境、"
            "角色由团队服务器决定）",
            "is not a field of a team profile (it has only server, operator, ca_file and verify; "
            "appid, env and role come from the team server)",
        )

    def text(key: str) -> str:
        if key not in table:
            raise _fail(path, name, key, "缺失", "is missing")
        value = table[key]
        if not isinstance(value, str):
            raise _fail(path, name, key, "必须是字符串", "must be a string")
        return value

    server = check_server_url(text("server"), path=path, profile=name)
    operator = text("operator")
    if not valid_operator_name(operator):
        raise _fail(
            path,
            name,
            "operator",
            f"操作员名称无效（{OPERATOR_RULE[0]}）",
            f"is not a valid operator name ({OPERATOR_RULE[1]})",
        )
    verify = table.get("verify", True)
    if not isinstance(verify, bool):
        raise _fail(path, name, "verify", "须为 true 或 false", "must be true or false")
    ca_file: Path | None = None
    if "ca_file" in table:
        raw = text("ca_file")
        ca_file = Path(raw).expanduser()
        if not ca_file.is_absolute() and path is not None:
            ca_file = path.parent / ca_file  # beside the profiles file
        if not ca_file.is_file():
            raise _fail(
                path,
                name,
                "ca_file",
                f"找不到证书文件 {ca_file}",
                f"certificate file {ca_file} not found",
            )
    warnings = (
        ()
        if verify
        else (
            f"{path}: [{name}] verify = false：不校验团队服务器的证书，登录口令和令牌可能被截获；"
            "请改用 ca_file / verify = false: the team server's certificate is not checked, so "
            "passwords and tokens can be intercepted; use ca_file instead",
        )
    )
    return TeamProfile(
        name=name,
        server=server,
        operator=operator,
        source=path,
        ca_file=ca_file,
        verify=verify,
        warnings=warnings,
    )


def check_server_url(raw: str, *, path: Path | None = None, profile: str = "") -> str:
    """A team server's address without its trailing slash: http(s), a host, an optional port
    and path; no user:password, query or fragment. Plain http only to this machine: the login
    password and the session tokens would otherwise travel in clear."""
    url = raw.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        _port = parts.port  # ValueError for a port that is not a number in range
        good = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and parts.username is None
            and parts.password is None
            and not parts.query
            and not parts.fragment
            and "?" not in url
            and "#" not in url
            and not any(c.isspace() for c in url)
        )
    except ValueError:
        good = False
    if not good:
        raise _fail(
            path,
            profile,
            "server",
            "不是合法的 http(s) 地址（例如 https://xpay.example.com）",
            "is not an http(s) URL (for example https://xpay.example.com)",
        )
    if parts.scheme == "http" and not _is_loopback(url):
        raise _fail(
            path,
            profile,
            "server",
            "须使用 https：http 会以明文传送登录口令和令牌（http 只允许本机地址）",
            "must use https: over http, passwords and tokens would travel in clear (http is "
            "only accepted for this machine, 127.0.0.1 or localhost)",
        )
    return url


@dataclass(frozen=True)
class ProfileFile:
    path: Path
    profiles: dict[str, Profile]  # the solo profiles (with keys)
    default: str | None
    teams: dict[str, TeamProfile] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # every name, in the file's order

    @property
    def names(self) -> tuple[str, ...]:
        return self.order or (*self.profiles, *self.teams)

    def _choose(self, name: str | None) -> str:
        names = self.names
        chosen = name or self.default or (names[0] if len(names) == 1 else None)
        if chosen is None:
            raise ConfigError(
                f"{self.path}：有多个配置，请用 --profile 指定其一（{', '.join(names)}）",
                f"{self.path}: several profiles; choose one with --profile ({', '.join(names)})",
            )
        if chosen not in self.profiles and chosen not in self.teams:
            raise ConfigError(
                f"{self.path}：没有名为 {chosen} 的配置", f"{self.path}: no profile named {chosen}"
            )
        return chosen

    def get(self, name: str | None) -> Profile:
        """A solo profile (with the merchant's keys); a team profile here is a clear error."""
        chosen = self._choose(name)
        if chosen in self.teams:
            raise ConfigError(
                f"{self.path}：配置 {chosen} 是团队配置（连接团队服务器 "
                f"{self.teams[chosen].server}），这里需要带密钥的单机配置",
                f"{self.path}: profile {chosen} is a team profile (it connects to the team "
                f"server {self.teams[chosen].server}); this needs a solo profile with keys",
            )
        return self.profiles[chosen]

    def get_any(self, name: str | None) -> AnyProfile:
        """A solo or a team profile, whichever the file has under that name."""
        chosen = self._choose(name)
        return self.teams[chosen] if chosen in self.teams else self.profiles[chosen]


def load_profiles(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> ProfileFile:
    path = path or default_config_path()
    text = read_config_text(path)
    if text is None:
        raise ConfigError(f"找不到配置文件 {path}", f"configuration file {path} not found")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} 不是合法的 TOML：{exc}", f"{path} is not valid TOML: {exc}"
        ) from None
    return parse_profile_file(raw, path=path, environ=environ)


MAX_CONFIG_BYTES = 1 << 20  # a profiles file is a few KB; /dev/zero or a log file is not one


def read_config_text(path: Path) -> str | None:
    """The text of a profiles file, or None when there is none at that path. Everything else
    that can be wrong with the path (a folder, a device or pipe, no permission, a huge or binary
    file, a NUL in the name) is one ConfigError naming it, in both languages."""

    def fail(zh: str, en: str) -> ConfigError:
        return ConfigError(f"配置文件 {path} {zh}", f"configuration file {path} {en}")

    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except ValueError:  # an embedded NUL byte
        raise fail("的路径不合法", "is not a valid path") from None
    except OSError as exc:
        raise fail(f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise fail(
            "是一个文件夹，不是文件（--config 需要 profiles.toml 文件的路径）",
            "is a folder, not a file (--config takes the path of a profiles.toml file)",
        )
    if not stat.S_ISREG(info.st_mode):
        raise fail("不是普通文件", "is not a regular file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise fail(
            f"过大（{info.st_size:,} 字节），不是配置文件",
            f"is too large ({info.st_size:,} bytes) to be a profiles file",
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise fail(f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise fail("过大，不是配置文件", "is too large to be a profiles file")
    try:
        text = data.decode("utf-8-sig")  # a BOM (Windows Notepad) is not an error
    except UnicodeDecodeError:
        raise fail("不是 UTF-8 文本", "is not UTF-8 text") from None
    if "\x00" in text:
        raise fail("含有 NUL 字节，不是文本文件", "contains NUL bytes: not a text file")
    return text


def parse_profile_file(
    raw: Mapping[str, Any], *, path: Path, environ: Mapping[str, str] | None = None
) -> ProfileFile:
    """Validates a whole file's contents (also what an edit is about to write)."""
    tables = raw.get("profiles")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(
            f"{path} 中没有 [profiles.<名称>] 配置", f"{path} has no [profiles.<name>] table"
        )
    profiles: dict[str, Profile] = {}
    teams: dict[str, TeamProfile] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise _fail(path, name, "(table)", "必须是表", "must be a table")
        if "server" in table:  # a team profile: the server's address instead of keys
            teams[name] = parse_team_profile(name, table, path=path)
        else:
            profiles[name] = parse_profile(name, table, path=path, environ=environ)
    default = raw.get("default_profile")
    if default is not None and default not in profiles and default not in teams:
        raise ConfigError(
            f"{path}：default_profile {default} 不存在",
            f"{path}: default_profile {default} does not exist",
        )
    return ProfileFile(
        path=path, profiles=profiles, default=default, teams=teams, order=tuple(tables)
    )
