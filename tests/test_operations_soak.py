"""A randomised soak: 1,000 mixed operations from 8 concurrent tasks against the simulator with
faults on (timeouts, resets, lost responses, 5xx, -1, rate limits, token expiry). Afterwards the
mirror's ledger and the simulator agree to the coin and the fen, and every operation is done,
failed with a reason, or listed as pending."""

from __future__ import annotations

import asyncio
import os
import random

import httpx
import pytest

from core.errors import XPayDeskError
from core.mirror.db import Mirror
from core.mirror.vault import SessionKeyVault, vault_key
from core.operations import Operations, Policy
from core.operations.session_keys import SessionKeyProvider
from core.simulator import SimConfig, Simulator
from tests.simfixtures import client_for

OPERATIONS = int(os.environ.get("XPAYDESK_SOAK_OPS", "1000"))
TASKS = 8
FAULTS = [
    ("timeout", {"delay": 0.6}),
    ("reset", {}),
    ("http_5xx", {"status": 502}),
    ("errcode_-1", {}),
    ("rate_limit", {}),
    ("token_expired", {}),
    ("lost_response", {}),
    ("latency", {"delay": 0.02}),
]


async def test_soak_ledger_and_simulator_agree(mirror_target):
    rng = random.Random(2026)
    with Simulator(SimConfig(refund_delay=0.05), seed=2026) as sim:
        users = [f"oSoakUser{n:019d}" for n in range(24)]
        orders: dict[str, list[dict]] = {u: [] for u in users}
        mirror = Mirror(mirror_target)  # a SQLite file, or a PostgreSQL database
        vault = SessionKeyVault(mirror, vault_key("soak"))
        for u in users:
            vault.store(u, sim.add_user(u), obtained_at=1, source="import")
            for _ in range(3):
                orders[u].append(sim.user_pays(u, coins=rng.choice([600, 1200, 3000])))
        for kind, options in FAULTS:
            sim.faults.add("*", kind, probability=0.015, **options)
        async with httpx.AsyncClient(timeout=httpx.Timeout(0.4)) as http:
            client = client_for(sim, http)
            ops = Operations(
                client,
                mirror,
                appid=sim.config.appid,
                profile="soak",
                operator="soak",
                session_keys=SessionKeyProvider(vault),
                policy=Policy.for_profile(
                    "admin", {"daily_gift": 10**9, "daily_deduct": 10**9, "daily_refund": 10**9}
                ),
            )
            counter = iter(range(OPERATIONS))
            refused: list[str] = []

            async def worker(w: int) -> None:
                local = random.Random(w)
                for n in counter:
                    user = local.choice(users)
                    kind = local.choices(["gift", "deduct", "cancel", "refund"], [4, 4, 1, 1])[0]
                    key = f"soak-{n}"
                    try:
                        if kind == "gift":
                            await ops.gift(
                                user,
                                local.randint(1, 50),
                                reason="soak",
                                request_key=key,
                                allow_repeat=True,
                            )
                        elif kind == "deduct":
                            await ops.deduct(
                                user,
                                local.randint(1, 30),
                                reason="soak",
                                request_key=key,
                                allow_repeat=True,
                            )
                        elif kind == "cancel":
                            done = mirror.one(
                                "SELECT wechat_id, amount FROM intents WHERE "
                                "action = 'deduct' AND state = 'done' AND openid = ? "
                                "ORDER BY random() LIMIT 1",
                                user,
                            )
                            if done is not None:
                                await ops.cancel_deduction(
                                    user,
                                    pay_order_id=done["wechat_id"],
                                    amount=done["amount"],
                                    reason="soak",
                                    request_key=key,
                                )
                        else:
                            order = local.choice(orders[user])
                            seen = sim.state.order_row(order["order_id"])["left_fee"]
                            await ops.refund(
                                order["order_id"],
                                refund_fee=local.randint(1, 100),
                                left_fee=seen,  # what the operator saw
                                allow_repeat=True,
                                reason="soak",
                                request_key=key,
                                openid=user,
                            )
                    except XPayDeskError as exc:  # refused with a reason: busy, left_fee...
                        refused.append(f"{kind}: {exc.kind}")

            await asyncio.gather(*(worker(w) for w in range(TASKS)))
            for _ in range(5):  # settle with the faults still on
                await ops.resolve(force=True)
            sim.faults.clear()
            for _ in range(20):
                await ops.resolve(force=True)
                if not ops.pending():
                    break
                await asyncio.sleep(0.1)
            assert ops.pending() == [], [(i.action, i.state, i.message) for i in ops.pending()]
        intents = [dict(r) for r in mirror.all("SELECT * FROM intents")]
        assert len(intents) + len(refused) >= OPERATIONS * 0.9
        assert all(i["state"] in ("done", "failed") for i in intents)
        assert all(i["message"] or i["errcode"] for i in intents if i["state"] == "failed")
        # the coin ledger and the simulator agree, op by op and to the coin
        for row in mirror.all("SELECT * FROM ledger"):
            op = sim.state.coin_op(1, row["order_id"])
            if row["status"] == "done":
                assert op is not None and op["amount"] == row["amount"], dict(row)
            else:
                assert row["status"] == "failed" and op is None, dict(row)
        for user in users:
            expected = sum(o["quantity"] for o in orders[user])
            for r in mirror.all(
                "SELECT kind, amount FROM ledger WHERE openid = ? AND status = 'done'", user
            ):
                expected += {"gift": 1, "deduct": -1, "cancel": 1}[r["kind"]] * r["amount"]
            assert sim.state.account(1, user)["balance"] == expected, user
        # and refunds agree to the fen
        ours = {
            r["wechat_id"]: r["amount"]
            for r in mirror.all(
                "SELECT wechat_id, amount FROM intents WHERE action = 'refund' AND state = 'done'"
            )
        }
        theirs = {
            r["order_id"]: r["refund_fee"]
            for r in sim.state.db.execute(
                "SELECT order_id, refund_fee FROM orders WHERE order_type = 1 AND status = 5"
            )
        }
        assert ours == theirs
        assert sum(sim.faults.hits.values()) > 20  # the faults really happened
        mirror.close()


@pytest.mark.slow
def test_soak_at_scale():
    import subprocess
    import sys

    env = {**os.environ, "XPAYDESK_SOAK_OPS": "5000"}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", __file__, "-p", "no:qt"],
        check=True,
        env=env,
    )
