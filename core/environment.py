"""env 0 = production (现网, AppKey), env 1 = sandbox (沙箱, sandbox AppKey). The key always
follows env; a request is never signed with the other environment's key (reference §1.3, §3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from core.errors import ConfigError
from core.secret import Secret
from core.vocabulary import word


class Env(IntEnum):
    PRODUCTION = 0
    SANDBOX = 1

    @classmethod
    def parse(cls, value: object) -> Env:
        names = {
            "production": cls.PRODUCTION,
            "prod": cls.PRODUCTION,
            "0": cls.PRODUCTION,
            "sandbox": cls.SANDBOX,
            "1": cls.SANDBOX,
        }
        env = names.get(str(value).strip().lower())
        if env is None:
            raise ConfigError("env 须为 production 或 sandbox", "env must be production or sandbox")
        return env

    @property
    def key_field(self) -> str:
        return "app_key" if self is Env.PRODUCTION else "sandbox_app_key"


@dataclass(frozen=True, slots=True)
class AppKeys:
    production: Secret | None = None
    sandbox: Secret | None = None

    def for_env(self, env: Env) -> str:
        key = self.production if env is Env.PRODUCTION else self.sandbox
        if not key:
            raise ConfigError(  # each half in its own language's glossary word
                f"缺少 {env.key_field}（{word('secret', env.key_field, 'zh_CN')}）",
                f"{env.key_field} is missing (the {word('secret', env.key_field, 'en')})",
            )
        return key.reveal()
