"""Operations wired to the simulator, on a mirror file (so other processes can share it)."""

from __future__ import annotations

import pytest

from core.mirror.db import Mirror
from core.mirror.vault import SessionKeyVault, vault_key
from core.operations import Operations, Policy
from core.operations.session_keys import SessionKeyProvider
from tests.simfixtures import client_for


def make_ops(
    sim, http, mirror, *, role: str = "admin", operator: str = "alice", limits: dict | None = None
) -> Operations:
    vault = SessionKeyVault(mirror, vault_key("test"))
    return Operations(
        client_for(sim, http),
        mirror,
        appid=sim.config.appid,
        profile="test",
        operator=operator,
        policy=Policy.for_profile(role, limits or {}),
        session_keys=SessionKeyProvider(vault),
    )


@pytest.fixture
def mirror(tmp_path):
    m = Mirror(tmp_path / "mirror.sqlite")
    yield m
    m.close()


@pytest.fixture
def ops(sim, http, mirror) -> Operations:
    return make_ops(sim, http, mirror)
