"""The CLI end-to-end tests over both kinds of profile. `cli` is a solo profile (this desktop's
mirror, the simulator as WeChat) or a team profile (a REAL team server process over the
simulator, tests/serverfixtures.py, logged in once per module with `xpaydesk-cli login`): the same
verbs, the same assertions on the same simulator state.

A team half runs only what the team desk (core.remote.RemoteDesk) offers: each test names the desk
methods its verbs call (`@both("gift", "pending")`), and its team half is an xfail(strict=False)
while RemoteDesk lacks any of them, switching itself on as the slices land."""

from __future__ import annotations

import io
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest

from core.cli import main
from core.mirror.db import Mirror
from core.profiles import TeamProfile, load_profiles
from core.remote.desk import RemoteDesk
from core.remote.session import TokenKeeper, Tokens
from core.secret import Secret
from core.simulator import Simulator, profile_toml
from tests.conftest import MemoryKeyring
from tests.serverfixtures import TeamServer
from tests.simfixtures import ALICE

ROLE_OPERATORS = {"viewer": "vera", "support": "sam", "finance": "fay", "admin": "ada"}
OPERATOR = "ada"  # the admin of tests/serverfixtures.py's team: every verb is allowed
_openids = itertools.count(1)


@dataclass
class Cli:
    kind: str  # solo | team
    config: Path
    sim: Simulator
    team: TeamServer | None = None
    users: int = 0

    def __call__(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
        code = main(["--json", "--config", str(self.config), *args])
        captured = capsys.readouterr()
        return code, json.loads(captured.out) if captured.out.strip() else None

    def openid(self) -> str:
        """A user of this test's own: first ALICE on a solo profile (a fresh simulator each
        test); on the team server, whose simulator the module's tests share, always a new one."""
        self.users += 1
        if self.team is None and self.users == 1:
            return ALICE
        return f"oMatrix_{next(_openids):022d}"

    def as_role(self, role: str, folder: Path) -> Cli:
        """The same desk as an operator of `role`: a solo profile saying that role, or on the
        team server its operator of that role (tests/serverfixtures.py), their session in the
        keyring as `xpaydesk-cli login` keeps it."""
        config = folder / f"{role}.toml"
        if self.team is None:
            config.write_text(profile_toml(self.sim) + f'role = "{role}"\n', encoding="utf-8")
            return Cli("solo", config, self.sim)
        name = ROLE_OPERATORS[role]
        config.write_text(
            f'default_profile = "office"\n\n[profiles.office]\nserver = "{self.team.url}"\n'
            f'operator = "{name}"\n',
            encoding="utf-8",
        )
        token = self.team.token(name)["Authorization"].split(" ", 1)[1]
        profile = TeamProfile(name="office", server=self.team.url, operator=name)
        kept = Tokens(Secret(token), Secret("not-used"), time.time() + 3600)
        assert TokenKeeper(profile).save(kept)
        return Cli("team", config, self.sim, self.team)

    def mirror(self) -> Mirror:
        """The mirror the verbs recorded into: this desktop's, or the team server's."""
        if self.team is not None:
            return self.team.mirror()
        return Mirror(load_profiles(self.config).get(None).mirror_path)


def team_lacks(*methods: str) -> list[str]:
    return [m for m in methods if not hasattr(RemoteDesk, m)]  # a method or a property


def both(*methods: str, gap: str = "") -> pytest.MarkDecorator:
    """Runs the test on a solo and a team profile; the team half is an expected failure while
    RemoteDesk lacks one of `methods` (the desk methods the test's verbs call), or while the
    known `gap` (what the team side does not do like the solo one yet) is open."""
    missing = team_lacks(*methods)
    reasons = ([f"RemoteDesk lacks {', '.join(missing)}"] if missing else []) + (
        [gap] if gap else []
    )
    team_marks = [pytest.mark.xfail(strict=False, reason="; ".join(reasons))] if reasons else []
    return pytest.mark.parametrize(
        "cli", ["solo", pytest.param("team", marks=team_marks)], indirect=True
    )


@dataclass
class TeamLogin:
    config: Path
    entries: dict[tuple[str, str], str]  # the keyring's entries after the login


@pytest.fixture(scope="module")
def team_login(request: pytest.FixtureRequest) -> Iterator[TeamLogin]:
    """`xpaydesk-cli login` once for the module (a TOTP code is spent once): the tokens it kept
    in the keyring are handed to each test's own keyring, and taken back after it (a quiet
    refresh rotates them)."""
    team: TeamServer = request.getfixturevalue("team")
    folder = team.folder / "desktop"
    folder.mkdir(exist_ok=True)
    config = folder / "profiles.toml"
    config.write_text(
        f'default_profile = "office"\n\n[profiles.office]\nserver = "{team.url}"\n'
        f'operator = "{OPERATOR}"\n',
        encoding="utf-8",
    )
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdin", io.StringIO(team.people[OPERATOR].password + "\n"))
            code = main(
                [
                    *("--json", "--config", str(config), "login", "--password-stdin"),
                    *("--totp", team.code(OPERATOR)),
                ]
            )
    finally:
        keyring.set_keyring(previous)
    assert code == 0 and ring.store
    yield TeamLogin(config, dict(ring.store))


@pytest.fixture(name="cli")
def cli_fixture(
    request: pytest.FixtureRequest, tmp_path: Path, memory_keyring: MemoryKeyring
) -> Iterator[Cli]:
    if request.param == "solo":
        sim: Simulator = request.getfixturevalue("sim")
        path = tmp_path / "profiles.toml"
        # an admin, as the team half's operator: the same verbs are allowed on both
        path.write_text(profile_toml(sim) + 'role = "admin"\n', encoding="utf-8")
        yield Cli("solo", path, sim)
        return
    login: TeamLogin = request.getfixturevalue("team_login")
    memory_keyring.store.update(login.entries)
    yield Cli(
        "team",
        login.config,
        request.getfixturevalue("team_sim"),
        request.getfixturevalue("team"),
    )
    login.entries.update({k: v for k, v in memory_keyring.store.items() if k in login.entries})
