"""Four-eyes approvals for the desktop, against real server processes: the thresholds a dialog
says before the click, a pasted session key kept sealed while its deduction waits (and used when
approved), the requester's own limits applied when the approved action runs, and the lists of
requests waiting for me and mine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from pathlib import Path

import pytest

from core.cli import main
from core.mirror.db import Mirror
from core.profiles import TeamProfile
from core.remote.errors import RemoteError, RemoteForbidden
from core.remote.session import TokenKeeper, Tokens
from core.secret import Secret
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
CLI_USER = "oV1cli_0000000000000000000004"


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
    assert refused.message("en").startswith("approved, but refused when it ran (the request failed")
    assert refused.message("zh_CN").startswith("已批准，但执行时被拒绝")
    assert after.state == "failed" and after.result is not None
    assert "500" in after.failure("en") and "500" in after.failure("zh_CN")
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


POOR = "oV1poor_000000000000000000003"


def approval_events(server, approval_id):
    """Every `approval` event the server told desktops about this request, in order (read from
    its events stream from the start)."""
    found, current = [], {}
    with (
        server.client() as http,
        http.stream(
            "GET", "/api/v1/events", params={"after": 0}, headers=server.token("sam")
        ) as live,
    ):
        for line in live.iter_lines():
            if line.startswith("event: "):
                current["event"] = line[7:]
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
            elif line == "" and current:
                if current.get("event") == "approval" and current["data"]["id"] == approval_id:
                    found.append(current["data"])
                    if current["data"]["state"] not in ("awaiting_approval", "approved"):
                        return found
                current = {}
    raise AssertionError(found)


def test_an_approved_deduction_refused_for_a_low_balance_ends_failed(deduct_team, team_sim):  # noqa: F811
    team_sim.add_user(POOR)
    team_sim.user_pays(POOR, coins=150)
    key, _alive, _ = team_sim.state.session_key_state(POOR)
    before = team_sim.state.account(1, POOR)["balance"]

    async def scenario():
        async with desks(deduct_team, "sam", "fay") as (sam, fay):
            asked = await sam.deduct(
                POOR, 300, reason="扣回误发", request_key="v1-poor-1", session_key=key
            )
            approval_id = asked.outcome["approval"]["id"]
            decided = await fay.approve(approval_id, "核对过")
            (mine,) = [a for a in sam.approvals(mine=True, waiting=False) if a.id == approval_id]
        return approval_id, decided, mine

    approval_id, decided, mine = run(scenario())
    assert decided.state == mine.state == "failed", mine
    assert mine.failure("zh_CN").startswith("微信拒绝（268490006）：")
    assert mine.failure("en").startswith("WeChat refused (268490006): ")
    assert mine.state_words("en").startswith("Failed: WeChat refused")
    assert mine.state_words("zh_CN").startswith("失败：微信拒绝")
    assert team_sim.state.account(1, POOR)["balance"] == before
    heard = approval_events(deduct_team, approval_id)
    assert [e["state"] for e in heard] == ["awaiting_approval", "approved", "failed"]
    assert heard[-1]["error"] == mine.result["error"] and heard[-1]["requested_by"] == "sam"


def test_failed_is_kept_on_both_stores_and_only_an_approved_request_fails(make_mirror):
    mirror = make_mirror()
    store.create_tables(mirror)
    asked = store.request_approval(
        mirror, action="gift", amount=5, request={"openid": "o1"}, requested_by="sam", ttl=60
    )
    store.fail(mirror, asked["id"], {}, "不行", "no")  # still waiting: not failed
    assert store.approval(mirror, asked["id"])["state"] == "awaiting_approval"
    store.decide(mirror, asked["id"], by="fay", state="approved", reason="ok")
    failed = store.fail(mirror, asked["id"], {"intent_id": 3}, "余额不足", "balance too low")
    assert failed["state"] == "failed"
    assert failed["result"] == {
        "intent_id": 3,
        "error": {"zh_CN": "余额不足", "en": "balance too low"},
    }
    assert [a["state"] for a in store.approvals(mirror, only_waiting=False)] == ["failed"]
    with pytest.raises(store.OperatorError) as again:
        store.decide(mirror, asked["id"], by="ada", state="approved", reason="again")
    assert "失败" in again.value.message("zh_CN") and "failed" in again.value.message("en")
    told = [json.loads(data) for _id, kind, data in store.events_after(mirror, 0)]
    assert [e["state"] for e in told] == ["awaiting_approval", "approved", "failed"]
    assert told[-1]["error"] == {"zh_CN": "余额不足", "en": "balance too low"}


def team_cli(server, name: str, folder) -> Path:
    """A team profile for `name`, their session in the keyring as `xpaydesk-cli login` keeps it."""
    config = folder / f"{name}.toml"
    config.write_text(
        f'default_profile = "office"\n\n[profiles.office]\nserver = "{server.url}"\n'
        f'operator = "{name}"\n',
        encoding="utf-8",
    )
    token = server.token(name)["Authorization"].split(" ", 1)[1]
    profile = TeamProfile(name="office", server=server.url, operator=name)
    assert TokenKeeper(profile).save(Tokens(Secret(token), Secret("unused"), time.time() + 3600))
    return config


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_cli_says_a_request_waiting_in_the_glossarys_words(
    team,  # noqa: F811
    team_sim,  # noqa: F811
    tmp_path,
    capsys,
    memory_keyring,
    lang,
):
    team_sim.add_user(CLI_USER)
    sam, ada = team_cli(team, "sam", tmp_path), team_cli(team, "ada", tmp_path)
    gift = ["gift", CLI_USER, "1500", "--order-id", f"V1CLI{lang}", "--note", "补偿"]
    assert main(["--lang", lang, "--config", str(sam), *gift]) == 8
    said = capsys.readouterr().out
    rows = tmp_path / "bulk.csv"
    rows.write_text(f"{CLI_USER},5,补偿\n{POOR},6,补偿\n", encoding="utf-8")
    assert main(["--lang", lang, "--config", str(ada), "bulk", "gift", str(rows)]) == 8
    said += capsys.readouterr().out
    assert "awaiting_approval" not in said and "{" not in said, said
    if lang == "en":  # the operator's half of a message in both languages
        assert not re.search("[\u4e00-\u9fff]", said.replace("补偿", "")), said
    waiting = "等待审批" if lang == "zh_CN" else "Waiting for approval"
    assert said.count(waiting) == 2, said


REFUNDED_TWICE = "oV1refund_0000000000000000005"


def test_an_approved_refund_whose_refundable_amount_changed_meanwhile_ends_failed(team, team_sim):  # noqa: F811
    team_sim.add_user(REFUNDED_TWICE)
    order_id = team_sim.user_pays(REFUNDED_TWICE, coins=10_000)["order_id"]
    left = team_sim.state.order_row(order_id)["left_fee"]

    async def scenario():
        async with desks(team, "fay", "fred", "ada") as (fay, fred, ada):
            asked = await fay.refund(
                order_id,
                6000,
                left_fee=left,
                reason="投诉退款",
                request_key="v1-twice-1",
                openid=REFUNDED_TWICE,
            )
            approval_id = asked.outcome["approval"]["id"]
            first = await fred.refund(  # meanwhile another refund, under the approval amount
                order_id,
                5000,
                left_fee=left,
                reason="投诉退款",
                request_key="v1-twice-2",
                openid=REFUNDED_TWICE,
            )
            await fred.wait_for_refund(first.intent_id, timeout=20)
            with pytest.raises(RemoteError) as refused:  # the checks refuse it before WeChat
                await ada.approve(approval_id, "核对过")
            (mine,) = [a for a in fay.approvals(mine=True, waiting=False) if a.id == approval_id]
        return refused.value, mine

    refused, mine = run(scenario())
    assert refused.message("en").startswith("approved, but refused when it ran")
    assert mine.state == "failed"
    assert "5000" in mine.failure("en") and "可退金额已变为 5000 分" in mine.failure("zh_CN")
    assert team_sim.state.order_row(order_id)["left_fee"] == left - 5000  # only the first
