"""The money path never doubles or strands an action (issue 13), against the simulator over
loopback: what can be checked without WeChat is checked before the intent is written; an intent
whose request never left ends "failed (never sent)" at once; abandon closes what provably never
reached WeChat; no money moves unless its audit row can be written; every refund sends the
left_fee the operator saw; a second refund of an order within a minute needs "again"."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3

import pytest

from core.cli import main
from core.environment import AppKeys
from core.errors import ConfigError, ValidationError, XPayDeskError
from core.mirror import audit
from core.mirror.db import Mirror
from core.operations import Operations, Policy, RepeatSuspected
from core.operations.engine import AuditUnwritable, NotAbandonable
from core.operations.journal import Locks
from core.operations.session_keys import SessionKeyProvider
from core.secret import Secret
from core.simulator import profile_toml
from tests.opsfixtures import make_ops
from tests.simfixtures import ALICE, client_for


def ops_without_sandbox_key(sim, http, mirror) -> Operations:
    return Operations(
        client_for(sim, http, app_keys=AppKeys(production=Secret(sim.config.app_key))),
        mirror,
        appid=sim.config.appid,
        profile="test",
        operator="alice",
        policy=Policy.for_profile("admin", {}),
        session_keys=SessionKeyProvider(None),
    )


def balance(sim) -> int:
    return int(sim.state.account(1, ALICE)["balance"])


def intents(mirror) -> list[tuple[str, str]]:
    return [(r["wechat_id"], r["state"]) for r in mirror.all("SELECT * FROM intents ORDER BY id")]


def refunds_at_wechat(sim, order_id: str) -> int:
    return int(
        sim.state.db.execute(
            "SELECT COUNT(*) FROM orders WHERE order_type = 1 AND pay_order_id = ?", (order_id,)
        ).fetchone()[0]
    )


# ---- 1. checked before the intent; never-sent intents end at once ------------------------------


async def test_a_missing_sandbox_key_writes_no_intent_and_resolve_never_sends_it(sim, http, mirror):
    sim.add_user(ALICE)
    broken = ops_without_sandbox_key(sim, http, mirror)
    with pytest.raises(ConfigError, match="sandbox_app_key"):
        await broken.gift(ALICE, 9, reason="补偿", request_key="k1", order_id="GIFTNINE0001")
    assert intents(mirror) == [] and list(audit.iter_rows(mirror)) == []
    fixed = make_ops(sim, http, mirror)  # the operator fixes the profile and gifts again
    again = await fixed.gift(ALICE, 9, reason="补偿", request_key="k2", order_id="GIFTNINE0002")
    assert again.state == "done"
    assert await fixed.resolve(force=True) == []
    assert balance(sim) == 9  # not 18


@pytest.mark.parametrize("bad", ["SHORT01", "HAS SPACE001", "x" * 33])
async def test_a_bad_order_id_is_refused_before_the_intent(sim, ops, mirror, bad):
    sim.add_user(ALICE)
    with pytest.raises(ValidationError, match="order_id"):
        await ops.gift(ALICE, 5, reason="r", request_key="g1", order_id=bad)
    with pytest.raises(ValidationError, match="order_id"):
        await ops.deduct(ALICE, 5, reason="r", request_key="d1", order_id=bad)
    assert intents(mirror) == [] and ops.journal.spent_today("alice", "gift") == 0
    assert balance(sim) == 0


async def test_a_bad_refund_order_id_is_refused_before_the_intent(sim, ops, mirror):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    for bad in ("SHORT01", "BAD REFUND 01"):
        with pytest.raises(ValidationError, match="refund_order_id"):
            await ops.refund(
                order["order_id"],
                refund_fee=100,
                left_fee=600,
                reason="r",
                request_key=f"r-{bad}",
                openid=ALICE,
                refund_order_id=bad,
            )
    assert intents(mirror) == [] and refunds_at_wechat(sim, order["order_id"]) == 0


def legacy_gift(ops, sim, request_key: str, wechat_id: str):
    """The intent of a 9-coin gift to Alice written straight into the journal (as an older
    version did), with `wechat_id` as the id to send to WeChat."""
    intent, _ = ops.journal.create(
        "gift",
        request_key,
        appid=sim.config.appid,
        openid=ALICE,
        target=ALICE,
        amount=9,
        params={},
        operator="alice",
        reason="r",
        wechat_id_override=wechat_id,
    )
    return intent


async def test_an_intent_whose_request_cannot_be_built_ends_failed_never_sent(sim, http, mirror):
    """An intent written by an older version (or anything that slips past the checks) whose
    request fails before it leaves is closed at once, not left "sending" for resolve."""
    sim.add_user(ALICE)
    broken = ops_without_sandbox_key(sim, http, mirror)
    stranded = legacy_gift(broken, sim, "legacy-1", "GIFTLEGACY01")
    bad_id = legacy_gift(broken, sim, "legacy-2", "SHORT01")
    broken.journal.update(bad_id.id, state="sending", attempt=True)  # as older versions left it
    results = await broken.resolve(force=True)
    assert [(r.state, "never sent" in r.message) for r in results] == [
        ("failed", True),
        ("failed", True),
    ]
    assert broken.pending() == []
    fixed = make_ops(sim, http, mirror)
    assert await fixed.resolve(force=True) == []
    assert balance(sim) == 0
    assert fixed.journal.spent_today("alice", "gift") == 0
    rows = [r for r in audit.iter_rows(mirror) if r["action"] == "gift"]
    assert {json.loads(r["params"])["state"] for r in rows} == {"failed"}
    assert stranded.id != bad_id.id


# ---- 2. abandon ------------------------------------------------------------------------------


async def test_abandon_closes_an_intent_that_never_reached_wechat(sim, http, mirror):
    sim.add_user(ALICE)
    support = make_ops(sim, http, mirror, role="support", limits={"daily_gift": 150})
    sim.faults.add("present_currency", "rate_limit", count=1)  # WeChat: busy, not applied
    first = await support.gift(ALICE, 100, reason="r", request_key="a1")
    assert first.state == "prepared"
    assert support.journal.spent_today("alice", "gift") == 100
    closed = await support.abandon(first.intent_id, note="用户已另行补偿")
    assert closed.state == "failed" and closed.outcome["abandoned"]["note"] == "用户已另行补偿"
    assert support.journal.spent_today("alice", "gift") == 0  # no longer counts today
    assert await support.resolve(force=True) == [] and balance(sim) == 0
    row = list(audit.iter_rows(mirror))[-1]
    assert (row["action"], row["result"]) == ("gift", "abandoned") and audit.verify(mirror).ok
    done = await support.gift(ALICE, 150, reason="r", request_key="a2")
    assert done.state == "done" and balance(sim) == 150


async def test_abandon_refuses_what_may_have_reached_wechat(sim, ops, mirror):
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "lost_response", count=1)  # applied, answer lost
    lost = await ops.gift(ALICE, 7, reason="r", request_key="u1")
    assert lost.state == "unknown"
    with pytest.raises(NotAbandonable) as caught:
        await ops.abandon(lost.intent_id, note="give up")
    assert "resolve" in caught.value.message_en and "resolve" in caught.value.message_zh
    with pytest.raises(XPayDeskError, match="note"):
        await ops.abandon(lost.intent_id, note=" ")
    (settled,) = await ops.resolve(force=True)
    assert settled.state == "done" and balance(sim) == 7
    with pytest.raises(NotAbandonable):
        await ops.abandon(lost.intent_id, note="give up")


async def test_abandon_refuses_a_busy_retry_of_what_may_have_been_applied(sim, ops):
    """WeChat answering "busy" to a retry says nothing about the earlier attempt whose answer
    was lost: the intent may still have been applied, so it is not abandoned."""
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "lost_response", count=1)  # applied, answer lost
    lost = await ops.gift(ALICE, 4, reason="r", request_key="u2")
    sim.faults.add("present_currency", "rate_limit", count=1)
    (retried,) = await ops.resolve(force=True)
    assert retried.state == "prepared"
    with pytest.raises(NotAbandonable):
        await ops.abandon(lost.intent_id, note="give up")
    (settled,) = await ops.resolve(force=True)
    assert settled.state == "done" and balance(sim) == 4


def test_cli_abandon(sim, tmp_path, capsys):
    config = tmp_path / "p.toml"
    db = tmp_path / "m.sqlite"
    config.write_text(profile_toml(sim, db=str(db)) + 'role = "admin"\n', encoding="utf-8")
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "rate_limit", count=1)
    base = ["--json", "--config", str(config)]
    code = main([*base, "gift", ALICE, "3", "--order-id", "CLIGIFT00001", "--note", "n"])
    intent_id = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["intent_id"]
    assert code == 1
    assert main([*base, "abandon", str(intent_id), "--note", "duplicate ticket"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["state"] == "failed" and out["outcome"]["abandoned"]["note"] == "duplicate ticket"
    assert main([*base, "resolve"]) == 0 and balance(sim) == 0
    assert main([*base, "--lang", "en", "abandon", str(intent_id), "--note", "again"]) == 2
    assert "already closed" in capsys.readouterr().out


# ---- 3. no money moves unless its audit row can be written -------------------------------------


def break_audit_with_a_trigger(mirror: Mirror) -> None:
    if mirror.is_postgres:
        mirror.conn.execute(
            "CREATE FUNCTION audit_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'disk I/O error'; END $$"
        )
        mirror.conn.execute(
            "CREATE TRIGGER audit_broken BEFORE INSERT ON audit FOR EACH ROW "
            "EXECUTE FUNCTION audit_broken()"
        )
        return
    mirror.conn.execute(
        "CREATE TRIGGER audit_broken BEFORE INSERT ON audit BEGIN "
        "SELECT RAISE(ABORT, 'disk I/O error'); END"
    )


def mend_audit(mirror: Mirror) -> None:
    mirror.conn.execute(
        "DROP TRIGGER audit_broken ON audit" if mirror.is_postgres else "DROP TRIGGER audit_broken"
    )


async def test_an_unwritable_audit_table_moves_no_money(sim, ops, mirror):
    sim.add_user(ALICE)
    break_audit_with_a_trigger(mirror)
    with pytest.raises(AuditUnwritable) as caught:
        await ops.gift(ALICE, 2, reason="r", request_key="t1")
    assert "audit" in caught.value.message_en and "审计" in caught.value.message_zh
    assert intents(mirror) == []
    assert await ops.resolve(force=True) == [] and balance(sim) == 0


async def test_a_dropped_audit_table_moves_no_money(sim, ops, mirror):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    mirror.conn.execute("ALTER TABLE audit RENAME TO audit_gone")
    with pytest.raises(AuditUnwritable):
        await ops.gift(ALICE, 2, reason="r", request_key="t2")
    with pytest.raises(AuditUnwritable):
        await ops.refund(
            order["order_id"],
            refund_fee=100,
            left_fee=600,
            reason="r",
            request_key="t3",
            openid=ALICE,
        )
    assert intents(mirror) == []
    assert balance(sim) == 600 and refunds_at_wechat(sim, order["order_id"]) == 0


async def test_an_audit_table_broken_after_the_intent_stops_the_send(sim, ops, mirror):
    """An intent written while the audit log worked (WeChat was busy) is not sent by resolve once
    the audit log cannot be written: it ends failed (never sent), nothing moves."""
    sim.add_user(ALICE)
    sim.faults.add("present_currency", "rate_limit", count=1)
    first = await ops.gift(ALICE, 2, reason="r", request_key="t4")
    assert first.state == "prepared"
    break_audit_with_a_trigger(mirror)
    (settled,) = await ops.resolve(force=True)
    assert settled.state == "failed" and "audit log cannot be written" in settled.message
    assert intents(mirror) == [(first.wechat_id, "failed")]
    mend_audit(mirror)
    assert await ops.resolve(force=True) == [] and balance(sim) == 0


async def test_a_damaged_audit_root_page_moves_no_money(sim, http, tmp_path):
    sim.add_user(ALICE)
    path = tmp_path / "damaged.sqlite"
    with Mirror(path) as healthy:
        healthy.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = healthy.one("SELECT rootpage FROM sqlite_master WHERE name = 'audit'")[0]
        page_size = healthy.one("PRAGMA page_size")[0]
    with path.open("r+b") as f:  # garbage over the audit table's root page
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    try:
        mirror = Mirror(path)
    except XPayDeskError:
        return  # refusing to open a damaged mirror also moves nothing
    try:
        ops = make_ops(sim, http, mirror)
        with pytest.raises(XPayDeskError):
            await ops.gift(ALICE, 2, reason="r", request_key="t5")
        with contextlib.suppress(XPayDeskError, sqlite3.DatabaseError):
            await ops.resolve(force=True)
        assert balance(sim) == 0
        assert [s for _w, s in intents(mirror)] in ([], ["failed"])
    finally:
        mirror.close()


# ---- 4. every refund sends the left_fee the operator saw ---------------------------------------


@pytest.mark.parametrize("offset", [0.0, 0.005, 0.02, 0.05, 0.1, 0.3])
async def test_two_operators_refunding_half_each_make_one_refund(sim, http, mirror, offset):
    """Each saw left_fee 600 and refunds 300 of it with their own refund id: the user's one
    complaint is refunded once, whatever the timing."""
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    alice = make_ops(sim, http, mirror, operator="alice")
    bob = make_ops(sim, http, mirror, operator="bob")
    bob.locks = Locks(mirror, owner="bobs-window")

    async def refund(ops, key: str, delay: float):
        await asyncio.sleep(delay)
        return await ops.refund(
            order["order_id"],
            refund_fee=300,
            left_fee=600,
            reason="投诉",
            request_key=key,
            openid=ALICE,
            refund_order_id=f"REFUND{key.upper()}0001",
        )

    results = await asyncio.gather(
        refund(alice, "a", 0), refund(bob, "b", offset), return_exceptions=True
    )
    started = [r for r in results if not isinstance(r, BaseException) and r.ok]
    assert len(started) == 1, results
    assert refunds_at_wechat(sim, order["order_id"]) == 1
    assert sim.state.order_row(order["order_id"])["left_fee"] == 300


async def test_two_mirrors_refunding_half_each_make_one_refund(sim, http, tmp_path):
    """Two desks that share nothing (two computers): WeChat itself refuses the stale left_fee
    (268490016), because each sends the left_fee its operator saw."""
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    with Mirror(tmp_path / "a.sqlite") as ma, Mirror(tmp_path / "b.sqlite") as mb:
        alice, bob = make_ops(sim, http, ma), make_ops(sim, http, mb, operator="bob")
        seen = 600
        first = await alice.refund(
            order["order_id"], refund_fee=300, left_fee=seen, reason="r", request_key="m1",
            openid=ALICE,
        )  # fmt: skip
        assert first.state == "refunding"
        with pytest.raises(ValidationError, match="left_fee"):
            await bob.refund(
                order["order_id"], refund_fee=300, left_fee=seen, reason="r", request_key="m2",
                openid=ALICE,
            )  # fmt: skip
    assert refunds_at_wechat(sim, order["order_id"]) == 1


async def test_wechat_refuses_a_stale_left_fee_with_268490016(sim, client):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    await client.refund_order(
        ALICE, order_id=order["order_id"], refund_order_id="STALECHECK01", left_fee=600,
        refund_fee=300,
    )  # fmt: skip
    with pytest.raises(XPayDeskError) as caught:
        await client.refund_order(
            ALICE, order_id=order["order_id"], refund_order_id="STALECHECK02", left_fee=600,
            refund_fee=300,
        )  # fmt: skip
    assert getattr(caught.value, "errcode", None) == 268490016


async def test_a_second_refund_of_an_order_within_a_minute_needs_again(sim, ops):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    kwargs = {"refund_fee": 200, "reason": "r", "openid": ALICE}
    await ops.refund(order["order_id"], left_fee=600, request_key="x1", **kwargs)
    with pytest.raises(RepeatSuspected):
        await ops.refund(order["order_id"], left_fee=400, request_key="x2", **kwargs)
    again = await ops.refund(
        order["order_id"], left_fee=400, request_key="x2", allow_repeat=True, **kwargs
    )
    assert again.state == "refunding" and refunds_at_wechat(sim, order["order_id"]) == 2


def test_cli_refunds_send_the_left_fee_seen_and_ask_for_again(sim, tmp_path, capsys):
    config = tmp_path / "p.toml"
    config.write_text(
        profile_toml(sim, db=str(tmp_path / "m.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    base = ["--json", "--config", str(config)]

    def claw(refund_id: str, *extra: str) -> int:
        return main(
            [
                *base,
                "refund-with-clawback",
                "--order-id",
                order["order_id"],
                "--openid",
                ALICE,
                "--refund-fee",
                "300",
                "--left-fee",
                "600",
                "--refund-order-id",
                refund_id,
                "--note",
                "complaint",
                *extra,
            ]
        )

    assert claw("CLAWREFUND01") == 0
    capsys.readouterr()
    assert claw("CLAWREFUND02", "--again") == 2  # the second operator saw 600: stale
    assert "left_fee" in capsys.readouterr().out
    assert refunds_at_wechat(sim, order["order_id"]) == 1
    refund = [
        *base, "refund", "--openid", ALICE, "--order-id", order["order_id"],
        "--refund-order-id", "CLIREFUND003", "--left-fee", "300", "--refund-fee", "100",
        "--reason", "1", "--note", "goodwill", "--biz-meta", "ticket-4711",
    ]  # fmt: skip
    assert main(refund) == 2  # within a minute of the first: needs --again
    assert "again" in capsys.readouterr().out
    assert main([*refund, "--again"]) == 0
    assert refunds_at_wechat(sim, order["order_id"]) == 2
    # 5. --biz-meta is what WeChat received
    sent = sim.state.db.execute(
        "SELECT biz_meta FROM orders WHERE order_id = 'CLIREFUND003'"
    ).fetchone()[0]
    assert sent == "ticket-4711"


async def test_biz_meta_defaults_to_the_note(sim, ops):
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    result = await ops.refund(
        order["order_id"], refund_fee=100, left_fee=600, reason="用户投诉 #12", request_key="bm1",
        openid=ALICE,
    )  # fmt: skip
    sent = sim.state.db.execute(
        "SELECT biz_meta FROM orders WHERE order_id = ?", (result.wechat_id,)
    ).fetchone()[0]
    assert sent == "用户投诉 #12"


async def test_a_bulk_gift_without_the_key_records_nothing(sim, http, mirror, tmp_path):
    from core.operations.bulk import plan_bulk, run_bulk

    sim.add_user(ALICE)
    path = tmp_path / "gifts.csv"
    path.write_text(f"{ALICE},5,补偿\n{ALICE},6,补偿\n", encoding="utf-8")
    broken = ops_without_sandbox_key(sim, http, mirror)
    with pytest.raises(ConfigError, match="sandbox_app_key"):
        await run_bulk(broken, plan_bulk(path, "gift"))
    assert intents(mirror) == [] and mirror.all("SELECT * FROM batches") == []
    assert balance(sim) == 0


async def test_a_bulk_gift_with_an_unwritable_audit_table_moves_no_money(
    sim, ops, mirror, tmp_path
):
    from core.operations.bulk import plan_bulk, run_bulk

    sim.add_user(ALICE)
    path = tmp_path / "gifts.csv"
    path.write_text(f"{ALICE},5,补偿\n", encoding="utf-8")
    break_audit_with_a_trigger(mirror)
    with pytest.raises(AuditUnwritable):
        await run_bulk(ops, plan_bulk(path, "gift"))
    assert intents(mirror) == [] and mirror.all("SELECT * FROM batches") == []
    assert balance(sim) == 0


def test_cli_the_reported_sequence_gives_nine_coins_not_eighteen(sim, tmp_path, capsys):
    """Profile without sandbox_app_key, gift: config error and nothing written; the operator
    fixes the profile and gifts again; resolve (every dashboard start runs it) sends nothing."""
    config = tmp_path / "p.toml"
    full = profile_toml(sim, db=str(tmp_path / "m.sqlite")) + 'role = "admin"\n'
    lacking = "\n".join(line for line in full.splitlines() if "sandbox_app_key" not in line)
    config.write_text(lacking + "\n", encoding="utf-8")
    sim.add_user(ALICE)
    base = ["--json", "--config", str(config)]
    gift = [*base, "gift", ALICE, "9", "--note", "补偿"]
    assert main([*gift, "--order-id", "CLININE00001"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "config"
    assert main([*gift, "--order-id", "SHORT01"]) == 2  # a bad id: refused, nothing written
    config.write_text(full, encoding="utf-8")
    assert main([*gift, "--order-id", "CLININE00002"]) == 0
    assert main([*base, "resolve"]) == 0 and main([*base, "pending"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"pending": []}
    assert balance(sim) == 9
