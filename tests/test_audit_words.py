"""The audit log in words (QA T2 items 1, 2, 9, 10): every action and parameter key the code can
write has glossary words in both languages; an amount is said in the unit of the action it
belongs to (a refund's request, approval or refusal in fen); rows the server's refund tracker
writes name the operator who started the refund, never the merchant profile's operator."""

from __future__ import annotations

import ast
import getpass
import json
import pathlib
import re
import time

from core.mirror import audit
from core.mirror.db import Mirror
from core.mirror.vault import SessionKeyVault
from core.secret import Secret
from core.vocabulary import ACTION, AUDIT_RESULT, PARAM, STATE, word
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

ROOT = pathlib.Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
# the bulk batch's own dict (core.operations.bulk.BulkPlan/BulkReport.as_dict), written whole
BULK_KEYS = {"batch_id", "action", "rows", "total", "users", "rejected", "duplicates"}
BULK_KEYS |= {"states", "results"}
# the results the code writes besides a state (a state's own word is in STATE)
RESULTS = {"intent", "ok", "refused", "added", "already there", "cancelled", "done", "failed"}


def _call_name(node):
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _dict_keys(expr, names):
    keys = set()
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Dict):
            keys |= {k.value for k in sub.keys if isinstance(k, ast.Constant)}
        if isinstance(sub, ast.Name) and sub.id in names:
            keys |= names[sub.id]
        if isinstance(sub, ast.Call) and _call_name(sub) == "_target":
            keys |= {"openid", "order_id", "refund_order_id"}
    return keys


def audit_writes(root):
    """Every action and params key an audit write in `root` can name (constant actions; dict
    literals, the dicts a name was assigned or updated with in the same function)."""
    actions, keys = set(), set()
    for path in sorted(pathlib.Path(root).rglob("*.py")):
        if "simulator" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            names: dict[str, set[str]] = {}
            for node in ast.walk(fn):
                target = value = None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign):
                    target, value = node.target, node.value
                if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
                    names.setdefault(target.id, set()).update(_dict_keys(value, {}))
                if isinstance(node, ast.Call) and _call_name(node) == "update":
                    owner = node.func.value if isinstance(node.func, ast.Attribute) else None
                    if isinstance(owner, ast.Name):
                        names.setdefault(owner.id, set()).update(
                            k.arg for k in node.keywords if k.arg
                        )
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                name, kw, args = (
                    _call_name(node),
                    {k.arg: k.value for k in node.keywords},
                    node.args,
                )
                pair = None
                if name == "audit" and len(args) >= 3 and "result" in kw:
                    pair = args[1], args[2]  # Server.audit(operator, action, params)
                elif name == "_audit" and len(args) >= 3:
                    pair = args[1], args[2]  # mirror_admin._audit(profile, action, params)
                elif (
                    name in ("append", "_append_audit", "_failed")
                    and len(args) >= 2
                    and ("result" in kw or name == "_failed")
                ):
                    pair = args[0], args[1]
                elif name == "_prepare" and "params" in kw and args:
                    pair = args[0], kw["params"]
                if "audit_extra" in kw:
                    keys |= _dict_keys(kw["audit_extra"], names)
                if pair is None:
                    continue
                act, params = pair
                if isinstance(act, ast.Constant) and isinstance(act.value, str):
                    actions.add(act.value)
                elif isinstance(act, (ast.JoinedStr, ast.Attribute)):
                    actions.add(ast.unparse(act))
                keys |= _dict_keys(params, names)
    return actions, keys


def test_the_walk_finds_what_the_code_writes():
    actions, keys = audit_writes(ROOT / "core")
    assert {"refund", "approve", "refused", "export_report", "import", "mirror_new"} <= actions
    assert {"endpoint", "left_fee", "coins_basis", "decision_reason", "fmt", "bytes"} <= keys


def test_every_audit_action_and_param_key_the_code_writes_has_words_in_both_languages():
    actions, keys = audit_writes(ROOT / "core")
    actions = {a for a in actions if a.isidentifier()} | {"bulk_gift", "bulk_deduct"}
    actions |= {"cancel_deduction", "clawback", "deliver"}  # intent.action
    missing = sorted(a for a in actions if a not in ACTION)
    assert not missing, missing
    missing = sorted(k for k in keys | BULK_KEYS if k not in PARAM)
    assert not missing, missing
    for zh, en in [*ACTION.values(), *PARAM.values()]:
        assert CJK.search(zh) and not CJK.search(en), (zh, en)
    for code in RESULTS:
        assert code in AUDIT_RESULT, code
    # an approve row's result is the state its action ended in: every state has a result word
    assert not [k for k in STATE if k not in AUDIT_RESULT]


def said(action, params, lang="zh_CN"):
    return audit.describe_params(action, json.dumps(params), lang)


def test_a_refunds_request_approval_and_refusal_say_yuan_not_coins():
    for action, extra in (
        ("approval_requested", {"approval": "A1"}),
        ("approve", {"approval": "A1", "requested_by": "fay", "decision_reason": "核对过"}),
        ("reject", {"approval": "A1", "requested_by": "fay", "decision_reason": "不对"}),
        ("refused", {"role": "support"}),
    ):
        params = {"endpoint": "refund", "amount": 6800, "order_id": "ORD1", **extra}
        zh, en = said(action, params), said(action, params, "en")
        assert "¥68.00" in zh and "¥68.00" in en, (zh, en)
        assert "代币" not in zh and "coins" not in en and "6,800" not in zh, (zh, en)
        assert "退款" in zh and "Refund" in en
    gift = {"endpoint": "gift", "amount": 1500}
    assert "1,500 代币" in said("approval_requested", gift)
    assert "1,500 coins" in said("approve", gift, "en")
    assert "¥68.00" in said("refund", {"amount": 6800, "left_fee": 6800}, "en")
    assert "可退金额：¥68.00" in said("refund", {"amount": 6800, "left_fee": 6800})
    assert "1,200 代币" in said("bulk_gift", {"action": "gift", "total": 1200, "rows": 3})


# every code word the tester found in the 内容 column (QA T2 item 10), in one row each
FOUND = [
    ("approve", {"approval": "A7", "endpoint": "gift", "decision_reason": "#7"}),
    ("refund", {"left_fee": 6800, "req_from": "1", "refund_reason": "0", "clawback": True}),
    ("clawback", {"coins_basis": "coin_rate", "granted": 6800, "due": 6800, "intent_id": 4}),
    ("clawback", {"session_key_source": "mirror", "state": "done", "attempt": 1}),
    ("export_report", {"start": "2026-10-01", "end": "2026-11-01", "fmt": "xlsx"}),
    ("bulk_gift", {"batch_id": "B1", "action": "gift", "states": {"done": 2, "failed": 1}}),
    ("import", {"kind": "session-keys", "file": "k.csv", "bytes": 10, "rejected": 0}),
    (
        "clawback",
        {"reason": "退款 R1 的代币回收 / clawback for refund R1", "refund_due": 600, "take": 600},
    ),
]
ENGLISH = re.compile(
    r"approval|endpoint|decision|left fee|req from|refund reason|coins basis|granted|intent|"
    r"mirror|fmt|coin_rate|true|session|done|clawback for"
)


def test_the_details_column_has_no_code_words_in_chinese_and_no_chinese_in_english():
    for action, params in FOUND:
        zh, en = said(action, params), said(action, params, "en")
        assert not SNAKE.search(zh) and not ENGLISH.search(zh), zh
        assert not SNAKE.search(en) and not CJK.search(en), en
    assert "微信退款原因：暂无描述" in said(*FOUND[1])
    assert "代币数依据：按支付金额折算" in said(*FOUND[2])
    assert "会话密钥来源：本地保存" in said(*FOUND[3])


def row(action, result, operator="fay", params=None):
    return {
        "id": 1, "at": 0, "operator": operator, "host": "h", "profile": "p", "env": 1,
        "action": action, "openid": "", "params": json.dumps(params or {}), "result": result,
        "errcode": None, "prev_hash": "", "hash": "",
    }  # fmt: skip


def test_the_csv_row_says_actions_results_and_system_operators_in_words():
    for lang, bad in (("zh_CN", re.compile(r"[a-z]{3,}")), ("en", CJK)):
        for action, result in (
            ("export_report", "ok"),
            ("refused", "refused: own request"),
            ("approve", "done"),
            ("save_push", "already there"),
        ):
            said_row = audit.readable(row(action, result), lang)
            assert not bad.search(str(said_row[6])) and not bad.search(str(said_row[9])), said_row
    follower = audit.readable(row("clawback", "ok", audit.REFUND_FOLLOWER), "zh_CN")
    assert follower[2] == "系统（退款跟踪）"
    assert audit.readable(row("clawback", "ok", "relay"), "en")[2] == "system (push relay)"
    assert word("audit_result", "done", "zh_CN") == "已完成"
    # an approved bulk batch: its rows by state
    assert word("audit_result", "done:2,failed:1", "zh_CN") == "已完成 2，失败 1"
    assert word("audit_result", "done:2,failed:1", "en") == "Done 2, Failed 1"


def test_rows_the_servers_tracker_writes_name_who_started_the_refund(team, team_sim):  # noqa: F811
    openid = "oF1audit_00000000000000000001"
    team_sim.add_user(openid)
    paid = team_sim.user_pays(openid, coins=600)
    with Mirror(team.mirror_path) as m:
        key, _alive, _ = team_sim.state.session_key_state(openid)
        SessionKeyVault(m, bytes(range(32))).store(
            openid, Secret(key), obtained_at=m.now(), source="backend"
        )
    with team.client() as http:
        r = http.post(
            "/api/v1/refund",
            headers=team.token("fay"),
            json={
                "order_id": paid["order_id"],
                "refund_fee": 600,
                "left_fee": 600,
                "reason": "投诉退款",
                "request_key": "f1-tracker-1",
                "openid": openid,
                "clawback": True,
            },
        )
    assert r.status_code == 200, r.text
    deadline, rows = time.monotonic() + 30, []
    while time.monotonic() < deadline:  # nobody resolves: the server's tracker does
        with Mirror(team.mirror_path) as m:
            rows = list(audit.iter_rows(m, openid=openid))
        if any(x["action"] == "clawback" and x["result"] == "ok" for x in rows):
            break
        time.sleep(0.3)
    finished = [(x["action"], x["result"]) for x in rows]
    assert ("refund", "ok") in finished and ("clawback", "ok") in finished, finished
    by = {(x["action"], x["result"], x["operator"]) for x in rows}
    assert {o for _a, _r, o in by} == {"fay"}, by  # never the profile's operator
    assert getpass.getuser() not in {o for _a, _r, o in by}


def test_the_audit_page_says_a_refund_approval_in_yuan_with_who_asked(qapp):
    from dashboard.pages.audit import describe

    params = {"endpoint": "refund", "amount": 6800, "requested_by": "sam", "approval": "A1"}
    text = describe("approve", json.dumps(params))
    assert "¥68.00" in text and "coins" not in text, text
    assert "Refund" in text and "sam" in text, text
    assert "1,500 coins" in describe("refused", json.dumps({"endpoint": "gift", "amount": 1500}))


def refused_endpoints(root):
    """What allow() can name as refused (its fourth argument), imports by kind."""
    found = set()
    for path in sorted(pathlib.Path(root).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _call_name(node) == "allow" and len(node.args) == 4:
                what = node.args[3]
                if isinstance(what, ast.Constant):
                    found.add(what.value)
    return found


def test_every_refusal_the_server_can_audit_names_what_was_refused_in_words():
    from core.server.routes.jobs import IMPORT_ROLES

    endpoints = refused_endpoints(ROOT / "core" / "server") | {
        f"imports/{kind}" for kind in IMPORT_ROLES
    }
    assert {"audit", "tools/signature", "reports"} <= endpoints
    for what in sorted(endpoints):
        zh = said("refused", {"endpoint": what, "role": "viewer"})
        en = said("refused", {"endpoint": what, "role": "viewer"}, "en")
        assert not re.search(r"[a-z]{3,}", zh) and not CJK.search(en), (what, zh, en)


def test_a_missing_app_key_names_the_environment_in_each_halfs_language():
    from core.environment import AppKeys, Env
    from core.errors import XPayDeskError

    try:
        AppKeys().for_env(Env.SANDBOX)
    except XPayDeskError as exc:
        zh, en = exc.message("zh_CN"), exc.message("en")
    assert "沙箱" in zh and "Sandbox" not in zh, zh
    assert "Sandbox" in en and not CJK.search(en), en
