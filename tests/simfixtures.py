"""Fixtures that start the simulator on loopback and a real client against it."""

from __future__ import annotations

import httpx
import pytest

from core.client import XPayClient
from core.environment import AppKeys, Env
from core.secret import Secret
from core.simulator import SimConfig, Simulator
from core.tokens import StableTokenCache

ALICE = "oAlice_0000000000000000000001"
BOB = "oBob_00000000000000000000000002"


@pytest.fixture
def sim():
    with Simulator(SimConfig(refund_delay=0.2, bill_polls=2, withdraw_delay=0.2), seed=7) as s:
        yield s


def client_for(
    sim: Simulator,
    http: httpx.AsyncClient,
    *,
    env: Env = Env.SANDBOX,
    app_keys: AppKeys | None = None,
) -> XPayClient:
    c = sim.config
    tokens = StableTokenCache(http, appid=c.appid, secret=Secret(c.secret), api_base=sim.url)
    keys = app_keys or AppKeys(production=Secret(c.app_key), sandbox=Secret(c.sandbox_app_key))
    return XPayClient(
        http, tokens=tokens, app_keys=keys, env=env, api_base=sim.url, retry_backoff=0.01
    )


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as h:
        yield h


@pytest.fixture
def client(sim, http) -> XPayClient:
    return client_for(sim, http)
