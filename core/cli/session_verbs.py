"""Team mode's login verbs: `login` (password from a no-echo prompt or --password-stdin, the TOTP
code from --totp or a prompt), `logout`, `whoami`. The session tokens go to the OS keyring (never a
file, never the output); every other verb then finds them there through core.desks.open_desk."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from core.cli.output import Output
from core.errors import ConfigError, ValidationError
from core.profiles import TeamProfile, load_profiles
from core.remote.session import NO_KEYRING, TokenKeeper, keyring_usable
from core.vocabulary import word

Verbs = Any  # argparse's private _SubParsersAction


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "login",
        help="log in to the team server of a team profile (tokens kept in the OS keyring)",
        parents=[common],
    )
    p.add_argument("--totp", help="the 6-digit one-time code (default: asked for)")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (for scripts)",
    )
    p.set_defaults(run=cmd_login)
    p = verbs.add_parser(
        "logout", help="end the team session and forget its tokens", parents=[common]
    )
    p.set_defaults(run=cmd_logout)
    p = verbs.add_parser(
        "whoami", help="the operator and role the team server knows you as", parents=[common]
    )
    p.set_defaults(run=cmd_whoami)


def team_profile(args: argparse.Namespace, out: Output) -> TeamProfile:
    loaded = load_profiles(Path(args.config) if args.config else None)
    profile = loaded.get_any(args.profile)
    if not isinstance(profile, TeamProfile):
        raise ConfigError(
            f"配置 {profile.name} 是单机配置（密钥在本机），不需要登录；登录只用于团队配置"
            "（server + operator）",
            f"profile {profile.name} is a solo profile (its keys are on this desktop) and needs "
            "no login; login is for team profiles (server + operator)",
        )
    for warning in profile.warnings:
        out.warn(warning)
    return profile


def _password(args: argparse.Namespace, out: Output) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValidationError(
            "password",
            "没有终端可以输入密码：请用 --password-stdin 从标准输入传入",
            "no terminal to ask for the password: pass it on stdin with --password-stdin",
        )
    try:
        return getpass.getpass(out.say("密码：", "Password: "), stream=sys.stderr)
    except EOFError:
        raise ValidationError("password", "没有输入密码", "no password was entered") from None


def _totp(args: argparse.Namespace, out: Output) -> str:
    if args.totp is not None:
        return str(args.totp)
    if not sys.stdin.isatty():
        raise ValidationError(
            "totp",
            "没有终端可以输入动态码：请用 --totp 传入 6 位动态码",
            "no terminal to ask for the one-time code: pass it with --totp",
        )
    out.note(out.say("动态码（验证器 App 中的 6 位数字）：", "One-time code (6 digits):"))
    return sys.stdin.readline().strip()


def cmd_login(args: argparse.Namespace, out: Output) -> int:
    """The keyring is checked before anything is asked or sent: a login whose session could not
    be kept would spend the one-time code for nothing. There is no keyring-less login: each CLI
    run is a process of its own, so a session kept in memory would end with the login."""
    profile = team_profile(args, out)
    if not keyring_usable(profile):
        raise ConfigError(*NO_KEYRING)
    password = _password(args, out)
    code = _totp(args, out)
    keeper = TokenKeeper(profile)
    keeper.login(password, code)
    del password
    if not keeper.persisted:  # a session nobody can find again: ended at once, not left open
        keeper.logout()
        raise ConfigError(
            "系统钥匙串不可用，无法保存登录；已在服务器上注销",
            "the OS keyring is not available, so the session cannot be kept; it was ended on "
            "the server",
        )
    me = keeper.whoami()
    out.result(
        {
            "profile": profile.name,
            "server": profile.server,
            "operator": me.operator,
            "role": me.role,
            "stored": "keyring",
        },
        out.say(
            f"已登录 {profile.server}，操作员 {me.operator}（角色 {word('role', me.role, out.lang)}）；"
            "会话保存在系统钥匙串中",
            f"logged in to {profile.server} as {me.operator} "
            f"(role {word('role', me.role, out.lang)}); the session is "
            "kept in the OS keyring",
        ),
    )
    return 0


LOGOUT_WORDS = {
    "ended": ("已注销，本机的会话已删除", "logged out; the session is gone from this desktop"),
    "already_ended": (
        "会话此前已结束；本机的会话已删除",
        "the session had already ended; it is gone from this desktop",
    ),
    "not_told": (
        "无法连接团队服务器，服务器上的会话将自行过期；本机的会话已删除",
        "the team server could not be reached, so its session ends when it expires; it is "
        "gone from this desktop",
    ),
    "no_session": ("本机没有保存的会话", "there was no session on this desktop"),
}


def cmd_logout(args: argparse.Namespace, out: Output) -> int:
    profile = team_profile(args, out)
    outcome = TokenKeeper(profile).logout()
    zh, en = LOGOUT_WORDS[outcome]
    out.result(
        {"profile": profile.name, "server": profile.server, "logout": outcome}, out.say(zh, en)
    )
    return 0


def cmd_whoami(args: argparse.Namespace, out: Output) -> int:
    profile = team_profile(args, out)
    me = TokenKeeper(profile).whoami()
    out.result(
        {
            "profile": profile.name,
            "server": profile.server,
            "operator": me.operator,
            "role": me.role,
            "appid": me.appid,
            "env": me.env.name.lower(),
            "coin_rate": me.coin_rate,
            "offer_id": me.offer_id,
        },
        out.say(
            f"{me.operator}（角色 {word('role', me.role, out.lang)}）@ {profile.server}；"
            f"商户 {me.appid}，{word('env', me.env.name.lower(), out.lang)}",
            f"{me.operator} (role {word('role', me.role, out.lang)}) @ {profile.server}; "
            f"merchant {me.appid}, {word('env', me.env.name.lower(), out.lang)}",
        ),
    )
    return 0
