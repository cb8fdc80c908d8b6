"""Creating and editing profiles from the dashboard (or a script): the TOML file is edited in
place with tomlkit, so an operator's comments and ordering survive; the whole new file is validated
before it replaces the old one atomically, and secrets go to the OS keyring, never into the file.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Table

from core.errors import ConfigError
from core.profiles import (
    PLAIN_FIELDS,
    PROFILE_NAME_RE,
    SECRET_FIELDS,
    TEAM_FIELDS,
    AnyProfile,
    default_config_path,
    load_profiles,
    parse_profile_file,
    read_config_text,
    store_secret,
)

# fields an edit form may set; limits, db and the like stay as the file has them
EDITABLE_FIELDS = (
    "appid",
    "env",
    "mch_id",
    "offer_id",
    "api_base",
    "coin_rate",
    "operator",
    "role",
    "callback_appid",
    "session_key_url",
)
# a team profile's: the server's address, the login name, a private CA's certificate file
TEAM_EDITABLE_FIELDS = ("server", "operator", "ca_file")


def save_profile(
    name: str,
    fields: Mapping[str, str | int],
    *,
    path: Path | None = None,
    secrets: Mapping[str, str] | None = None,
    create: bool,
    make_default: bool = False,
) -> AnyProfile:
    """Writes profile `name` with `fields` (an empty string removes an optional field); with
    `server` among them it is a team profile, which takes no secrets.
    `create=True` refuses an existing name (no silent overwrite); `create=False` refuses a
    missing one. Secrets are stored in the keyring before the file changes, so a file never
    names a profile whose keys were lost. Returns the profile as the file now defines it."""
    path = path or default_config_path()
    _check_fields(name, fields, secrets or {})
    document = _read_document(path)
    profiles = document.setdefault("profiles", tomlkit.table(is_super_table=True))
    if not isinstance(profiles, Table):
        raise ConfigError(f"{path}：profiles 必须是表", f"{path}: profiles must be a table")
    exists = name in profiles
    if create and exists:
        raise ConfigError(f"配置 {name} 已存在", f"a profile named {name} already exists")
    if not create and not exists:
        raise ConfigError(f"{path}：没有名为 {name} 的配置", f"{path}: no profile named {name}")
    table = profiles[name] if exists else tomlkit.table()
    for key, value in fields.items():
        if value == "":
            table.pop(key, None)
        else:
            table[key] = value
    if not exists:
        profiles[name] = table
    if make_default:
        document["default_profile"] = name
    if "server" in table and any(secrets.values() if secrets else ()):
        raise ConfigError(
            f"配置 {name} 是团队配置：团队配置不保存商户密钥（密钥只在团队服务器上）",
            f"profile {name} is a team profile: a team desktop holds no merchant secret (the "
            "team server keeps the keys)",
        )
    text = tomlkit.dumps(document)
    # everything is checked against what would be written, with secrets from the form standing in
    # for the keyring, before anything changes
    parse_profile_file(tomllib.loads(text), path=path, environ=_secret_env(secrets or {}))
    for field, value in (secrets or {}).items():
        if value:
            store_secret(name, field, value)
    _write_atomically(path, text)
    return load_profiles(path).get_any(name)


def read_profile_tables(path: Path | None = None) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Every profile's plain fields as the file has them (for a list and an edit form; no keyring
    reads, no validation, so one broken profile does not hide the others), and the default.
    A missing file is no profiles yet."""
    path = path or default_config_path()
    text = read_config_text(path)
    if text is None:
        return {}, None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} 无法读取：{exc}", f"{path} cannot be read: {exc}") from None
    tables = raw.get("profiles")
    found = {
        name: {k: v for k, v in table.items() if k in PLAIN_FIELDS or k in TEAM_FIELDS}
        for name, table in (tables.items() if isinstance(tables, dict) else ())
        if isinstance(table, dict)
    }
    default = raw.get("default_profile")
    return found, default if isinstance(default, str) else None


def _check_fields(name: str, fields: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
    if not PROFILE_NAME_RE.fullmatch(name):
        raise ConfigError(
            f"配置名 {name!r} 只能包含字母、数字、. _ -（最多 64 个字符）",
            f"profile name {name!r} may only contain A-Z 0-9 . _ - (at most 64 characters)",
        )
    editable = set(EDITABLE_FIELDS) | set(TEAM_EDITABLE_FIELDS)
    unknown = sorted(set(fields) - editable) + sorted(set(secrets) - set(SECRET_FIELDS))
    if unknown:
        raise ConfigError(
            f"未知字段：{', '.join(unknown)}", f"unknown fields: {', '.join(unknown)}"
        )
    assert set(EDITABLE_FIELDS) <= set(PLAIN_FIELDS)


def _secret_env(secrets: Mapping[str, str]) -> dict[str, str]:
    return {f"XPAYDESK_{k.upper()}": v for k, v in secrets.items() if v}


def _read_document(path: Path) -> tomlkit.TOMLDocument:
    text = read_config_text(path)
    if text is None:
        document = tomlkit.document()
        document.add(tomlkit.comment("XPay Desk profiles; secrets live in the OS keyring"))
        return document
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(
            f"{path} 不是合法的 TOML，未作修改：{exc}",
            f"{path} is not valid TOML; nothing was changed: {exc}",
        ) from None


def _write_atomically(path: Path, text: str) -> None:
    """A crash mid-write leaves the old file, never half of the new one; the file may hold
    secrets an operator put there by hand, so it stays readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
