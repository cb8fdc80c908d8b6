"""The core half of `xpaydesk --self-test`: Beijing's time zone from the bundled tzdata, and one
round trip against the built-in simulator."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import httpx

from core.callbacks import CallbackKeys, decode
from core.client import XPayClient
from core.environment import AppKeys, Env
from core.secret import Secret
from core.simulator import SimConfig, Simulator
from core.tokens import StableTokenCache


def beijing_zone_check() -> str:
    """Load Asia/Shanghai with the system zone database out of reach, as on Windows (which has
    none): it must come from the `tzdata` package. Raises ZoneInfoNotFoundError without it."""
    system = zoneinfo.TZPATH
    zoneinfo.reset_tzpath([])
    try:
        zone = zoneinfo.ZoneInfo.no_cache("Asia/Shanghai")
        offset = datetime(2026, 7, 1, tzinfo=zone).utcoffset()
    finally:
        zoneinfo.reset_tzpath(system)
    if offset != timedelta(hours=8):
        raise AssertionError(f"Asia/Shanghai is UTC{offset}, not UTC+08:00")
    import tzdata  # type: ignore[import-untyped,unused-ignore]

    return f"Asia/Shanghai UTC+08:00 from tzdata {tzdata.IANA_VERSION}"


async def simulator_round_trip() -> str:
    """Token, balance, gift, and a push decrypted: raises AssertionError on a wrong answer."""
    config = SimConfig()
    with Simulator(config, seed=1) as sim:
        key = sim.add_user("oSELFTEST000000000000000001")
        async with httpx.AsyncClient(timeout=5) as http:
            tokens = StableTokenCache(
                http, appid=config.appid, secret=Secret(config.secret), api_base=sim.url
            )
            client = XPayClient(
                http,
                tokens=tokens,
                env=Env.SANDBOX,
                api_base=sim.url,
                app_keys=AppKeys(Secret(config.app_key), Secret(config.sandbox_app_key)),
            )
            await tokens.get()
            before = await client.query_user_balance("oSELFTEST000000000000000001", session_key=key)
            gift = await client.present_currency(
                "oSELFTEST000000000000000001", 5, order_id="SELFTEST0001"
            )
            if (before.balance, gift.balance) != (0, 5):
                raise AssertionError(f"balance {before.balance} -> {gift.balance}")
        sim.user_pays("oSELFTEST000000000000000001", coins=600)
        wire = sim.delivered[-1]
        pc = sim.config.push
        result = decode(
            wire.query,
            wire.body,
            keys=CallbackKeys(
                token=pc.token, encoding_aes_key=pc.encoding_aes_key, appid=config.appid
            ),
        )
        if result.event is None or result.event.event != "xpay_coin_pay_notify":
            raise AssertionError("push did not decode to xpay_coin_pay_notify")
    return "token, balance, gift and push OK"
