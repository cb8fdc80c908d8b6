"""server.toml: where the merchant's profile is, how the server listens, and which amounts wait for
a second operator. The merchant's secrets stay in the profile (environment, keyring or a 0600
file), never in server.toml."""

from __future__ import annotations

import dataclasses
import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.operations.policy import Limits, Policy

APPROVAL_ACTIONS = ("gift", "deduct", "refund")


@dataclass(frozen=True)
class ServerConfig:
    path: Path
    profiles: Path
    profile: str
    host: str = "127.0.0.1"
    port: int = 8750
    behind_tls_proxy: bool = False
    tls_certfile: str = ""
    tls_keyfile: str = ""
    access_seconds: int = 900  # a session token lives 15 minutes; a refresh renews it
    refresh_seconds: int = 12 * 3600
    approval_seconds: int = 3600  # a request waiting for a second operator expires after an hour
    login_failures: int = 5  # failures allowed per operator in the window
    login_failures_per_address: int = 20  # and per client address (an office shares one)
    login_window_seconds: int = 900
    # amounts above which an action waits for a second operator (coins for gift and deduct,
    # fen for refund); an action missing here never waits
    approval_above: dict[str, int] = field(default_factory=dict)
    # each verified push forwarded verbatim to the merchant's backend, its answer back to WeChat
    relay_url: str = ""
    # per-role overrides of the operations policy's limits ([limits.support] gift = 500, ...)
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    # the largest file a desktop may upload for an import ([server] upload_limit_mb)
    upload_limit: int = 512 * 1024 * 1024

    def policy(self, role: str, *, own: Mapping[str, int] | None = None) -> Policy:
        """The operations policy of a role, with this server's overrides of its limits
        ([limits.<role>] replaces the role's defaults), and, given an operator's `own` limits
        (core.server.store.policy_for reads them from the store), each limit the stricter of
        the role's and the operator's: an operator's own limit can lower, never raise."""
        base = Policy.for_profile(role, self.limits.get(role, {}))
        if not own:
            return base
        stricter = {k: min(v, getattr(base.limits, k)) for k, v in own.items()}
        return Policy(role, dataclasses.replace(base.limits, **stricter))

    @property
    def tls(self) -> bool:
        return bool(self.tls_certfile and self.tls_keyfile)


def _int(table: dict[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(
            f"{where}：{key} 必须是非负整数（当前为 {value!r}）",
            f"{where}: {key} must be a non-negative integer (got {value!r})",
        )
    return value


def load_config(path: Path) -> ServerConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到服务器配置 {path}", f"no server config at {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"服务器配置 {path} 不是有效的 TOML：{exc}", f"{path} is not valid TOML: {exc}"
        ) from None
    where = str(path)
    server = data.get("server", {})
    merchant = data.get("merchant", {})
    approval = data.get("approval", {})
    if (
        not isinstance(server, dict)
        or not isinstance(merchant, dict)
        or not isinstance(approval, dict)
    ):
        raise ConfigError(
            f"{where}：[server]、[merchant]、[approval] 必须是表",
            f"{where}: [server], [merchant] and [approval] must be tables",
        )
    profiles = merchant.get("profiles")
    profile = merchant.get("profile")
    if not isinstance(profiles, str) or not isinstance(profile, str) or not profile:
        raise ConfigError(
            f"{where}：[merchant] 需要 profiles（profiles.toml 的路径）和 profile（配置名）",
            f"{where}: [merchant] needs profiles (the path of a profiles.toml) and profile (its name)",
        )
    unknown = sorted(set(approval) - set(APPROVAL_ACTIONS))
    if unknown:
        raise ConfigError(
            f"{where}：[approval] 不认识 {', '.join(unknown)}（可用：{', '.join(APPROVAL_ACTIONS)}）",
            f"{where}: [approval] does not know {', '.join(unknown)} "
            f"(known: {', '.join(APPROVAL_ACTIONS)})",
        )
    relay_url = merchant.get("relay_url", "")
    if not isinstance(relay_url, str) or (
        relay_url and not relay_url.startswith(("http://", "https://"))
    ):
        raise ConfigError(
            f"{where}：relay_url 必须是 http(s):// 地址",
            f"{where}: relay_url must be an http(s):// URL",
        )
    limits = data.get("limits", {})
    roles = ("viewer", "support", "finance", "admin")
    known = {f.name for f in dataclasses.fields(Limits)}
    if not isinstance(limits, dict) or not all(isinstance(t, dict) for t in limits.values()):
        raise ConfigError(
            f"{where}：[limits.<角色>] 必须是表", f"{where}: [limits.<role>] must be tables"
        )
    for role, table in limits.items():
        bad = sorted(set(table) - known)
        if role not in roles or bad:
            raise ConfigError(
                f"{where}：[limits.{role}] 无效（角色：{', '.join(roles)}；限额：{', '.join(sorted(known))}）",
                f"{where}: [limits.{role}] is invalid (roles: {', '.join(roles)}; limits: "
                f"{', '.join(sorted(known))})",
            )
    host = server.get("host", "127.0.0.1")
    if not isinstance(host, str) or not host:
        raise ConfigError(f"{where}：host 必须是字符串", f"{where}: host must be a string")
    return ServerConfig(
        path=path,
        profiles=(path.parent / profiles).resolve(),
        profile=profile,
        host=host,
        port=_int(server, "port", 8750, where),
        behind_tls_proxy=bool(server.get("behind_tls_proxy", False)),
        tls_certfile=str(server.get("tls_certfile", "")),
        tls_keyfile=str(server.get("tls_keyfile", "")),
        access_seconds=_int(server, "access_seconds", 900, where) or 900,
        refresh_seconds=_int(server, "refresh_seconds", 12 * 3600, where) or 12 * 3600,
        approval_seconds=_int(server, "approval_seconds", 3600, where) or 3600,
        login_failures=_int(server, "login_failures", 5, where) or 5,
        login_failures_per_address=_int(server, "login_failures_per_address", 20, where) or 20,
        login_window_seconds=_int(server, "login_window_seconds", 900, where) or 900,
        approval_above={k: _int(approval, k, 0, where) for k in approval},
        relay_url=relay_url,
        upload_limit=(_int(server, "upload_limit_mb", 512, where) or 512) * 1024 * 1024,
        limits={
            role: {k: _int(table, k, 0, f"{where} [limits.{role}]") for k in table}
            for role, table in limits.items()
        },
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(config: ServerConfig, host: str) -> None:
    """A non-loopback address only with TLS, or behind a TLS-terminating proxy (said in the
    config): session tokens and passwords never cross a network in clear."""
    if is_loopback(host) or config.tls or config.behind_tls_proxy:
        return
    raise ConfigError(
        f"拒绝在非本机地址 {host} 上无 TLS 监听：请配置 tls_certfile/tls_keyfile，"
        "或在反向代理终止 TLS 时设置 behind_tls_proxy = true",
        f"refusing to listen on the non-loopback address {host} without TLS: set "
        "tls_certfile/tls_keyfile, or behind_tls_proxy = true when a proxy terminates TLS",
    )
