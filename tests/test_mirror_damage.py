"""A mirror that existed and is now missing, empty, not SQLite or damaged is reported with its
path, and nothing moves money until the operator restores a backup or starts a new mirror
explicitly. A brand-new path still gets a mirror silently."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest

from core.cli import main
from core.mirror.db import Mirror
from core.mirror.health import MirrorDamaged, check, marker_path
from core.simulator import profile_toml
from tests.opsfixtures import make_ops
from tests.simfixtures import ALICE


@pytest.fixture
def setup(sim, tmp_path):
    db = tmp_path / "data" / "shop.sqlite"
    config = tmp_path / "p.toml"
    config.write_text(profile_toml(sim, db=str(db)) + 'role = "admin"\n', encoding="utf-8")
    sim.add_user(ALICE)
    return config, db


def cli(capsys, config, *args):
    code = main(["--json", "--lang", "en", "--config", str(config), *args])
    out = capsys.readouterr().out
    return code, json.loads(out.strip().splitlines()[-1]) if out.strip() else None


def gift(capsys, config, order_id):
    return cli(capsys, config, "gift", ALICE, "5", "--order-id", order_id, "--note", "t")


def balance(sim):
    return sim.state.account(1, ALICE)["balance"]


def test_a_brand_new_path_gets_a_mirror_silently(sim, setup, capsys):
    config, db = setup
    assert not db.exists()
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    assert balance(sim) == 5 and db.stat().st_size > 0 and marker_path(db).exists()


def test_a_gift_after_the_mirror_was_emptied_is_refused_and_moves_no_coins(sim, setup, capsys):
    config, db = setup
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    db.write_bytes(b"")  # emptied (a sync tool, a full disk, a bad restore)
    code, out = gift(capsys, config, "GIFTDAMAGE0002")
    assert code == 2 and out["error"]["kind"] == "mirror_damaged"
    assert str(db) in out["error"]["message"] and "empty (0 bytes)" in out["error"]["message"]
    assert "mirror new --force" in out["error"]["message"]
    assert balance(sim) == 5  # nothing moved
    assert db.stat().st_size == 0  # and the file was left as it was found
    code, out = cli(capsys, config, "audit", "verify")
    assert (
        code == 2
        and out["error"]["kind"] == "mirror_damaged"
        and str(db) in out["error"]["message"]
    )
    code, out = cli(capsys, config, "pending")
    assert code == 2 and out["error"]["kind"] == "mirror_damaged"


def test_a_mirror_deleted_after_it_existed_is_reported_missing(sim, setup, capsys):
    config, db = setup
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    db.unlink()
    code, out = gift(capsys, config, "GIFTDAMAGE0002")
    assert code == 2 and "is missing" in out["error"]["message"] and balance(sim) == 5
    assert not db.exists()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "m.sqlite"
    path.write_bytes(b"PK\x03\x04 this is a zip file, not a mirror" * 50)
    with pytest.raises(MirrorDamaged, match="not a SQLite database") as caught:
        Mirror(path)
    assert caught.value.path == path and "备份" in caught.value.message_zh


def _damage_root_page(path, table: str) -> None:
    with Mirror(path) as healthy:
        healthy.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = healthy.one("SELECT rootpage FROM sqlite_master WHERE name = ?", table)[0]
        page_size = healthy.one("PRAGMA page_size")[0]
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)


@pytest.mark.parametrize("table", ["intents", "audit", "orders"])
def test_page_level_damage_is_a_clear_refusal(tmp_path, table):
    path = tmp_path / "m.sqlite"
    _damage_root_page(path, table)
    with pytest.raises(MirrorDamaged, match="damaged at page level"):
        Mirror(path)
    report = check(path)
    assert report.state == "damaged" and report.problems


def test_page_damage_in_a_cli_run_is_said_without_a_traceback(sim, setup, capsys):
    config, db = setup
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    _damage_root_page(db, "audit")
    for args in (
        ["gift", ALICE, "5", "--order-id", "GIFTDAMAGE0002", "--note", "t"],
        ["audit", "verify"],
        ["mirror", "check"],
    ):
        run = subprocess.run(
            [sys.executable, "-m", "core", "--lang", "en", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        assert "Traceback" not in run.stderr and str(db) in run.stdout + run.stderr
    assert balance(sim) == 5


def test_mirror_new_moves_the_broken_file_aside_and_starts_over(sim, setup, capsys):
    config, db = setup
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    db.write_bytes(b"")
    code, out = cli(capsys, config, "mirror", "check")
    assert (code, out["state"]) == (2, "empty")
    code, out = cli(capsys, config, "mirror", "new")  # without --force: says, changes nothing
    assert code == 2 and out["done"] is False and db.stat().st_size == 0
    code, out = cli(capsys, config, "mirror", "new", "--force")
    assert code == 0 and out["done"] is True
    (kept,) = db.parent.glob("shop.sqlite.broken-*[0-9TZ]")
    assert kept.stat().st_size == 0 and out["moved_to"] == str(kept)  # kept, never deleted
    assert gift(capsys, config, "GIFTDAMAGE0002")[0] == 0 and balance(sim) == 10
    code, out = cli(capsys, config, "audit", "verify")
    assert code == 0 and out["rows"] >= 2  # the decision is the new log's first row
    with Mirror(db) as mirror:
        assert mirror.one("SELECT action FROM audit ORDER BY id LIMIT 1")[0] == "mirror_new"


def test_mirror_new_refuses_to_replace_an_intact_mirror(sim, setup, capsys):
    config, db = setup
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    code, out = cli(capsys, config, "mirror", "new", "--force")
    assert code == 2 and "intact" in out["error"]["message"]
    assert not list(db.parent.glob("*.broken-*"))


def test_mirror_restore_puts_a_checked_backup_in_place(sim, setup, capsys, tmp_path):
    config, db = setup
    assert gift(capsys, config, "GIFTDAMAGE0001")[0] == 0
    backup = tmp_path / "backup.sqlite"
    with Mirror(db) as mirror:
        mirror.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(db, backup)
    db.write_bytes(b"\x00" * 4096)
    bad_backup = tmp_path / "bad.sqlite"
    bad_backup.write_bytes(b"")
    code, out = cli(capsys, config, "mirror", "restore", str(bad_backup), "--force")
    assert code == 2 and "cannot be used (empty" in out["error"]["message"]
    code, out = cli(capsys, config, "mirror", "restore", str(tmp_path / "nope"), "--force")
    assert code == 2 and "no such file" in out["error"]["message"]
    code, out = cli(capsys, config, "mirror", "restore", str(backup), "--force")
    assert code == 0 and out["moved_to"]
    code, out = cli(capsys, config, "audit", "verify")
    assert code == 0 and out["rows"] >= 2
    assert gift(capsys, config, "GIFTDAMAGE0001")[1]["state"] == "done"  # the same gift: known
    assert balance(sim) == 5


def _open(path, errors: list) -> None:
    try:
        Mirror(path).close()
    except BaseException as exc:  # collected for the assertion
        errors.append(exc)


def test_six_openers_of_a_new_mirror_all_see_it_whole(tmp_path):
    for round_ in range(10):
        path = tmp_path / f"new{round_}.sqlite"
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_open, args=(path, errors)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert not [p for p in tmp_path.iterdir() if ".new-" in p.name]  # no leftovers
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()


def test_a_creation_killed_midway_leaves_nothing_behind_for_long(tmp_path, dead_pid):
    dead = tmp_path / f".m.sqlite.new-{dead_pid}-abcd1234"
    live = tmp_path / f".m.sqlite.new-{os.getpid()}-abcd1234"
    for leftover in (dead, live):
        leftover.write_bytes(b"SQLite format 3\x00")
    Mirror(tmp_path / "m.sqlite").close()
    assert not dead.exists() and live.exists()


async def test_a_mirror_emptied_while_open_moves_no_more_money(sim, http, tmp_path):
    sim.add_user(ALICE)
    path = tmp_path / "m.sqlite"
    mirror = Mirror(path)
    try:
        ops = make_ops(sim, http, mirror)
        assert (await ops.gift(ALICE, 2, reason="r", request_key="w1")).state == "done"
        mirror.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        os.truncate(path, 0)  # the open connection would go on as if nothing happened
        with pytest.raises(MirrorDamaged, match="emptied"):
            await ops.gift(ALICE, 3, reason="r", request_key="w2")
        assert sim.state.account(1, ALICE)["balance"] == 2
    finally:
        mirror.close()


async def test_a_mirror_replaced_while_open_is_not_written_behind_its_back(
    sim, http, setup, capsys
):
    config, db = setup
    mirror = Mirror(db)
    try:
        ops = make_ops(sim, http, mirror)
        assert (await ops.gift(ALICE, 5, reason="r", request_key="w3")).state == "done"
        db.write_bytes(b"")  # damaged, and while this window is open the operator starts over
        assert cli(capsys, config, "mirror", "new", "--force")[0] == 0
        with pytest.raises(MirrorDamaged, match="replaced"):
            await ops.gift(ALICE, 3, reason="r", request_key="w4")
        assert balance(sim) == 5
    finally:
        mirror.close()
