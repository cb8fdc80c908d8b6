"""The team desk's plumbing against a real server process: who it is, refusals, and a server
that goes away (reads show their last answer marked stale; nothing else pretends)."""

from __future__ import annotations

import asyncio

import pytest

from core.environment import Env
from core.profiles import TeamProfile
from core.remote.base import StaticAuth
from core.remote.desk import RemoteDesk
from core.remote.errors import LoginRequired, RemoteForbidden, ServerUnreachable
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)


def test_the_profile_is_filled_in_from_the_server(team):  # noqa: F811
    desk = remote_desk(team, "sam")
    try:
        assert desk.team is True
        assert (desk.profile.operator, desk.profile.role) == ("sam", "support")
        assert desk.profile.appid.startswith("wx") and desk.profile.env == Env.SANDBOX
        assert desk.profile.coin_rate > 0 and desk.online
    finally:
        asyncio.run(desk.close())


def test_a_bad_token_is_login_required(team):  # noqa: F811
    profile = TeamProfile(name="t", server=team.url, operator="sam")
    with pytest.raises(LoginRequired) as caught:
        RemoteDesk(profile, auth=StaticAuth("not-a-token"))
    assert "登录" in caught.value.message("zh_CN") and caught.value.message("en")


def test_a_refusal_carries_the_servers_kind_and_both_messages(team):  # noqa: F811
    desk = remote_desk(team, "vera")  # a viewer may not read the audit log
    try:
        with pytest.raises(RemoteForbidden) as caught:
            desk.get("/audit")
        assert caught.value.status == 403 and caught.value.kind == "forbidden"
        assert "viewer" in caught.value.message("en") and "角色" in caught.value.message("zh_CN")
    finally:
        asyncio.run(desk.close())


def test_an_unreachable_server_says_so_and_reads_fall_back_marked_stale(team):  # noqa: F811
    desk = remote_desk(team, "sam")
    heard: list[set[str]] = []
    desk.subscribe(heard.append)
    try:
        fresh = desk.get("/pending")
        desk._http.base_url = "http://127.0.0.1:9/api/v1"  # nothing listens on the discard port
        assert desk.get("/pending") == fresh  # the last answer, marked stale
        assert not desk.online and desk.stale_since is not None
        assert heard == [{"connection"}]
        with pytest.raises(ServerUnreachable) as caught:
            desk.get("/search", term="never-asked")  # no earlier answer: nothing to show
        assert "团队服务器" in caught.value.message("zh_CN")
        with pytest.raises(ServerUnreachable):
            desk.require_online()
    finally:
        asyncio.run(desk.close())


def test_only_the_most_recent_reads_are_kept_for_a_server_that_goes_away(team, monkeypatch):  # noqa: F811
    import core.remote.base as base

    monkeypatch.setattr(base, "KEPT_ANSWERS", 3)
    desk = remote_desk(team, "sam")
    try:
        for term in ("a1", "a2", "a3", "a4"):
            desk.get("/search", term=term)
        desk.get("/search", term="a2")  # read again: the most recent now
        desk._http.base_url = "http://127.0.0.1:9/api/v1"
        assert desk.get("/search", term="a2") == []  # kept
        with pytest.raises(ServerUnreachable):
            desk.get("/search", term="a1")  # the oldest, let go
        assert len(desk._answers) == 3
    finally:
        asyncio.run(desk.close())
