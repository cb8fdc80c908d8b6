"""The one seam that decides solo or team: every page and CLI verb gets its desk here and does
not ask which kind it holds (except where team mode adds something: login, approvals, the
connection banner, which check `desk.team`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import httpx

from core.desk import Desk
from core.profile_store import read_profile_tables
from core.profiles import AnyProfile, Profile, TeamProfile
from core.remote.base import Auth
from core.remote.desk import RemoteDesk

AnyDesk = Desk | RemoteDesk


def open_desk(
    profile: AnyProfile,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    auth: Auth | None = None,
) -> AnyDesk:
    """A solo desk over the profile's mirror and WeChat, or a team desk over the profile's
    server, logged in with `auth` (default: the session kept in the OS keyring)."""
    if isinstance(profile, Profile):
        return Desk(profile, transport=transport)
    if auth is None:
        auth = stored_session(profile)
    return RemoteDesk(profile, auth=auth)


def stored_session(profile: TeamProfile) -> Auth:
    """The operator's session as kept in the OS keyring (core.remote.session)."""
    session = importlib.import_module("core.remote.session")
    keeper: Auth = session.TokenKeeper(profile)
    return keeper


@dataclass(frozen=True)
class ProfileChoice:
    """One entry of a profile switcher: the name, solo or team, and where it points (the
    appid of a solo profile, the server of a team one)."""

    name: str
    kind: str  # "solo" | "team"
    where: str
    default: bool


def profile_choices(path: Path | None = None) -> list[ProfileChoice]:
    """Every profile of the profiles file, solo and team, in the file's order, for a switcher:
    the plain fields only (no keyring read, no validation, so one broken profile does not hide
    the others). A missing file is no profiles; an unreadable one is a ConfigError."""
    tables, default = read_profile_tables(path)
    return [
        ProfileChoice(
            name,
            "team" if "server" in table else "solo",
            str(table.get("server") or table.get("appid") or ""),
            name == default,
        )
        for name, table in tables.items()
    ]
