"""A faithful local simulator of WeChat's virtual-payment server: the demo, the training ground
and the test peer. Real HTTP on loopback; as strict as WeChat."""

import json

from core.simulator.config import PushConfig, SimConfig
from core.simulator.demo import DemoSummary, iter_orders, populate
from core.simulator.server import Simulator
from core.simulator.state import SimError, SimState

__all__ = [
    "DemoSummary",
    "PushConfig",
    "SimConfig",
    "SimError",
    "SimState",
    "Simulator",
    "iter_orders",
    "populate",
    "profile_toml",
]


def profile_toml(
    sim: Simulator,
    *,
    name: str = "demo",
    env: str = "sandbox",
    db: str | None = None,
    mirror_key: str | None = None,
) -> str:
    """A profiles.toml pointing at this simulator. The keys are the simulator's demo keys, not
    anyone's real secrets, so keeping them in the file is fine here."""
    c = sim.config
    lines = [
        f'default_profile = "{name}"',
        "",
        f"[profiles.{name}]",
        f'appid = "{c.appid}"',
        f'env = "{env}"',
        f'api_base = "{sim.url}"',
        "coin_rate = 100",
        f'app_key = "{c.app_key}"',
        f'sandbox_app_key = "{c.sandbox_app_key}"',
        f'secret = "{c.secret}"',
        f'token = "{c.push.token}"',
        f'encoding_aes_key = "{c.push.encoding_aes_key}"',
    ]
    if db:
        lines.append(f"db = {json.dumps(db)}")  # a TOML basic string: Windows backslashes escaped
    if mirror_key:
        lines.append(f'mirror_key = "{mirror_key}"')
    return "\n".join(lines) + "\n"
