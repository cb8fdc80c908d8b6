"""Where every CLI verb gets its desk. One seam decides solo or team: the verbs that touch WeChat,
the mirror, the audit log or a report take the desk `open_cli_desk` gives them and call its
methods only, never the client, the mirror or the operations engine themselves. The verbs that are
inherently local (mirror new/check/restore/copy, the simulator) take `local_profile`, which refuses
a team profile with a clear message."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

from core.cli.output import Output
from core.desk import Desk
from core.desks import open_desk
from core.errors import ConfigError, XPayDeskError
from core.profiles import AnyProfile, Profile, TeamProfile, load_profiles

# The verbs are written against core.desk.Desk, the reference for the names, arguments and result
# types that the team desk (core.remote.RemoteDesk) copies method for method.
CliDesk = Desk


class NotInTeamModeYet(XPayDeskError):
    """A verb calls a desk method the team desk does not offer (yet): said, never a traceback."""

    kind = "not_in_team_mode"
    exit_code = 2

    def __init__(self, verb: str, method: str) -> None:
        super().__init__(
            f"“{verb}”还不能用于团队配置（团队服务器尚未提供 {method}）；请用单机配置",
            f"'{verb}' does not work with a team profile yet (the team server does not offer "
            f"{method}); use a solo profile",
        )


def load_any_profile(args: argparse.Namespace, out: Output) -> AnyProfile:
    """The profile --profile names (or the default), solo or team; its warnings said on stderr."""
    profile = load_profiles(Path(args.config) if args.config else None).get_any(args.profile)
    for warning in profile.warnings:
        out.warn(warning)
    return profile


def open_desk_for(profile: AnyProfile) -> CliDesk:
    """The desk of a profile: core.desks.open_desk decides solo or team (a team profile's
    desk logs in with the session `xpaydesk-cli login` kept in the OS keyring)."""
    return cast(CliDesk, open_desk(profile))


def run_desk(
    args: argparse.Namespace, out: Output, action: Callable[[CliDesk], Awaitable[int]]
) -> int:
    """Opens the profile's desk, runs `action(desk)` and closes the desk, whatever happens."""
    profile = load_any_profile(args, out)

    async def go() -> int:
        desk = open_desk_for(profile)
        try:
            return await action(desk)
        except AttributeError as exc:
            if exc.obj is not desk:
                raise
            raise NotInTeamModeYet(str(getattr(args, "verb", "")), exc.name or "?") from None
        finally:
            await desk.close()

    return asyncio.run(go())


def local_profile(args: argparse.Namespace, out: Output, verb: str) -> Profile:
    """A solo profile for a verb that works on this computer's own files (the mirror file, the
    simulator): a team profile is refused, its records are on the team server."""
    profile = load_any_profile(args, out)
    if isinstance(profile, TeamProfile):
        raise ConfigError(
            f"“{verb}”只对本机的单机配置有效；配置 {profile.name} 是团队配置，"
            f"记录保存在团队服务器 {profile.server} 上，由服务器管理员维护",
            f"'{verb}' works on this computer's solo profiles only; profile {profile.name} is a "
            f"team profile whose records are kept on the team server {profile.server} and looked "
            "after by its administrator",
        )
    return profile


def _kinds(cls: type[XPayDeskError]) -> dict[str, int]:
    found: dict[str, int] = {}
    for sub in cls.__subclasses__():
        found.update(_kinds(sub))
        kind, code = sub.__dict__.get("kind"), getattr(sub, "exit_code", None)
        if isinstance(kind, str) and isinstance(code, int):
            found.setdefault(kind, code)
    return found


def exit_code(exc: XPayDeskError) -> int:
    """The exit code of an error, the same on a solo and a team profile: a team server's refusal
    (core.remote RemoteError: the server's `kind`, not the core's class) exits as the core's
    error of that kind does (validation 2, WeChat's refusal 1, ...)."""
    from core.remote.errors import RemoteError

    if isinstance(exc, RemoteError):
        return _kinds(XPayDeskError).get(exc.kind, exc.exit_code)
    return exc.exit_code
