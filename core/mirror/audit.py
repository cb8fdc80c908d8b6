"""The append-only audit log with a hash chain: each row's hash covers the previous row's hash and
its own content, and the head (last hash and row count) is kept in `meta`, so an edited, deleted
or reordered row is detected. It guards against accidents and casual edits on one desktop; whoever
can rewrite the whole file can rewrite the chain too."""

from __future__ import annotations

import csv
import hashlib
import json
import socket
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from core.beijing import BEIJING
from core.mirror.db import Mirror
from core.money import format_coins, format_fen
from core.vocabulary import ACTION, own_half, word

GENESIS = "0" * 64
# who is behind the rows written while a task follows someone's intent (the refund tracker: the
# operator who started the refund), instead of the desk's own operator (a server's merchant
# profile names no team operator). Per task, so concurrent actions are never misattributed.
ACTING_FOR: ContextVar[str | None] = ContextVar("audit_acting_for", default=None)
# rows no person is behind: their code in the log, the glossary word on screen (vocabulary.OPERATOR)
REFUND_FOLLOWER = "refund-follower"
SECRET_PARAM_NAMES = frozenset(
    {
        "session_key",
        "app_key",
        "sandbox_app_key",
        "secret",
        "access_token",
        "token",
        "encoding_aes_key",
        "appsecret",
        "previous_encoding_aes_key",
        "signature",
        "pay_sig",
        "bearer_token",
    }
)
CHAINED = (
    "id",
    "at",
    "operator",
    "host",
    "profile",
    "env",
    "action",
    "openid",
    "params",
    "result",
    "errcode",
)


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """Secrets never reach the audit log; signatures keep a prefix for debugging (reference §11)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("signature", "pay_sig") and isinstance(value, str):
            out[key] = value[:8] + "…"
        elif key in SECRET_PARAM_NAMES:
            out[key] = "***"
        elif isinstance(value, Mapping):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


def _row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    canonical = json.dumps([row[c] for c in CHAINED], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    problems: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "problems": list(self.problems)}


class AuditLog:
    def __init__(
        self, mirror: Mirror, *, operator: str, profile: str, env: int, host: str | None = None
    ) -> None:
        self._mirror = mirror
        self.operator = operator
        self.profile = profile
        self.env = env
        self.host = host or socket.gethostname()

    def append(
        self,
        action: str,
        params: Mapping[str, Any],
        *,
        result: str,
        errcode: int | None = None,
        openid: str = "",
    ) -> int:
        with self._mirror.transaction() as conn:
            head = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            prev_hash, next_id = (head["hash"], head["id"] + 1) if head else (GENESIS, 1)
            row = {
                "id": next_id,
                "at": self._mirror.now(),
                "operator": ACTING_FOR.get() or self.operator,
                "host": self.host,
                "profile": self.profile,
                "env": self.env,
                "action": action,
                "openid": openid,
                "params": json.dumps(redact(params), ensure_ascii=False, sort_keys=True),
                "result": result,
                "errcode": errcode,
            }
            digest = _row_hash(prev_hash, row)
            conn.execute(
                "INSERT INTO audit (id, at, operator, host, profile, env, action, openid,"
                " params, result, errcode, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?)",
                (*[row[c] for c in CHAINED], prev_hash, digest),
            )
            conn.execute(
                "INSERT INTO meta VALUES ('audit_head', ?) ON CONFLICT(key) DO UPDATE "
                "SET value = excluded.value",
                (f"{next_id}:{digest}",),
            )
        return next_id

    def check_writable(self) -> None:
        """Proves a row can be appended now (a damaged page, a missing table or a failing
        trigger raises sqlite3.DatabaseError): appends one inside a savepoint and rolls it back.
        Called before a request that moves money leaves, in the transaction that marks it sent."""
        with self._mirror.transaction() as conn:
            conn.execute("SAVEPOINT audit_probe")
            try:
                self.append("probe", {}, result="probe")
            finally:
                conn.execute("ROLLBACK TO audit_probe")
                conn.execute("RELEASE audit_probe")


def verify(mirror: Mirror) -> ChainReport:
    problems: list[str] = []
    prev_hash, expected_id, rows = GENESIS, 1, 0
    for row in mirror.conn.execute("SELECT * FROM audit ORDER BY id"):
        rows += 1
        if row["id"] != expected_id:
            problems.append(
                f"row {expected_id} is missing (next is {row['id']}) / 第 {expected_id} 行缺失"
            )
        if row["prev_hash"] != prev_hash:
            problems.append(
                f"row {row['id']}: chain broken before it (deleted or reordered) / "
                f"第 {row['id']} 行之前的链断开（删除或重排）"
            )
        if _row_hash(row["prev_hash"], row) != row["hash"]:
            problems.append(f"row {row['id']}: content was edited / 第 {row['id']} 行内容被修改")
        prev_hash, expected_id = row["hash"], row["id"] + 1
    head = mirror.meta("audit_head")
    if head is not None:
        last_id, last_hash = head.split(":", 1)
        if int(last_id) != expected_id - 1 or last_hash != prev_hash:
            problems.append(
                f"the last rows were removed (log ends at {expected_id - 1}, head says "
                f"{last_id}) / 末尾的记录被删除"
            )
    elif rows:
        problems.append("the chain head is missing / 链头缺失")
    return ChainReport(ok=not problems, rows=rows, problems=tuple(problems))


def iter_rows(
    mirror: Mirror,
    *,
    openid: str | None = None,
    action: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> Iterator[dict[str, Any]]:
    where, params = ["TRUE"], []
    for clause, value in (
        ("openid = ?", openid),
        ("action = ?", action),
        ("at >= ?", since),
        ("at < ?", until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    for row in mirror.conn.execute(
        f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id", params
    ):
        yield dict(row)


# the CSV people open: one header per column in the reader's language, then the two hashes
# (unchanged, for whoever checks the chain against `audit export --format json`)
READABLE_COLUMNS = (
    ("id", "序号", "No."),
    ("at", "时间（北京时间 UTC+8）", "Time (Beijing, UTC+8)"),
    ("operator", "操作员", "Operator"),
    ("host", "电脑", "Computer"),
    ("profile", "配置", "Profile"),
    ("env", "环境", "Environment"),
    ("action", "操作", "Action"),
    ("openid", "用户 openid", "User openid"),
    ("params", "内容", "Details"),
    ("result", "结果", "Result"),
    ("errcode", "微信错误码", "WeChat error code"),
    ("prev_hash", "上一行哈希（核验用）", "Previous hash (for verification)"),
    ("hash", "本行哈希（核验用）", "Hash (for verification)"),
)
PARAM_ORDER = (
    "endpoint",
    "approval",
    "requested_by",
    "wechat_id",
    "target",
    "amount",
    "refund_fee",
    "reason",
    "state",
    "decision_reason",
)
# what an action's `amount` counts: fen for a refund (and a request, approval or refusal of one:
# its `endpoint`), coins for every other action that moves coins
MONEY_ACTIONS = frozenset({"refund"})
FEN_KEYS = frozenset({"refund_fee", "paid_fee", "left_fee"})
COIN_KEYS = frozenset({"total", "due", "refund_due", "granted", "take", "balance_before"})
# keys whose value is a code: the glossary table that says it
CODE_VALUES = {
    "state": "state",
    "endpoint": "action",
    "action": "action",
    "role": "role",
    "refund_reason": "refund_reason",
    "req_from": "req_from",
    "coins_basis": "coins_basis",
    "session_key_source": "key_source",
    "kind": "import_kind",
    "requested_by": "system_operator",
    "started_by": "system_operator",
}
# free text written in both languages by the desk (a clawback's reason): the reader's half
BILINGUAL = frozenset({"reason", "error", "problem"})


def unit_action(action: str, params: Mapping[str, Any]) -> str:
    """The action an amount belongs to: a team row's `endpoint` (approval_requested, approve,
    reject, refused) or the row's own action; `bulk_gift` counts as gift."""
    endpoint = params.get("endpoint")
    base = endpoint if isinstance(endpoint, str) and endpoint else action
    return base.removeprefix("bulk_")


def _param_value(action: str, key: str, value: Any, lang: str) -> str:
    english = lang.startswith("en")
    if isinstance(value, bool):
        return word("yes_no", str(value).lower(), lang)
    if value is None:
        return ""
    money = key in FEN_KEYS or (key == "amount" and action in MONEY_ACTIONS)
    if isinstance(value, int) and money:
        return format_fen(value)
    if isinstance(value, int) and (key == "amount" or key in COIN_KEYS):
        return format_coins(value, lang)
    if key == "endpoint" and isinstance(value, str) and value not in ACTION:
        return word("endpoint", value, lang)  # a refusal of a read or a tool
    if key in CODE_VALUES and isinstance(value, (str, int)):
        return word(CODE_VALUES[key], value, lang)
    if key == "states" and isinstance(value, dict):  # a bulk batch's rows by state
        sep = ", " if english else "，"
        return sep.join(f"{word('state', k, lang)} {v}" for k, v in sorted(value.items()))
    if isinstance(value, list) and key not in ("images", "file_ids"):
        return f"{len(value)} rows" if english else f"{len(value)} 行"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if english else "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if key in BILINGUAL and isinstance(value, str):
        return own_half(value, lang)
    return str(value)


def describe_params(action: str, params: str, lang: str = "zh_CN") -> str:
    """The stored JSON as `原因：补偿；数量：600 代币`, keys and codes in the glossary's words,
    amounts in the unit of the action they belong to, empty values left out."""
    try:
        data = json.loads(params or "{}")
    except ValueError:
        return params
    if not isinstance(data, dict):
        return params
    english = lang.startswith("en")
    unit = unit_action(action, data)
    parts = []
    order = {key: n for n, key in enumerate(PARAM_ORDER)}
    for key, value in sorted(data.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
        if value in ("", None) or value == []:
            continue
        label = word("param", key, lang)
        if label == key:  # a key the glossary lacks: still no code shown as it is stored
            label = key.replace("_", " ")
        shown = _param_value(unit, key, value, lang)
        parts.append(f"{label}: {shown}" if english else f"{label}：{shown}")
    return "; ".join(parts) if english else "；".join(parts)


def operator_words(name: str, lang: str = "zh_CN") -> str:
    """An audit row's operator: a person's name as it is, a system's in words."""
    return word("system_operator", name, lang)


def readable(row: Mapping[str, Any], lang: str = "zh_CN") -> list[Any]:
    when = (
        datetime.fromtimestamp(row["at"], BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        if row["at"]
        else ""
    )
    return [
        row["id"],
        when,
        operator_words(row["operator"], lang),
        row["host"],
        row["profile"],
        word("env", row["env"], lang),
        word("action", row["action"], lang),
        row["openid"],
        describe_params(row["action"], row["params"], lang),
        word("audit_result", row["result"], lang),
        "" if row["errcode"] is None else row["errcode"],
        row["prev_hash"],
        row["hash"],
    ]


def export_csv(mirror: Mirror, out: TextIO, *, lang: str = "zh_CN", **filters: Any) -> int:
    """UTF-8 CSV for people (the caller writes the BOM for Excel): words, Beijing times, the
    hashes last; returns rows written."""
    writer = csv.writer(out)
    english = lang.startswith("en")
    writer.writerow([en if english else zh for _, zh, en in READABLE_COLUMNS])
    count = 0
    for row in iter_rows(mirror, **filters):
        writer.writerow(readable(row, lang))
        count += 1
    return count


def export_json(mirror: Mirror, out: TextIO, **filters: Any) -> int:
    """The rows as stored, one JSON object a line: what `verify`'s hashes are computed over."""
    count = 0
    for row in iter_rows(mirror, **filters):
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
