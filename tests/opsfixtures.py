"""Operations wired to the simulator, on a mirror file (so other processes can share it)."""

from __future__ import annotations

import pytest

from core.mirror.db import Mirror
from core.mirror.records import upsert_orders
from core.mirror.vault import SessionKeyVault, vault_key
from core.operations import Operations, Policy
from core.operations.session_keys import SessionKeyProvider
from tests.simfixtures import ALICE, client_for


def make_ops(
    sim, http, mirror, *, role: str = "admin", operator: str = "alice", limits: dict | None = None
) -> Operations:
    vault = SessionKeyVault(mirror, vault_key("test"))
    return Operations(
        client_for(sim, http),
        mirror,
        appid=sim.config.appid,
        profile="test",
        operator=operator,
        policy=Policy.for_profile(role, limits or {}),
        session_keys=SessionKeyProvider(vault),
    )


def mirror_order(mirror, order, *, kind="coin", quantity=600, paid=600) -> None:
    """The mirror learns Alice's paid order `order` (as the simulator returned it), as an import
    would have brought it."""
    upsert_orders(
        mirror,
        [
            {
                "order_id": order["order_id"],
                "openid": ALICE,
                "kind": kind,
                "product_id": kind,
                "quantity": quantity,
                "order_fee": paid,
                "paid_fee": paid,
                "left_fee": paid,
                "status": 4,
                "env": 1,
                "create_time": order["create_time"],
                "paid_time": order["paid_time"],
                "source": "test",
            }
        ],
    )


@pytest.fixture
def mirror(mirror_target):
    """On each store: a SQLite file, a fresh PostgreSQL database (tests/conftest.py)."""
    m = Mirror(mirror_target)
    yield m
    m.close()


@pytest.fixture
def ops(sim, http, mirror) -> Operations:
    return make_ops(sim, http, mirror)


def refund_all_with_clawback(ops, order_id: str, request_key: str):
    """The coroutine refunding all 600 fen of Alice's order `order_id`, clawing the coins back."""
    return ops.refund(
        order_id,
        refund_fee=600,
        left_fee=600,
        reason="r",
        request_key=request_key,
        openid=ALICE,
        clawback=True,
    )


async def clawback_waiting_for_login(sim, ops, mirror, request_key: str):
    """Alice pays 600 coins, the desk's key for her goes stale, and her order is refunded with a
    clawback: the clawback waits for her to log in again. Returns the refund and the clawback."""
    old = sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    ops.session_keys.vault.store(ALICE, old, obtained_at=mirror.now() - 10, source="import")
    sim.state.relogin(ALICE)  # the stored key is now stale
    result = await refund_all_with_clawback(ops, order["order_id"], request_key)
    await ops.wait_for_refund(result.intent_id, timeout=10)
    (claw,) = ops.journal.children(result.intent_id)
    return result, claw
