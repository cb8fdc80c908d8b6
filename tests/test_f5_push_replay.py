"""QA T1 8: a pasted push is not proof. One older than the replay window (a previous demo run's,
same demo keys) makes an order marked unverified ("pasted"); WeChat's "no such order" on refresh
marks it not found at WeChat. A fresh push and a refreshed order stay as they were. The
simulator over loopback is WeChat; the previous run is a second simulator with the same keys."""

from __future__ import annotations

import httpx
import pytest

from core.desk import Desk
from core.errors import XPayError
from core.mirror.db import Mirror
from core.operations import PolicyRefused
from core.profiles import load_profiles
from core.simulator import SimConfig, Simulator, profile_toml
from tests.simfixtures import ALICE, sim  # noqa: F401  (fixture)
from tests.test_complaints import complaints_for, paid_complaint


@pytest.fixture
def desk(sim, tmp_path):  # noqa: F811
    path = tmp_path / "profiles.toml"
    path.write_text(
        profile_toml(sim, db=str(tmp_path / "mirror.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    return Desk(load_profiles(path).get("demo"))


def source(desk: Desk, order_id: str) -> str:
    return str(desk.mirror.one("SELECT source FROM orders WHERE order_id = ?", order_id)["source"])


async def test_an_old_pasted_push_is_unverified_and_then_not_found_at_wechat(desk):
    with Simulator(SimConfig(), seed=11) as previous:  # yesterday's demo: same keys
        previous.state.offset = -1200  # 20 minutes ago
        order = previous.user_pays(ALICE, coins=600)
        push = previous.delivered[-1]
    try:
        assert desk.save_push(push.query, push.body)
        assert source(desk, order["order_id"]) == "pasted"
        with pytest.raises(XPayError) as caught:
            await desk.refresh_order(order["order_id"])
        assert caught.value.errcode == 268490002
        assert source(desk, order["order_id"]) == "not_found"
        assert desk.order_detail(order["order_id"])["order"]["source"] == "not_found"
    finally:
        await desk.close()


async def test_a_fresh_push_is_a_push_and_a_refresh_confirms_it(sim, desk):  # noqa: F811
    order = sim.user_pays(ALICE, coins=600)
    push = sim.delivered[-1]
    try:
        assert desk.save_push(push.query, push.body)
        assert source(desk, order["order_id"]) == "push"
        await desk.refresh_order(order["order_id"])
        assert source(desk, order["order_id"]) == "query_order"
    finally:
        await desk.close()


async def test_a_viewer_refused_a_complaint_answer_is_told_in_words(sim, tmp_path):  # noqa: F811
    """QA T1 9 (the same words everywhere): 角色「只读」, never "角色 只读 viewer"."""
    complaint_id = paid_complaint(sim, ALICE)
    with Mirror(tmp_path / "m.sqlite") as mirror:
        async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as http:
            c = complaints_for(sim, http, mirror, role="viewer")
            await c.sync()
            with pytest.raises(PolicyRefused) as caught:
                await c.respond(complaint_id, "你好")
    assert "只读" in caught.value.message_zh and "viewer" not in caught.value.message_zh
    assert caught.value.message_en.startswith("the viewer role cannot")
