"""QA T1 14: `balance` on a team profile needs no --session-key (the team server holds the key);
on a solo profile the stored key serves as well."""

from __future__ import annotations

from tests.cli_matrix import both, cli_fixture, team_login  # noqa: F401  (fixtures)
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)


@both("user_balance", "import_file")
def test_cli_balance_uses_the_stored_session_key(cli, capsys, tmp_path):
    openid = cli.openid()
    key = cli.sim.add_user(openid)
    cli.sim.user_pays(openid, coins=600)
    keys = tmp_path / "keys.csv"
    keys.write_text(f"openid,session_key\n{openid},{key}\n", encoding="utf-8")
    code, out = cli(capsys, "import", "session-keys", str(keys))
    assert code == 0, out
    code, out = cli(capsys, "balance", openid)  # no --session-key
    assert (code, out["balance"]) == (0, 600), out
