"""Four-eyes approvals for the desktop, against real server processes: the thresholds a dialog
says before the click, a pasted session key kept sealed while its deduction waits (and used when
approved), the requester's own limits applied when the approved action runs, and the lists of
requests waiting for me and mine."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from core.mirror.db import Mirror
from core.remote.errors import RemoteForbidden
from core.server import store
from tests.remotefixtures import remote_desk
from tests.serverfixtures import (
    TeamServer,
    start_server,
    stop_server,
    team,  # noqa: F401  (a fixture)
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)

LIMITED = "oS2limit_00000000000000000001"
PASTED = "oS2paste_00000000000000000002"


def run(coro):
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def desks(server, *names):
    opened = [remote_desk(server, n) for n in names]
    try:
        yield opened
    finally:
        for desk in opened:
            await desk.close()


@pytest.fixture(scope="module")
def deduct_team(team_sim, tmp_path_factory):  # noqa: F811
    """A server whose deductions above 100 coins wait for approval."""
    folder = tmp_path_factory.mktemp("deduct-team")
    config = write_config(folder, team_sim)
    text = config.read_text(encoding="utf-8").replace(
        "refund = 5000", "refund = 5000\ndeduct = 100"
    )
    config.write_text(text, encoding="utf-8")
    with Mirror(folder / "team.sqlite") as mirror:
        store.create_tables(mirror)
        people = {
            n: store.add_operator(mirror, n, r) for n, r in (("sam", "support"), ("fay", "finance"))
        }
    proc, url = start_server(config)
    server = TeamServer(url, folder, config, folder / "team.sqlite", proc, people)
    yield server
    err = stop_server(proc)
    assert "Traceback" not in err, err


def test_the_thresholds_are_the_servers_and_bulk_always_waits(team):  # noqa: F811
    async def scenario():
        async with desks(team, "sam") as (sam,):
            return (
                sam.approval_thresholds(),
                [
                    sam.needs_approval("gift", 1000),
                    sam.needs_approval("gift", 1001),
                    sam.needs_approval("refund", 5001),
                    sam.needs_approval("deduct", 10**6),
                    sam.needs_approval("bulk_gift", 1),
                ],
            )

    thresholds, answers = run(scenario())
    assert thresholds == {"gift": 1000, "refund": 5000}
    assert answers == [False, True, True, False, True]


def test_a_waiting_deduction_keeps_its_pasted_key_sealed_and_uses_it(deduct_team, team_sim):  # noqa: F811
    team_sim.add_user(PASTED)
    team_sim.user_pays(PASTED, coins=800)
    key, _alive, _ = team_sim.state.session_key_state(PASTED)
    before = team_sim.state.account(1, PASTED)["balance"]

    async def scenario():
        async with desks(deduct_team, "sam", "fay") as (sam, fay):
            asked = await sam.deduct(
                PASTED, 300, reason="误发", request_key="s2-paste-1", session_key=key
            )
            listed = fay.approvals()
            done = await fay.approve(asked.outcome["approval"]["id"], "核对过")
        return asked, listed, done

    asked, listed, done = run(scenario())
    assert asked.state == "awaiting_approval"
    (shown,) = [a for a in listed if a.id == asked.outcome["approval"]["id"]]
    assert shown.request["session_key"] == "***" and key not in json.dumps(shown.request)
    assert done.result is not None and done.result["state"] == "done", done.result
    assert team_sim.state.account(1, PASTED)["balance"] == before - 300
    with Mirror(deduct_team.mirror_path) as m:
        stored = json.dumps([dict(r) for r in m.all("SELECT * FROM srv_approvals")], default=str)
        audit = json.dumps([dict(r) for r in m.all("SELECT * FROM audit")], default=str)
        keys = m.all("SELECT * FROM session_keys WHERE openid = ?", PASTED)
    assert key not in stored and "session_key_sealed" in stored
    assert key not in audit and keys == []  # used as pasted, not kept in the vault


def test_the_requesters_own_limit_holds_when_the_approval_runs(team, team_sim):  # noqa: F811
    team_sim.add_user(LIMITED)
    before = team_sim.state.account(1, LIMITED)["balance"]

    async def scenario():
        async with desks(team, "dora", "fay") as (dora, fay):
            asked = await dora.gift(LIMITED, 1500, reason="r", request_key="s2-limit-1")
            with team.mirror() as m:  # an admin lowers dora's own limit meanwhile
                store.set_limits(m, "dora", {"gift": 500})
            try:
                with pytest.raises(RemoteForbidden) as refused:
                    await fay.approve(asked.outcome["approval"]["id"], "ok")
                (after,) = [
                    a
                    for a in dora.approvals(mine=True, waiting=False)
                    if a.id == asked.outcome["approval"]["id"]
                ]
            finally:
                with team.mirror() as m:
                    store.set_limits(m, "dora", {}, clear=True)
        return refused.value, after

    refused, after = run(scenario())
    assert refused.status == 403 and "500" in refused.message("en")
    assert after.state == "approved" and after.result is not None and "error" in after.result
    with team.mirror() as m:
        assert m.all("SELECT * FROM intents WHERE request_key = 's2-limit-1'") == []
    assert team_sim.state.account(1, LIMITED)["balance"] == before


def test_mine_and_waiting_filter_the_lists(team):  # noqa: F811
    async def scenario():
        async with desks(team, "sam", "fred") as (sam, fred):
            asked = await sam.gift(LIMITED, 1100, reason="r", request_key="s2-lists-1")
            approval_id = asked.outcome["approval"]["id"]
            waiting_mine = [a.id for a in sam.approvals(mine=True)]
            await fred.reject(approval_id, "不需要")
            return (
                approval_id,
                waiting_mine,
                [a.id for a in sam.approvals(mine=True)],
                {a.id: a.state for a in sam.approvals(mine=True, waiting=False)},
                [a.requested_by for a in fred.approvals(mine=True, waiting=False)],
            )

    approval_id, waiting_mine, after, all_mine, freds = run(scenario())
    assert approval_id in waiting_mine and approval_id not in after
    assert all_mine[approval_id] == "rejected"
    assert set(freds) <= {"fred"}
