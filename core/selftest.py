"""The core half of `xpaydesk --self-test`: one round trip against the built-in simulator."""

from __future__ import annotations

import httpx

from core.callbacks import CallbackKeys, decode
from core.client import XPayClient
from core.environment import AppKeys, Env
from core.secret import Secret
from core.simulator import SimConfig, Simulator
from core.tokens import StableTokenCache


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
