"""Bulk actions on the team server (#18: "every bulk action waits"): the rows of the CLI's bulk
CSV become one approval request; approving it runs every row through the one money path as the
operator who asked, each its own intent under the batch, with each row's result kept. Against a
real server process, the simulator as WeChat, through the team desk (core.remote.RemoteDesk)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from core.errors import XPayDeskError
from core.operations.bulk import plan_bulk
from core.remote.errors import RemoteError, RemoteForbidden
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

API = "/api/v1"
USERS = [f"oS2bulk_{n:020d}" for n in range(1, 4)]


@contextlib.asynccontextmanager
async def desks(team, *names):  # noqa: F811
    opened = [remote_desk(team, n) for n in names]
    try:
        yield opened
    finally:
        for desk in opened:
            await desk.close()


def bulk_file(tmp_path, rows, name="bulk.csv"):
    path = tmp_path / name
    lines = ["openid,amount,reason", *(f"{o},{a},{r}" for o, a, r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def intents_of(team, openids):  # noqa: F811
    with team.mirror() as m:
        return [
            dict(r)
            for r in m.all("SELECT * FROM intents WHERE action = 'gift' ORDER BY id")
            if r["openid"] in openids
        ]


def test_a_bulk_gift_waits_then_runs_each_row_as_the_requester(team, team_sim, tmp_path):  # noqa: F811
    for openid in USERS:
        team_sim.add_user(openid)
    before = {o: team_sim.state.account(1, o)["balance"] for o in USERS}
    rows = [(USERS[0], 100, "活动补偿"), (USERS[1], 200, "活动补偿"), (USERS[2], 300, "活动补偿")]
    plan = plan_bulk(bulk_file(tmp_path, rows), "gift")

    async def scenario():
        async with desks(team, "ada", "fay", "fred") as (ada, fay, fred):
            asked = await ada.run_bulk(plan)
            nothing_yet = intents_of(team, USERS)
            (waiting,) = [a for a in fay.approvals() if a.action == "bulk_gift"]
            with pytest.raises(RemoteForbidden) as own:
                await ada.approve(waiting.id, "mine")
            done = await fay.approve(waiting.id, "核对过名单")
            # the same rows sent again: a second request, and approving it repeats nothing
            again = await ada.run_bulk(plan)
            (second,) = [a for a in fred.approvals() if a.action == "bulk_gift"]
            redone = await fred.approve(second.id, "再次确认")
        return asked, nothing_yet, waiting, own.value, done, again, redone

    asked, nothing_yet, waiting, own, done, again, redone = run(scenario())
    data = asked.as_dict()
    assert data["states"] == {"awaiting_approval": 3} and data["rows"] == 3
    assert all(waiting.id in r["message"] for r in data["results"])
    assert nothing_yet == []  # nothing written, nothing sent before the approval
    assert (waiting.amount, waiting.unit, waiting.requested_by) == (600, "coins", "ada")
    assert [r["openid"] for r in waiting.request["rows"]] == USERS
    assert own.kind == "self_approval"
    assert done.state == "approved" and done.result is not None
    assert done.result["states"] == {"done": 3}
    assert [(r["line"], r["openid"], r["state"]) for r in done.result["results"]] == [
        (2, USERS[0], "done"),
        (3, USERS[1], "done"),
        (4, USERS[2], "done"),
    ]
    made = intents_of(team, USERS)
    assert len(made) == 3 and {i["operator"] for i in made} == {"ada"}
    assert {i["batch_id"] for i in made} == {done.result["batch_id"]} == {asked.plan.batch_id}
    for (openid, amount, _reason), start in zip(rows, before.values(), strict=True):
        assert team_sim.state.account(1, openid)["balance"] == start + amount  # once each
    assert again.as_dict()["states"] == {"awaiting_approval": 3}
    assert redone.result is not None and redone.result["states"] == {"done": 3}
    assert [i["id"] for i in intents_of(team, USERS)] == [i["id"] for i in made]
    with team.mirror() as m:
        approve_rows = m.all("SELECT * FROM audit WHERE action = 'approve' ORDER BY id")
    params = [json.loads(r["params"]) for r in approve_rows]
    assert any(p.get("approval") == waiting.id and p.get("batch_id") for p in params)


def test_a_role_without_bulk_is_refused_and_audited(team, tmp_path):  # noqa: F811
    plan = plan_bulk(bulk_file(tmp_path, [(USERS[0], 10, "r")]), "gift")

    async def scenario():
        async with desks(team, "sam", "vera") as (sam, vera):
            with pytest.raises(RemoteForbidden) as support:  # support's bulk cap is 0 rows
                await sam.run_bulk(plan)
            with pytest.raises(RemoteForbidden) as viewer:
                await vera.run_bulk(plan)
        return support.value, viewer.value

    support, viewer = run(scenario())
    assert support.status == viewer.status == 403
    assert "批量" in support.message("zh_CN") or "support" in support.message("en")
    with team.mirror() as m:
        refused = [
            json.loads(r["params"])
            for r in m.all("SELECT * FROM audit WHERE action = 'refused' AND operator = 'sam'")
        ]
    assert any(p["endpoint"] == "bulk_gift" for p in refused)


def test_identical_rows_and_bad_rows_are_refused_before_anything_waits(team, tmp_path):  # noqa: F811
    twice = plan_bulk(bulk_file(tmp_path, [(USERS[0], 10, "r"), (USERS[0], 10, "r")]), "gift")
    bad = plan_bulk(bulk_file(tmp_path, [(USERS[0], 0, "r")], name="bad.csv"), "gift")

    async def scenario():
        async with desks(team, "ada") as (ada,):
            count = len(ada.approvals(mine=True))
            with pytest.raises(XPayDeskError) as duplicated:
                await ada.run_bulk(twice)
            with pytest.raises(XPayDeskError) as rejected:
                await ada.run_bulk(bad)
            # sent as they are, the server refuses them too (its own check, not the desktop's)
            rows = [{"line": 2, "openid": USERS[0], "amount": 10, "reason": "r"}] * 2
            raw = {"action": "gift", "rows": rows}
            with pytest.raises(RemoteError) as server_dup:
                await ada.arequest("POST", "/bulk", json=raw)
            zero = {"action": "gift", "rows": [{**rows[0], "amount": 0}]}
            with pytest.raises(RemoteError) as server_zero:
                await ada.arequest("POST", "/bulk", json=zero)
            return (
                count,
                len(ada.approvals(mine=True)),
                duplicated.value,
                rejected.value,
                (
                    server_dup.value,
                    server_zero.value,
                ),
            )

    before, after, duplicated, rejected, (server_dup, server_zero) = run(scenario())
    assert before == after  # no request was made
    assert duplicated.kind == "bulk_duplicates" and "--allow-duplicates" in duplicated.message("en")
    assert "invalid" in rejected.message("en")
    assert server_dup.kind == "bulk_duplicates" and server_dup.status == 409
    assert server_zero.status == 422


def run(coro):
    return asyncio.run(coro)
