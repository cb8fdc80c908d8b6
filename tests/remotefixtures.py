"""A team desk (core.remote.RemoteDesk) logged in to the real server process of
tests/serverfixtures.py as one of its operators."""

from __future__ import annotations

from core.profiles import TeamProfile
from core.remote.base import StaticAuth
from core.remote.desk import RemoteDesk
from tests.serverfixtures import TeamServer


def remote_desk(team: TeamServer, name: str) -> RemoteDesk:
    token = team.token(name)["Authorization"].split(" ", 1)[1]
    profile = TeamProfile(name="team", server=team.url, operator=name)
    return RemoteDesk(profile, auth=StaticAuth(token))
