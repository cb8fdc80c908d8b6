"""Bulk files: every row is used or rejected with its line number (never a ValueError or a
csv.Error), and identical rows are flagged and done only on the operator's explicit word."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.operations.bulk import BulkFileError, DuplicateRows, plan_bulk, run_bulk
from core.simulator import profile_toml
from tests.opsfixtures import make_ops
from tests.simfixtures import ALICE, BOB

USER = "oGOODUSER000000000001"


def _csv(tmp_path, text: str, name: str = "bulk.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "amount",
    ["²", "1²", "１０", "٣", "1e3", "-5", "+5", "1.0", "0", "1_000", "99999999999", "", "x"],
)
def test_an_amount_that_is_not_plain_digits_is_rejected_on_its_line(tmp_path, amount):
    path = _csv(tmp_path, f"openid,amount,reason\n{USER},5,ok\n{USER},{amount},r\n{USER},6,ok\n")
    plan = plan_bulk(path, "gift")
    assert [(r.line, r.amount) for r in plan.rows] == [(2, 5), (4, 6)]
    (rejected,) = plan.rejected
    assert rejected.line == 3 and "amount" in rejected.reason and "须为" in rejected.reason


def test_spaces_around_an_amount_are_trimmed(tmp_path):
    plan = plan_bulk(_csv(tmp_path, f"{USER}, 10 ,ok\n"), "gift")
    assert [(r.line, r.amount) for r in plan.rows] == [(1, 10)] and not plan.rejected


def test_a_field_over_128_kb_is_a_rejected_row_and_the_rest_is_read(tmp_path):
    huge = "x" * (200 * 1024)
    for row in (f'{USER},5,"{huge}"', f"{USER},5,{huge}"):
        path = _csv(tmp_path, f"openid,amount,reason\n{USER},1,ok\n{row}\n{USER},2,ok\n")
        plan = plan_bulk(path, "gift")
        assert [r.line for r in plan.rows] == [2, 4]
        assert [(r.line, "128 KB" in r.reason) for r in plan.rejected] == [(3, True)]


def test_an_unclosed_quote_names_the_lines_it_swallowed(tmp_path):
    path = _csv(tmp_path, f'{USER},1,ok\n"{USER},2,x\n{USER},3,ok\n')
    plan = plan_bulk(path, "gift")
    assert [r.line for r in plan.rows] == [1]
    (rejected,) = plan.rejected
    assert rejected.line == 2 and "unclosed quote" in rejected.reason


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p,  # a folder
        lambda p: p / "missing.csv",
        lambda p: _bytes(p / "bin.csv", b"\xff\xfe\xfd\x80\x80"),
    ],
)
def test_an_unreadable_bulk_file_is_one_clear_error(tmp_path, make):
    with pytest.raises(BulkFileError) as caught:
        plan_bulk(make(tmp_path), "gift")
    assert caught.value.exit_code == 2 and caught.value.message("en")


def test_cli_bulk_on_a_folder_is_exit_2(tmp_path, capsys):
    config = tmp_path / "p.toml"
    config.write_text('[profiles.x]\nappid = "wx0123456789abcdef"\nenv = "sandbox"\n', "utf-8")
    assert main(["--json", "--config", str(config), "bulk", "gift", str(tmp_path)]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "bulk_file"


def test_identical_rows_are_flagged_in_the_preview(tmp_path):
    text = f"{ALICE},5,补偿\n{BOB},5,补偿\n{ALICE},5,补偿\n{ALICE},5,补偿\n{ALICE},6,补偿\n"
    plan = plan_bulk(_csv(tmp_path, text), "gift")
    (dup,) = plan.duplicates
    assert (dup.lines, dup.openid, dup.amount) == ((1, 3, 4), ALICE, 5)
    assert plan.as_dict()["duplicates"] == [
        {"lines": [1, 3, 4], "openid": ALICE, "amount": 5, "reason": "补偿"}
    ]


async def test_identical_rows_move_no_money_without_confirmation(sim, http, mirror, tmp_path):
    sim.add_user(ALICE)
    plan = plan_bulk(_csv(tmp_path, f"{ALICE},5,补偿\n" * 3), "gift")
    ops = make_ops(sim, http, mirror, role="admin")
    with pytest.raises(DuplicateRows, match="1, 2, 3"):
        await run_bulk(ops, plan)
    assert sim.state.account(1, ALICE)["balance"] == 0 and mirror.count("batches") == 0
    report = await run_bulk(ops, plan, allow_duplicates=True)
    assert [r.state for _row, r in report.results] == ["done"] * 3
    assert sim.state.account(1, ALICE)["balance"] == 15


def test_cli_bulk_identical_rows_need_allow_duplicates(sim, tmp_path, capsys):
    config = tmp_path / "p.toml"
    config.write_text(
        profile_toml(sim, db=str(tmp_path / "m.sqlite")) + 'role = "admin"\n', encoding="utf-8"
    )
    sim.add_user(ALICE)
    gifts = _csv(tmp_path, f"{ALICE},5,补偿\n" * 3, "g.csv")
    base = ["--json", "--config", str(config), "bulk", "gift", str(gifts)]
    assert main([*base, "--dry-run"]) == 2
    preview = json.loads(capsys.readouterr().out)
    assert preview["duplicates"][0]["lines"] == [1, 2, 3] and preview["rows"] == 3
    assert main(base) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "bulk_duplicates" and "--allow-duplicates" in error["message"]
    assert sim.state.account(1, ALICE)["balance"] == 0
    assert main([*base, "--allow-duplicates"]) == 0
    assert sim.state.account(1, ALICE)["balance"] == 15


def _bytes(path, data: bytes):
    path.write_bytes(data)
    return path
