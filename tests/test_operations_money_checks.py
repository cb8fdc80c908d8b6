"""Checks made before the intent (QA support report #1, #4): a cancellation is bounded by what
its deduction took, and a session key pasted by the operator is checked for its format (and, for
a clawback, whether it is the user's current one) before anything is written or sent."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from core.secret import Secret
from tests.opsfixtures import make_ops, mirror_order
from tests.simfixtures import ALICE
from tests.test_refund_tracking import refund_elsewhere


def intents(mirror, action: str) -> int:
    return int(mirror.one("SELECT COUNT(*) FROM intents WHERE action = ?", action)[0])


async def test_a_cancellation_over_what_the_deduction_took_is_refused_before_the_intent(
    sim, ops, mirror
):
    key = sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=1000)
    ops.session_keys.vault.store(ALICE, key, obtained_at=mirror.now(), source="import")
    deduction = await ops.deduct(ALICE, 600, reason="误扣", request_key="d1")
    with pytest.raises(ValidationError) as caught:
        await ops.cancel_deduction(
            ALICE, pay_order_id=deduction.wechat_id, amount=700, reason="撤销", request_key="c1"
        )
    assert "600" in caught.value.message_en and "600" in caught.value.message_zh
    assert intents(mirror, "cancel_deduction") == 0  # nothing written, nothing sent
    assert sim.state.account(1, ALICE)["balance"] == 400
    done = await ops.cancel_deduction(
        ALICE, pay_order_id=deduction.wechat_id, amount=600, reason="撤销", request_key="c1"
    )
    assert done.state == "done" and sim.state.account(1, ALICE)["balance"] == 1000


async def test_a_malformed_pasted_session_key_is_refused_before_the_intent(sim, ops, mirror):
    sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=600)
    with pytest.raises(ValidationError) as caught:
        await ops.deduct(
            ALICE, 100, reason="r", request_key="d1", session_key=Secret("QA over clawback")
        )
    assert caught.value.field == "session_key" and "pasted" in caught.value.message_en
    assert "QA over clawback" not in caught.value.message_en + caught.value.message_zh
    assert intents(mirror, "deduct") == 0 and sim.state.account(1, ALICE)["balance"] == 600


async def test_a_clawback_with_a_wrong_pasted_key_blames_the_key_not_the_user(sim, http, mirror):
    ops = make_ops(sim, http, mirror)
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    mirror_order(mirror, order)
    refund_elsewhere(sim, mirror, order, "CONSOLE_REFUND_01", 600)
    with pytest.raises(ValidationError, match="pasted") as garbage:
        await ops.start_clawback(
            "CONSOLE_REFUND_01", reason="r", session_key=Secret("QA over clawback")
        )
    assert "log in" not in garbage.value.message_en
    well_formed_not_hers = Secret("bm90IHRoZSB1c2VyIGtleQ==")
    with pytest.raises(ValidationError, match="pasted") as stale:
        await ops.start_clawback("CONSOLE_REFUND_01", reason="r", session_key=well_formed_not_hers)
    assert "log in" not in stale.value.message_en
    assert intents(mirror, "clawback") == 0 and ops.pending() == []
    assert sim.state.account(1, ALICE)["balance"] == 600
