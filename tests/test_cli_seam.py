"""One seam, not two: the CLI's verbs reach WeChat, the mirror, the audit log and the reports only
through the desk that core.desks.open_desk gives them (core/cli/desks.py); the verbs that work on
this computer's own files say so and refuse a team profile; the verbs that only read the mirror
need no merchant secret."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from core.cli import main
from core.simulator import profile_toml
from tests.simfixtures import ALICE

CLI = Path(__file__).resolve().parents[1] / "core" / "cli"
# what a verb may not touch itself: the WeChat client, the mirror, the operations engine, the
# reports, the audit log, the pushes store, complaints (all of it is the desk's)
FORBIDDEN_MODULES = {
    "core.client",
    "core.connect",
    "core.tokens",
    "core.mirror.db",
    "core.mirror.audit",
    "core.mirror.refresh",
    "core.mirror.pushes",
    "core.mirror.vault",
    "core.operations.engine",
}
FORBIDDEN_NAMES = {
    "Mirror",
    "XPayClient",
    "Operations",
    "open_operations",
    "operations_for",
    "open_client",
    "Reconciliation",
    "Complaints",
    "run_bulk",
    "import_vk_orders",
    "import_bill",
    "import_pushes",
    "import_session_keys",
    "export_csv",
    "export_json",
    "export_xlsx",
}
# inherently local: the mirror file's own admin verbs, the simulator; the login verbs
LOCAL = {"mirror_admin.py", "simulator_verb.py", "session_verbs.py", "desks.py"}


def imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_cli_verbs_reach_wechat_and_the_mirror_only_through_the_desk():
    offenders = {}
    for path in sorted(CLI.glob("*.py")):
        if path.name in LOCAL:
            continue
        names = imported(path)
        bad = sorted(names & (FORBIDDEN_MODULES | FORBIDDEN_NAMES))
        bad += sorted(n for n in names if any(n.startswith(m + ".") for m in FORBIDDEN_MODULES))
        if bad:
            offenders[path.name] = bad
    assert offenders == {}
    assert "core.cli.desks.run_desk" in imported(CLI / "api_verbs.py")


def team_and_solo(tmp_path: Path, sim) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(
        profile_toml(sim, name="shop")
        + '\n[profiles.office]\nserver = "https://team.example.com"\noperator = "alice"\n',
        encoding="utf-8",
    )
    return path


def run(capsys, *args: str) -> tuple[int, dict]:
    code = main(["--json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}


def test_local_verbs_refuse_a_team_profile_in_both_languages(sim, tmp_path, capsys):
    config = team_and_solo(tmp_path, sim)
    base = ("--config", str(config), "--profile", "office")
    code, out = run(capsys, "--lang", "en", *base, "mirror", "check")
    assert (code, out["error"]["kind"]) == (2, "config")
    message = out["error"]["message"]
    assert "'mirror check' works on this computer's solo profiles only" in message
    assert "team server https://team.example.com" in message
    code, out = run(capsys, "--lang", "zh_CN", *base, "mirror", "new", "--force")
    assert code == 2 and "只对本机的单机配置有效" in out["error"]["message"]
    assert "团队服务器 https://team.example.com" in out["error"]["message"]
    # the solo profile beside it is untouched by the refusal and works
    code, out = run(capsys, "--config", str(config), "--profile", "shop", "mirror", "check")
    assert code in (0, 2) and "error" not in out


def test_local_verbs_say_so_in_their_help(capsys):
    for verb in (["mirror", "--help"], ["simulator", "--help"], ["--help"]):
        with pytest.raises(SystemExit):
            main(verb)
    text = " ".join(capsys.readouterr().out.split())
    assert "local: solo profiles only" in text
    assert "local: on this computer" in text


def test_mirror_only_verbs_need_no_merchant_secret(sim, tmp_path, capsys, monkeypatch):
    """A finance computer with the mirror and no keys: audit, reconcile and an orders import
    work; a verb that needs WeChat says which key is missing."""
    sim.add_user(ALICE)
    order = sim.user_pays(ALICE, coins=600)
    full = tmp_path / "full.toml"
    full.write_text(profile_toml(sim, name="books", db=str(tmp_path / "m.sqlite")), "utf-8")
    keyless = tmp_path / "keyless.toml"
    keyless.write_text(
        "\n".join(
            line
            for line in full.read_text("utf-8").splitlines()
            if not line.startswith(("secret", "app_key", "sandbox_app_key", "token", "encoding"))
        )
        + "\n",
        encoding="utf-8",
    )
    base = ("--lang", "en", "--config", str(keyless))
    code, out = run(capsys, *base, "audit", "verify")
    assert (code, out["ok"]) == (0, True)
    code, out = run(capsys, *base, "reconcile", "--from", "2026-01-01", "--to", "2026-01-31")
    assert code in (0, 4) and out["summary"]["orders"] >= 0
    orders = tmp_path / "vk.jsonl"
    orders.write_text(
        json.dumps(
            {
                "out_trade_no": order["order_id"],
                "pay_type": "wxpay-virtual",
                "status": 1,
                "openid": ALICE,
                "total_fee": 600,
                "_add_time": 1767225600000,
                "pay_date": 1767225660000,
                "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 600},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    code, out = run(capsys, *base, "import", "orders", str(orders))
    assert (code, out["imports"][0]["added"]) == (0, 1)
    code, _out = run(capsys, *base, "audit", "export", "--out", str(tmp_path / "audit.csv"))
    assert code == 0 and (tmp_path / "audit.csv").read_text("utf-8-sig").count("\n") >= 1
    code, out = run(capsys, *base, "gift", ALICE, "5", "--order-id", "GIFTNOKEY001", "--note", "x")
    assert (code, out["error"]["kind"]) == (2, "config")
    assert "secret" in out["error"]["message"]


def test_one_core_function_lists_solo_and_team_profiles_for_the_switcher(sim, tmp_path):
    from core.desks import profile_choices

    config = team_and_solo(tmp_path, sim)
    choices = profile_choices(config)
    assert [(c.name, c.kind, c.default) for c in choices] == [
        ("shop", "solo", True),
        ("office", "team", False),
    ]
    assert choices[0].where == sim.config.appid
    assert choices[1].where == "https://team.example.com"
    assert profile_choices(tmp_path / "missing.toml") == []
