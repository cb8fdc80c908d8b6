"""The team server's store at rest and each operator's own limits: TOTP secrets sealed with the
profile's mirror key (SQLite and PostgreSQL, read raw), never in a listing or an error; limits set
per operator on the command line, counted in the database, refused by a real server process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.mirror.db import Mirror
from core.server import store
from core.server.config import load_config
from tests.serverfixtures import (
    TeamServer,
    server_cli,
    start_server,
    stop_server,
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)
from tests.simfixtures import ALICE

API = "/api/v1"


cli = server_cli


def enrol(config: Path, name: str, role: str, *limits: str) -> store.Enrolment:
    extra = [a for item in limits for a in ("--limit", item)]
    made = cli("operator", "add", name, "--role", role, "--json", *extra, "--config", str(config))
    assert made.returncode == 0, made.stderr
    return store.Enrolment(**json.loads(made.stdout))


def raw_operators(target: Path | str) -> list[dict[str, object]]:
    with Mirror(target) as mirror:
        return [dict(r) for r in mirror.all("SELECT * FROM srv_operators ORDER BY name")]


def start(folder: Path, config: Path, target: Path | str, before: dict[str, str]) -> TeamServer:
    """Operators written straight into the store before the server starts (no key at hand:
    plaintext, as every row was before sealing), then a real server process."""
    with Mirror(target) as mirror:
        store.create_tables(mirror)
        people = {n: store.add_operator(mirror, n, r) for n, r in before.items()}
    proc, url = start_server(config)
    return TeamServer(url, folder, config, target, proc, people)


def check_sealed_and_logins(team: TeamServer) -> None:
    team.people["cli-op"] = enrol(team.config, "cli-op", "support")
    reset = cli("operator", "reset", "old-fin", "--json", "--config", str(team.config))
    assert reset.returncode == 0, reset.stderr
    team.people["old-fin"] = store.Enrolment(**json.loads(reset.stdout))
    rows = raw_operators(team.mirror_path)
    assert {r["name"] for r in rows} == set(team.people)
    for row in rows:
        secret = team.people[str(row["name"])].totp_secret
        assert all(secret not in str(value) for value in row.values()), row["name"]
        assert str(row["totp_secret"]).startswith(store.SEALED)
    with team.client() as http:
        for name in team.people:
            r = team.login(http, name)
            assert r.status_code == 200, (name, r.text)


@pytest.fixture(scope="module")
def secured(team_sim, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("secured")
    config = write_config(folder, team_sim)
    team = start(
        folder, config, folder / "team.sqlite", {"old-sup": "support", "old-fin": "finance"}
    )
    yield team
    err = stop_server(team.proc)
    assert "Traceback" not in err, err


def test_totp_secrets_are_sealed_at_rest_on_sqlite_and_logins_still_work(secured):
    check_sealed_and_logins(secured)


def test_totp_secrets_are_sealed_at_rest_on_postgresql_and_logins_still_work(
    team_sim,  # noqa: F811
    tmp_path,
    pg_cluster,
):
    url = pg_cluster.new_database()
    config = write_config(tmp_path, team_sim, db=url)
    team = start(tmp_path, config, url, {"old-sup": "support", "old-fin": "finance"})
    try:
        check_sealed_and_logins(team)
    finally:
        err = stop_server(team.proc)
    assert "Traceback" not in err, err


def test_a_secret_written_without_the_key_is_sealed_at_init(team_sim, tmp_path):  # noqa: F811
    config = write_config(tmp_path, team_sim)
    target = tmp_path / "team.sqlite"
    with Mirror(target) as mirror:
        store.create_tables(mirror)
        plain = store.add_operator(mirror, "plain", "viewer")
    assert raw_operators(target)[0]["totp_secret"] == plain.totp_secret  # as before sealing
    done = cli("init", "--config", str(config))
    assert done.returncode == 0, done.stderr
    (row,) = raw_operators(target)
    assert str(row["totp_secret"]).startswith(store.SEALED)
    assert plain.totp_secret not in str(row)


def test_no_secret_in_listings_reprs_or_errors(secured):
    enrolment = secured.people["old-sup"]
    listed = cli("operator", "list", "--json", "--config", str(secured.config))
    assert listed.returncode == 0, listed.stderr
    assert {o["name"] for o in json.loads(listed.stdout)} >= {"old-sup", "old-fin"}
    assert enrolment.totp_secret not in listed.stdout and store.SEALED not in listed.stdout
    assert enrolment.totp_secret not in repr(enrolment) and enrolment.password not in repr(
        enrolment
    )
    seal = store.TotpSeal(bytes(range(32)))
    assert repr(seal) == "TotpSeal(***)"
    other = store.TotpSeal(bytes(32))
    with pytest.raises(ConfigError) as caught:
        other.open("old-sup", seal.seal("old-sup", enrolment.totp_secret))
    assert enrolment.totp_secret not in str(caught.value)
    assert "does not decrypt" in caught.value.message("en")


def test_a_store_sealed_under_another_key_is_refused_clearly(secured, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    text = (secured.folder / "profiles.toml").read_text(encoding="utf-8")
    key_line = next(line for line in text.splitlines() if line.startswith("mirror_key"))
    (other / "profiles.toml").write_text(
        text.replace(key_line, 'mirror_key = "' + "B" * 43 + '="'), encoding="utf-8"
    )
    (other / "server.toml").write_text(secured.config.read_text(encoding="utf-8"), encoding="utf-8")
    done = cli("init", "--config", str(other / "server.toml"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "does not decrypt" in done.stderr
    assert all(p.totp_secret not in done.stderr for p in secured.people.values())


# ---- each operator's own limits ---------------------------------------------------------------


def test_the_strictest_of_role_server_toml_and_own_limits_wins(secured):
    config = load_config(secured.config)  # [limits.support] gift = 1800 (the default is 2000)
    assert config.policy("support").limits.gift == 1800
    own = config.policy("support", own={"gift": 500, "daily_gift": 999_999, "deduct": 100})
    assert (own.limits.gift, own.limits.daily_gift, own.limits.deduct) == (500, 20_000, 100)
    assert config.policy("support", own={"gift": 5000}).limits.gift == 1800  # never raised
    with Mirror(secured.mirror_path) as mirror:
        store.set_limits(mirror, "old-sup", {"refund": 70})
        assert store.policy_for(mirror, config, "old-sup", "support").limits.refund == 70
        assert store.policy_for(mirror, config, "old-fin", "finance") == config.policy("finance")


def test_limits_are_set_on_the_command_line_and_listed(secured):
    lena = enrol(secured.config, "lena", "support", "gift=500", "daily_gift=700")
    secured.people["lena"] = lena
    listed = cli("operator", "list", "--json", "--config", str(secured.config))
    (row,) = [o for o in json.loads(listed.stdout) if o["name"] == "lena"]
    assert row["limits"] == {"daily_gift": 700, "gift": 500}
    text = cli("operator", "list", "--config", str(secured.config)).stdout
    # role and state are said in the CLI's language (test_server_cli checks the words)
    (line,) = [x for x in text.splitlines() if x.startswith("lena\t")]
    assert line.split("\t")[-1] == "daily_gift=700 gift=500"
    changed = cli(
        "operator",
        "limits",
        "lena",
        "--limit",
        "deduct=50",
        "--json",
        "--config",
        str(secured.config),
    )
    assert json.loads(changed.stdout)["limits"] == {"daily_gift": 700, "deduct": 50, "gift": 500}


def test_a_bad_limit_is_a_clear_error_and_writes_nothing(secured):
    for bad in ("gift", "gift=-1", "gift=1.5", "tips=5"):
        done = cli(
            "operator",
            "add",
            "bad",
            "--role",
            "support",
            "--limit",
            bad,
            "--config",
            str(secured.config),
        )
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert "error: " in done.stderr and "limit" in done.stderr
    assert "bad" not in {str(r["name"]) for r in raw_operators(secured.mirror_path)}
    unknown = cli(
        "operator", "limits", "nobody", "--limit", "gift=1", "--config", str(secured.config)
    )
    assert unknown.returncode != 0 and "no operator nobody" in unknown.stderr


def test_an_operators_own_limit_refuses_a_gift_the_role_allows(secured, team_sim):  # noqa: F811
    enrolment = enrol(secured.config, "olga", "support", "gift=500", "daily_gift=700")
    secured.people["olga"] = enrolment
    team_sim.add_user(ALICE)
    auth = secured.token("olga")

    def gift(amount: int, key: str) -> int:
        body = {"openid": ALICE, "amount": amount, "reason": "r", "request_key": key}
        with secured.client() as http:
            r = http.post(f"{API}/gift", headers=auth, json=body)
        return r.status_code

    assert gift(600, "olga-1") == 403  # support may gift 1800 here; olga's own limit is 500
    assert gift(400, "olga-2") == 200
    assert gift(400, "olga-3") == 403  # her own 700 a day, counted in the database
    with Mirror(secured.mirror_path) as mirror:
        refused = mirror.all(
            "SELECT params, result FROM audit WHERE action = 'refused' AND operator = 'olga' ORDER BY id"
        )
    assert len(refused) == 2
    assert "per-action limit" in str(refused[0]["result"])
    assert "today" in str(refused[1]["result"])


def test_an_approved_request_still_passes_the_requesters_own_daily_limit(secured, team_sim):  # noqa: F811
    secured.people["omar"] = enrol(
        secured.config, "omar", "support", "gift=1500", "daily_gift=2000"
    )
    secured.people.setdefault("fay", enrol(secured.config, "fay", "finance"))
    team_sim.add_user(ALICE)
    before = team_sim.state.account(1, ALICE)["balance"]
    body = {"openid": ALICE, "reason": "r"}
    with secured.client() as http:
        asked = http.post(
            f"{API}/gift",
            headers=secured.token("omar"),
            json={**body, "amount": 1200, "request_key": "omar-big"},
        )
        assert asked.status_code == 202, asked.text  # above [approval] gift = 1000: it waits
        direct = http.post(
            f"{API}/gift",
            headers=secured.token("omar"),
            json={**body, "amount": 900, "request_key": "omar-small"},
        )
        assert direct.status_code == 200, direct.text  # 900 of omar's 2000 today
        approved = http.post(
            f"{API}/approvals/{asked.json()['approval']['id']}/approve",
            headers=secured.token("fay"),
            json={"reason": "ok"},
        )
    assert approved.status_code == 403, approved.text  # 900 + 1200 is over omar's own 2000
    assert team_sim.state.account(1, ALICE)["balance"] == before + 900
