"""Safe money-moving operations: intent journal, idempotency, locks, policy, crash recovery,
refunds with coin clawback, bulk actions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from core.connect import DEFAULT_TIMEOUT, client_for
from core.mirror.db import Mirror
from core.mirror.vault import SessionKeyVault, vault_key
from core.operations.engine import Operations, OpResult, RepeatSuspected, coins_to_claw_back
from core.operations.journal import Busy, Intent
from core.operations.policy import Policy, PolicyRefused
from core.operations.session_keys import SessionKeyProvider
from core.profiles import Profile

__all__ = [
    "Busy",
    "Intent",
    "OpResult",
    "Operations",
    "Policy",
    "PolicyRefused",
    "RepeatSuspected",
    "coins_to_claw_back",
    "open_operations",
    "operations_for",
]


def operations_for(profile: Profile, mirror: Mirror, http: httpx.AsyncClient) -> Operations:
    vault = SessionKeyVault(mirror, vault_key(profile))
    keys = SessionKeyProvider(
        vault, http=http, url=profile.session_key_url, token=profile.secret("session_key_token")
    )
    return Operations(
        client_for(profile, http),
        mirror,
        appid=profile.appid,
        profile=profile.name,
        operator=profile.operator,
        policy=Policy.for_profile(profile.role, profile.limits),
        session_keys=keys,
        coin_rate=profile.coin_rate,
    )


@asynccontextmanager
async def open_operations(
    profile: Profile, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Operations]:
    with Mirror(profile.mirror_path) as mirror:
        async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, transport=transport) as http:
            yield operations_for(profile, mirror, http)
