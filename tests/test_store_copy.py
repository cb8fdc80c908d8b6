"""`xpaydesk-cli mirror copy --to postgresql://…`: a desktop's SQLite mirror becomes a team's
PostgreSQL store, audit chain included, and work goes on there."""

from __future__ import annotations

import json

from core.cli import main
from core.mirror import audit
from core.mirror.db import Mirror
from core.mirror.queries import count_orders, timeline
from core.mirror.records import upsert_orders
from core.simulator import profile_toml
from tests.simfixtures import ALICE
from tests.test_mirror import order_row


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_mirror_copy_moves_everything_and_the_chain_verifies(sim, tmp_path, capsys, pg_cluster):
    db = tmp_path / "desk.sqlite"
    url = pg_cluster.new_database()
    solo = tmp_path / "solo.toml"
    solo.write_text(profile_toml(sim, db=str(db)) + 'role = "admin"\n', encoding="utf-8")
    team = tmp_path / "team.toml"
    team.write_text(profile_toml(sim, db=url) + 'role = "admin"\n', encoding="utf-8")
    sim.add_user(ALICE)
    for n in (1, 2):
        base = ["--json", "--config", str(solo)]
        assert (
            main([*base, "gift", ALICE, str(n), "--order-id", f"COPYGIFT000{n}", "--note", "n"])
            == 0
        )
    capsys.readouterr()
    with Mirror(db) as desk:
        with desk.transaction():
            upsert_orders(desk, [order_row(n) for n in range(300)])
        rows_before = {t: desk.count(t) for t in ("orders", "ledger", "audit", "intents")}
        chain_before = audit.verify(desk)
    assert chain_before.ok and rows_before["audit"] >= 4

    assert main(["--json", "--config", str(solo), "mirror", "copy", "--to", url]) == 0
    copied = last_json(capsys)
    assert copied["audit"]["ok"] and copied["audit"]["rows"] == rows_before["audit"]
    assert "xpd@" in copied["to"]

    assert main(["--json", "--config", str(team), "audit", "verify"]) == 0
    assert last_json(capsys)["rows"] == rows_before["audit"]
    with Mirror(url) as shared:
        assert {t: shared.count(t) for t in rows_before} == rows_before
        assert count_orders(shared) == 300  # the trigger-kept counter follows the copy
        assert {e.kind for e in timeline(shared, ALICE)} >= {"gift"}

    # work goes on on the copy: new ids after the copied ones, the chain extended
    assert (
        main(
            [
                "--json",
                "--config",
                str(team),
                "gift",
                ALICE,
                "3",
                "--order-id",
                "COPYGIFT0003",
                "--note",
                "n",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--json", "--config", str(team), "audit", "verify"]) == 0
    assert last_json(capsys)["rows"] > rows_before["audit"]
    with Mirror(url) as shared:
        ids = [r[0] for r in shared.all("SELECT id FROM intents ORDER BY id")]
        assert ids == list(range(1, rows_before["intents"] + 2))


def test_mirror_copy_refuses_a_database_that_is_not_empty(sim, tmp_path, capsys, pg_cluster):
    db = tmp_path / "desk.sqlite"
    url = pg_cluster.new_database()
    solo = tmp_path / "solo.toml"
    solo.write_text(profile_toml(sim, db=str(db)) + 'role = "admin"\n', encoding="utf-8")
    with Mirror(db) as desk, desk.transaction():
        upsert_orders(desk, [order_row(n) for n in range(3)])
    base = ["--json", "--lang", "en", "--config", str(solo), "mirror", "copy", "--to", url]
    assert main(base) == 0
    capsys.readouterr()
    assert main(base) != 0
    assert "not empty" in capsys.readouterr().out
    with Mirror(url) as shared:
        assert count_orders(shared) == 3


def test_mirror_copy_needs_a_postgresql_url(sim, tmp_path, capsys):
    solo = tmp_path / "solo.toml"
    solo.write_text(profile_toml(sim, db=str(tmp_path / "d.sqlite")), encoding="utf-8")
    assert (
        main(["--json", "--lang", "en", "--config", str(solo), "mirror", "copy", "--to", "/tmp/x"])
        != 0
    )
    assert "postgresql://" in capsys.readouterr().out
