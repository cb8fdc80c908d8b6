"""Builds a ready client from a profile: one httpx pool, the stable-token cache, the env's keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from core.callbacks import CallbackKeys
from core.client import XPayClient
from core.profiles import Profile
from core.tokens import StableTokenCache

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def client_for(
    profile: Profile, http: httpx.AsyncClient, *, retry_backoff: float = 0.5
) -> XPayClient:
    tokens = StableTokenCache(
        http,
        appid=profile.appid,
        secret=profile.require_secret("secret"),
        api_base=profile.api_base,
    )
    return XPayClient(
        http,
        tokens=tokens,
        app_keys=profile.app_keys,
        env=profile.env,
        api_base=profile.api_base,
        retry_backoff=retry_backoff,
    )


@asynccontextmanager
async def open_client(
    profile: Profile,
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[XPayClient]:
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as http:
        yield client_for(profile, http)


def callback_keys(
    profile: Profile,
    *,
    token: str | None = None,
    aes_key: str | None = None,
    previous_aes_key: str | None = None,
    appid: str | None = None,
) -> CallbackKeys:
    """The push keys of a profile; explicit values (pasted by the operator) win."""
    aes = profile.secret("encoding_aes_key")
    previous = profile.secret("previous_encoding_aes_key")
    return CallbackKeys(
        token=token if token is not None else profile.require_secret("token").reveal(),
        encoding_aes_key=aes_key or (aes.reveal() if aes else None),
        appid=appid or profile.receiver_appid,
        previous_encoding_aes_key=previous_aes_key or (previous.reveal() if previous else None),
    )
