"""WeChat's day is Beijing's day, on every computer: each day-sensitive path at a frozen clock of
23:30 and 00:30 Beijing time (15:30 and 16:30 UTC, the same UTC day) under non-China zones."""

from __future__ import annotations

import gzip
import os
import time
import zoneinfo
from datetime import date, datetime, timedelta

import httpx
import pytest

from core.beijing import BEIJING, beijing_day_bounds, beijing_today, yyyymmdd
from core.simulator import SimConfig, Simulator
from tests.simfixtures import client_for

LATE = int(datetime(2026, 11, 30, 23, 30, tzinfo=BEIJING).timestamp())  # 15:30 UTC, Nov 30
EARLY = int(datetime(2026, 12, 1, 0, 30, tzinfo=BEIJING).timestamp())  # 16:30 UTC, Nov 30
NOV30, DEC1 = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture(params=["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def local_tz(request):
    """The computer's zone for this test (time.tzset: date.today(), localtime() follow it)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def sim_at(now: int) -> Simulator:
    return Simulator(SimConfig(bill_polls=0), seed=3, clock=lambda: now)


def test_today_and_a_days_bounds_are_beijings(local_tz):
    assert (beijing_today(LATE), beijing_today(EARLY)) == (NOV30, DEC1)
    start, end = beijing_day_bounds(DEC1)
    assert (start, end - start) == (EARLY - 1800, 86400)
    assert beijing_day_bounds(NOV30)[1] == start and start <= EARLY < end
    assert yyyymmdd(DEC1) == 20261201


def test_simulator_ids_and_labels_are_beijing_time(local_tz):
    with sim_at(EARLY) as sim:
        order = sim.user_pays("oBeijing_000000000000000000001", coins=6)
        assert order["wx_order_id"].startswith("VPO261201003000")
        assert order["channel_order_id"].startswith("20261201")
        complaint = sim.add_complaint("oBeijing_000000000000000000001", order["order_id"])
        sim.state.update_complaint(complaint, entry={"operate_type": "MERCHANT_RESPONSE"})
        _, history = sim.state.complaint(complaint)
        assert history[-1]["operate_time"] == "2026-12-01T00:30:00+08:00"


async def test_todays_and_yesterdays_bills_at_half_past_midnight(local_tz):
    with sim_at(LATE) as sim:
        late = sim.user_pays("oBeijing_000000000000000000001", coins=6)
        sim.state.offset = EARLY - LATE
        early = sim.user_pays("oBeijing_000000000000000000001", coins=7)
        today = beijing_today(sim.state.now())
        sim.advance(86400)  # a day's bill exists once that Beijing day is over
        async with httpx.AsyncClient(timeout=5) as http:
            client = client_for(sim, http)
            bills = {}
            for day in (today - timedelta(days=1), today):
                url = (await client.download_bill(day, day)).url
                bills[day] = (await http.get(url)).content
    yesterday_text, today_text = (gzip.decompress(b).decode("gbk") for b in bills.values())
    assert late["order_id"] in yesterday_text and early["order_id"] not in yesterday_text
    assert early["order_id"] in today_text and late["order_id"] not in today_text


async def test_a_bill_for_a_beijing_day_not_over_yet_is_refused(local_tz):
    from core.errors import XPayError

    with sim_at(EARLY) as sim:  # 00:30 on Dec 1 in Beijing: still Nov 30 in UTC and LA
        async with httpx.AsyncClient(timeout=5) as http:
            client = client_for(sim, http)
            for begin in (NOV30, DEC1):
                with pytest.raises(XPayError) as caught:
                    await client.download_bill(begin, DEC1)
                assert caught.value.errcode == 268490002 and "20261201" in caught.value.errmsg
            assert (await client.download_bill(NOV30, NOV30)).url.startswith(sim.url)


async def test_the_daily_gift_limit_resets_at_beijing_midnight(local_tz, tmp_path):
    from core.mirror.db import Mirror
    from core.operations import PolicyRefused
    from tests.opsfixtures import make_ops

    now = [LATE]
    openid = "oBeijing_000000000000000000001"
    with (
        Simulator(SimConfig(), seed=3, clock=lambda: now[0]) as sim,
        Mirror(tmp_path / "m.sqlite", clock=lambda: now[0]) as mirror,
    ):
        http = httpx.AsyncClient(timeout=5)
        sim.add_user(openid)
        ops = make_ops(sim, http, mirror, role="support", limits={"daily_gift": 100})
        await ops.gift(openid, 80, reason="23:30", request_key="late")
        now[0] = LATE + 600  # 23:40, the same Beijing day
        with pytest.raises(PolicyRefused, match="today"):
            await ops.gift(openid, 80, reason="23:40", request_key="later")
        now[0] = EARLY  # 00:30: a new day in Beijing, still Nov 30 in UTC and Los Angeles
        await ops.gift(openid, 80, reason="00:30", request_key="early")
        await http.aclose()
        assert sim.state.query_user_balance(1, openid)["present_balance"] == 160


def test_demo_bill_covers_the_orders_paid_at_half_past_midnight(local_tz, tmp_path):
    from core.demo import start_demo
    from core.mirror.db import Mirror

    world = start_demo(users=12, orders=60, folder=tmp_path, clock=lambda: EARLY)
    try:
        live = [
            r["order_id"]
            for r in world.sim.state.db.execute(
                "SELECT order_id FROM orders WHERE paid_time = ?", (EARLY,)
            )
        ]
        assert len(live) == 5  # the demo's live payments, at 00:30 Beijing
        with Mirror(world.profile.mirror_path) as mirror:
            billed = {r[0] for r in mirror.all("SELECT id FROM statement_lines")}
        assert set(live) <= billed
    finally:
        world.stop()


def test_reconcile_presets_end_on_beijings_today(local_tz, qapp, qloop):
    from dashboard.context import AppContext
    from dashboard.pages.reconcile import ReconPage
    from dashboard.tasks import TaskRunner

    ctx = AppContext(TaskRunner())
    ctx.clock = lambda: EARLY
    page = ReconPage(ctx)
    periods = []
    for index in range(3):  # this month, last month, last 90 days
        page.preset.setCurrentIndex(index)
        periods.append((page.period().start, page.period().end))
    assert periods == [
        (DEC1, DEC1),
        (date(2026, 11, 1), NOV30),
        (DEC1 - timedelta(days=89), DEC1),
    ]


def test_orders_date_filter_ends_on_beijings_today(local_tz, qapp, qloop):
    from dashboard.context import AppContext
    from dashboard.pages.orders import OrdersPage
    from dashboard.tasks import TaskRunner

    ctx = AppContext(TaskRunner())
    ctx.clock = lambda: EARLY
    page = OrdersPage(ctx)
    page.use_dates.setChecked(True)
    filt = page.current_filter()
    assert page.until.date().toPython() == DEC1
    assert page.since.date().toPython() == date(2026, 11, 1)
    assert filt.since is not None and filt.until is not None
    assert filt.since <= EARLY < filt.until == beijing_day_bounds(DEC1)[1]


def test_asia_shanghai_loads_from_tzdata_with_no_system_zone_database():
    """Windows has no system zone database: the zone must come from the tzdata package."""
    from core.selftest import beijing_zone_check

    assert "tzdata" in beijing_zone_check()
    assert zoneinfo.TZPATH  # the system path is back afterwards


def test_the_zone_check_fails_without_tzdata(monkeypatch):
    import sys

    from core.selftest import beijing_zone_check

    for name in [n for n in sys.modules if n.split(".")[0] == "tzdata"] + ["tzdata"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
        beijing_zone_check()


def test_tzdata_is_a_declared_dependency():
    from importlib.metadata import requires

    assert any(r.split(";")[0].strip().startswith("tzdata") for r in requires("xpaydesk") or [])


def test_a_preset_is_recomputed_when_the_report_runs_in_a_window_left_open(qapp, qloop):
    from dashboard.context import AppContext
    from dashboard.pages.reconcile import ReconPage
    from dashboard.tasks import TaskRunner

    now = [LATE]
    ctx = AppContext(TaskRunner())
    ctx.clock = lambda: now[0]
    page = ReconPage(ctx)  # "this month" at 23:30 on Nov 30
    assert (page.period().start, page.period().end) == (date(2026, 11, 1), NOV30)
    now[0] = EARLY  # the window stays open past Beijing midnight
    page.run_report()
    assert (page.period().start, page.period().end) == (DEC1, DEC1)
    page.since.setDate(date(2026, 11, 3))  # a date typed by hand makes the period custom
    assert page.preset.currentIndex() == 3
    page.run_report()
    assert (page.period().start, page.period().end) == (date(2026, 11, 3), DEC1)


def test_the_orders_filter_reaches_a_new_beijing_day_in_a_window_left_open(qapp, qloop):
    from dashboard.context import AppContext
    from dashboard.pages.orders import OrdersPage
    from dashboard.tasks import TaskRunner

    now = [LATE]
    ctx = AppContext(TaskRunner())
    ctx.clock = lambda: now[0]
    page = OrdersPage(ctx)
    page.use_dates.setChecked(True)
    now[0] = EARLY
    filt = page.current_filter()
    assert filt.until is not None and filt.until > EARLY
    assert page.until.date().toPython() == DEC1
    page.until.setDate(date(2026, 11, 29))  # chosen by hand: kept
    now[0] = EARLY + 86400
    assert page.current_filter().until == beijing_day_bounds(date(2026, 11, 29))[1]
