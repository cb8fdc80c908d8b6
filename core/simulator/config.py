"""What the simulated WeChat knows about the merchant, and how it behaves (lifetimes, delays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PushConfig:
    """How pushes are produced: exactly as WeChat would send them to the merchant's server."""

    token: str = "XpayDemoPushToken2026"
    encoding_aes_key: str = "XpayDeskDemoEncodingAesKey0123456789abcdefg"
    mode: str = "safe"  # plaintext | compatible | safe
    format: str = "json"  # json | xml
    url: str | None = None  # POST each push here
    folder: Path | None = None  # or write <n>-<event>.query / .body files here


@dataclass
class SimConfig:
    appid: str = "wxd0e1m2o3d4e5m6o7"
    secret: str = "demo-app-secret-0000000000000000"
    app_key: str = "demo-production-app-key-00000001"
    sandbox_app_key: str = "demo-sandbox-app-key-000000000002"
    token_lifetime: int = 7200  # seconds an access_token lives
    session_key_lifetime: int = 3 * 24 * 3600  # unofficial, uncertain (reference §4.4)
    refund_delay: float = 2.0  # seconds from refund_order to the refund finishing
    refund_fail_rate: float = 0.0  # share of refunds that end in status 7
    bill_polls: int = 2  # how many 268490011 answers before download_bill gives a URL
    withdraw_delay: float = 5.0
    platform_fee_rate_permille: int = 100  # 10 % technical service fee on settled orders
    settle_after: int = 3 * 24 * 3600  # T+3 settlement
    push: PushConfig = field(default_factory=PushConfig)

    def __repr__(self) -> str:  # holds secrets
        return f"SimConfig(appid={self.appid!r})"
