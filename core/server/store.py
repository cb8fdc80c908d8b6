"""Operators, their sessions, failed logins and approvals, in the team's store (the mirror's
database: SQLite for a trial, PostgreSQL for a team). Passwords are argon2id hashes; session and
refresh tokens are stored only as SHA-256 digests, so a copy of the database opens no session."""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from Crypto.Cipher import AES

from core.errors import ConfigError, XPayDeskError
from core.mirror.db import Mirror
from core.operations.policy import Limits, Policy
from core.profiles import OPERATOR_RULE, valid_operator_name
from core.vocabulary import word

if TYPE_CHECKING:
    from core.server.config import ServerConfig

ROLES = ("viewer", "support", "finance", "admin")
APPROVER_ROLES = frozenset({"finance", "admin"})
ISSUER = "XPay Desk"

TABLES = (
    "CREATE TABLE IF NOT EXISTS srv_operators (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
    "pw_hash TEXT NOT NULL, totp_secret TEXT NOT NULL, totp_step BIGINT NOT NULL DEFAULT 0, "
    "disabled INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS srv_sessions (token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, "
    "operator TEXT NOT NULL, family TEXT NOT NULL, expires_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS srv_login_failures (at BIGINT NOT NULL, operator TEXT NOT NULL, "
    "address TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS srv_approvals (id TEXT PRIMARY KEY, action TEXT NOT NULL, "
    "amount BIGINT NOT NULL, request TEXT NOT NULL, requested_by TEXT NOT NULL, "
    "state TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, "
    "decided_by TEXT NOT NULL DEFAULT '', decided_at BIGINT NOT NULL DEFAULT 0, "
    "decision_reason TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS srv_events (id BIGINT PRIMARY KEY, at BIGINT NOT NULL, "
    "kind TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS srv_backend_tokens (name TEXT PRIMARY KEY, "
    "token_hash TEXT NOT NULL UNIQUE, revoked INTEGER NOT NULL DEFAULT 0, "
    "created_at BIGINT NOT NULL)",
    # an operator's own limits (names of core.operations.policy.Limits): only ever stricter
    "CREATE TABLE IF NOT EXISTS srv_operator_limits (operator TEXT NOT NULL, "
    "name TEXT NOT NULL, value BIGINT NOT NULL, PRIMARY KEY (operator, name))",
)
LIMIT_NAMES = tuple(f.name for f in dataclasses.fields(Limits))

_hasher = PasswordHasher()  # argon2id, the library's defaults (RFC 9106's second choice)


class OperatorError(XPayDeskError):
    kind = "operator"


@dataclass(frozen=True)
class Operator:
    name: str
    role: str
    disabled: bool


@dataclass(frozen=True)
class Enrolment:
    """Printed once when an operator is added or reset; never stored in the clear elsewhere."""

    name: str
    role: str
    password: str
    totp_secret: str
    otpauth_uri: str

    def __repr__(self) -> str:  # the password and the secret stay out of reprs and logs
        return f"Enrolment(name={self.name!r}, role={self.role!r})"

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "role": self.role,
            "password": self.password,
            "totp_secret": self.totp_secret,
            "otpauth_uri": self.otpauth_uri,
        }


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_tables(mirror: Mirror) -> None:
    with mirror.transaction() as conn:
        for statement in TABLES:
            conn.execute(statement)


# ---- TOTP secrets at rest ----------------------------------------------------------------------

SEALED = "gcm1:"  # a sealed secret's prefix; a row without it is a plaintext one from before


class TotpSeal:
    """TOTP secrets at rest: AES-256-GCM under a key derived (HMAC-SHA256 with its own label)
    from the profile's mirror key (`core.mirror.vault.vault_key`: environment, keyring, or a
    simulator profile's test key), which never enters the database. A copy of the database alone
    yields no second factor. Each ciphertext is bound to its operator's name."""

    def __init__(self, mirror_key: bytes) -> None:
        if len(mirror_key) != 32:
            raise ValueError("the mirror key is 32 bytes")
        self._key = hmac.new(mirror_key, b"xpaydesk/server/totp-secret/v1", "sha256").digest()

    def __repr__(self) -> str:
        return "TotpSeal(***)"

    @staticmethod
    def _aad(name: str) -> bytes:
        return f"xpaydesk-totp:{name}".encode()

    def seal(self, name: str, secret: str) -> str:
        nonce = os.urandom(12)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        cipher.update(self._aad(name))
        sealed, tag = cipher.encrypt_and_digest(secret.encode())
        return SEALED + base64.b64encode(nonce + sealed + tag).decode()

    def open(self, name: str, stored: str) -> str:
        if not stored.startswith(SEALED):
            return stored  # a plaintext row from before sealing (sealed at the next start)
        try:
            blob = base64.b64decode(stored[len(SEALED) :], validate=True)
            cipher = AES.new(self._key, AES.MODE_GCM, nonce=blob[:12])
            cipher.update(self._aad(name))
            return cipher.decrypt_and_verify(blob[12:-16], blob[-16:]).decode()
        except (ValueError, binascii.Error):
            raise ConfigError(
                f"操作员 {name} 的 TOTP 密钥无法解密（镜像密钥不同或数据被改动）",
                f"the TOTP secret of operator {name} does not decrypt (another mirror key, or "
                "the row was altered)",
            ) from None


_installed: list[TotpSeal] = []  # the serving process's seal (`install_seal`), at most one


def install_seal(seal: TotpSeal) -> None:
    """The seal this process uses when a call passes none: `xpaydesk-server serve` installs
    the profile's before it starts serving, so the login route needs no key of its own."""
    _installed[:] = [seal]


def _seal_or_installed(seal: TotpSeal | None) -> TotpSeal | None:
    return seal if seal is not None else (_installed[0] if _installed else None)


def seal_secrets(mirror: Mirror, seal: TotpSeal) -> int:
    """Seals every plaintext TOTP secret (rows written before sealing, or by a caller without
    the key) and checks that the sealed ones open with this key: a server started with another
    mirror key is refused here, clearly, not at each login. Returns how many rows were sealed.
    Safe with several server processes starting at once (each update is conditional)."""
    sealed = 0
    for row in mirror.all("SELECT name, totp_secret FROM srv_operators ORDER BY name"):
        name, stored = str(row["name"]), str(row["totp_secret"])
        if stored.startswith(SEALED):
            seal.open(name, stored)
            continue
        with mirror.transaction() as conn:
            cur = conn.execute(
                "UPDATE srv_operators SET totp_secret = ? WHERE name = ? AND totp_secret = ?",
                (seal.seal(name, stored), name, stored),
            )
            sealed += int(cur.rowcount or 0)
    return sealed


def _enrolment(name: str, role: str) -> tuple[Enrolment, str]:
    password = secrets.token_urlsafe(12)
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
    return Enrolment(name, role, password, secret, uri), _hasher.hash(password)


def _check_name(name: str) -> None:
    if not valid_operator_name(name):
        raise OperatorError(
            f"操作员名称无效：{name!r}（{OPERATOR_RULE[0]}）",
            f"invalid operator name {name!r} ({OPERATOR_RULE[1]})",
        )


def add_operator(
    mirror: Mirror,
    name: str,
    role: str,
    *,
    limits: Mapping[str, int] | None = None,
    seal: TotpSeal | None = None,
) -> Enrolment:
    """A new operator with an initial password and TOTP secret (returned once, in the
    Enrolment), and optionally their own limits. The secret is stored sealed with `seal` (or
    the process's installed one); with neither it is stored as it was before sealing existed,
    and the next `init` or `serve` seals it."""
    _check_name(name)
    if role not in ROLES:
        raise OperatorError(
            f"未知角色 {role!r}（可用：{', '.join(ROLES)}）",
            f"unknown role {role!r} (known: {', '.join(ROLES)})",
        )
    own = check_limits(limits or {})
    seal = _seal_or_installed(seal)
    enrolment, pw_hash = _enrolment(name, role)
    stored = enrolment.totp_secret if seal is None else seal.seal(name, enrolment.totp_secret)
    with mirror.transaction() as conn:
        if conn.execute("SELECT 1 FROM srv_operators WHERE name = ?", (name,)).fetchone():
            raise OperatorError(f"操作员 {name} 已存在", f"operator {name} already exists")
        conn.execute(
            "INSERT INTO srv_operators (name, role, pw_hash, totp_secret, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (name, role, pw_hash, stored, mirror.now()),
        )
        _write_limits(conn, name, own)
    return enrolment


def _require(mirror: Mirror, name: str) -> Any:
    row = mirror.one("SELECT * FROM srv_operators WHERE name = ?", name)
    if row is None:
        raise OperatorError(f"没有操作员 {name}", f"no operator {name}")
    return row


def end_sessions(mirror: Mirror, name: str) -> int:
    with mirror.transaction() as conn:
        cur = conn.execute("DELETE FROM srv_sessions WHERE operator = ?", (name,))
        return int(cur.rowcount or 0)


def disable_operator(mirror: Mirror, name: str) -> int:
    """Disabled at once: every session and refresh token of theirs is deleted in the same
    transaction, and each request re-reads the flag. Returns how many tokens were ended."""
    _require(mirror, name)
    with mirror.transaction() as conn:
        conn.execute("UPDATE srv_operators SET disabled = 1 WHERE name = ?", (name,))
        cur = conn.execute("DELETE FROM srv_sessions WHERE operator = ?", (name,))
        return int(cur.rowcount or 0)


def reset_operator(mirror: Mirror, name: str, *, seal: TotpSeal | None = None) -> Enrolment:
    """A new password and a new TOTP secret (the old ones stop working), sessions ended, and
    the operator enabled again. The secret is sealed as in `add_operator`."""
    row = _require(mirror, name)
    seal = _seal_or_installed(seal)
    enrolment, pw_hash = _enrolment(name, str(row["role"]))
    stored = enrolment.totp_secret if seal is None else seal.seal(name, enrolment.totp_secret)
    with mirror.transaction() as conn:
        conn.execute(
            "UPDATE srv_operators SET pw_hash = ?, totp_secret = ?, totp_step = 0, disabled = 0 "
            "WHERE name = ?",
            (pw_hash, stored, name),
        )
        conn.execute("DELETE FROM srv_sessions WHERE operator = ?", (name,))
    return enrolment


def list_operators(mirror: Mirror) -> list[Operator]:
    return [
        Operator(str(r["name"]), str(r["role"]), bool(r["disabled"]))
        for r in mirror.all("SELECT name, role, disabled FROM srv_operators ORDER BY name")
    ]


# ---- each operator's own limits ----------------------------------------------------------------


def check_limits(limits: Mapping[str, int]) -> dict[str, int]:
    """Names of core.operations.policy.Limits, each a non-negative integer (coins or fen)."""
    for key, value in limits.items():
        if key not in LIMIT_NAMES:
            raise OperatorError(
                f"未知限额 {key!r}（可用：{', '.join(LIMIT_NAMES)}）",
                f"unknown limit {key!r} (known: {', '.join(LIMIT_NAMES)})",
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise OperatorError(
                f"限额 {key} 必须是非负整数（当前为 {value!r}）",
                f"the limit {key} must be a non-negative integer (got {value!r})",
            )
    return dict(limits)


def _write_limits(conn: Any, name: str, limits: Mapping[str, int]) -> None:
    for key, value in limits.items():
        conn.execute("DELETE FROM srv_operator_limits WHERE operator = ? AND name = ?", (name, key))
        conn.execute(
            "INSERT INTO srv_operator_limits (operator, name, value) VALUES (?, ?, ?)",
            (name, key, value),
        )


def set_limits(
    mirror: Mirror, name: str, limits: Mapping[str, int], *, clear: bool = False
) -> dict[str, int]:
    """Sets (or with `clear`, first removes all of) an operator's own limits; returns them.
    They take effect at the operator's next request, on every server process."""
    _require(mirror, name)
    own = check_limits(limits)
    with mirror.transaction() as conn:
        if clear:
            conn.execute("DELETE FROM srv_operator_limits WHERE operator = ?", (name,))
        _write_limits(conn, name, own)
    return operator_limits(mirror, name)


def operator_limits(mirror: Mirror, name: str) -> dict[str, int]:
    rows = mirror.all(
        "SELECT name, value FROM srv_operator_limits WHERE operator = ? ORDER BY name", name
    )
    return {str(r["name"]): int(r["value"]) for r in rows}


def all_limits(mirror: Mirror) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for r in mirror.all("SELECT operator, name, value FROM srv_operator_limits ORDER BY name"):
        found.setdefault(str(r["operator"]), {})[str(r["name"])] = int(r["value"])
    return found


def policy_for(mirror: Mirror, config: ServerConfig, name: str, role: str) -> Policy:
    """The policy an operator's money actions pass: the role's limits (defaults, or
    server.toml's [limits.<role>]) with the operator's own limits where those are stricter.
    Read from the store at each call, so a change applies at the next request."""
    return config.policy(role, own=operator_limits(mirror, name))


# ---- logins -------------------------------------------------------------------------------------


def failures(mirror: Mirror, *, operator: str, address: str, since: int) -> tuple[int, int]:
    by_op = mirror.one(
        "SELECT COUNT(*) AS n FROM srv_login_failures WHERE operator = ? AND at >= ?",
        operator,
        since,
    )
    by_addr = mirror.one(
        "SELECT COUNT(*) AS n FROM srv_login_failures WHERE address = ? AND at >= ?",
        address,
        since,
    )
    return int(by_op["n"] if by_op else 0), int(by_addr["n"] if by_addr else 0)


def record_failure(mirror: Mirror, *, operator: str, address: str) -> None:
    with mirror.transaction() as conn:
        conn.execute(
            "INSERT INTO srv_login_failures (at, operator, address) VALUES (?, ?, ?)",
            (mirror.now(), operator, address),
        )


async def verify_login(
    mirror: Mirror,
    name: str,
    password: str,
    code: str,
    *,
    now: float,
    seal: TotpSeal | None = None,
) -> bool:
    """Password (argon2id) and a TOTP code not used before (a code seen once is spent: the step
    it belongs to is remembered). An unknown name costs the same hash as a known one. The hash
    (tens of ms of CPU) runs in a worker thread; the store is touched only on the caller's.
    The sealed TOTP secret is opened with `seal` (default: the process's installed one)."""
    row = mirror.one("SELECT * FROM srv_operators WHERE name = ?", name)
    pw_hash = _DUMMY_HASH if row is None else str(row["pw_hash"])
    if not await asyncio.to_thread(_password_ok, pw_hash, password) or row is None:
        return False
    if row["disabled"]:
        return False
    stored = str(row["totp_secret"])
    seal = _seal_or_installed(seal)
    if seal is None and stored.startswith(SEALED):
        raise ConfigError(
            "服务器没有打开 TOTP 密钥的密钥（镜像密钥）",
            "the server has no key to open TOTP secrets with (the profile's mirror key)",
        )
    totp = pyotp.TOTP(stored if seal is None else seal.open(name, stored))
    step_now = int(now) // totp.interval
    for step in (step_now - 1, step_now, step_now + 1):
        if not secrets.compare_digest(totp.at(step * totp.interval), code.strip()):
            continue
        if step <= int(row["totp_step"]):  # the right password and a code already spent
            raise CodeAlreadyUsed()
        with mirror.transaction() as conn:
            cur = conn.execute(
                "UPDATE srv_operators SET totp_step = ? WHERE name = ? AND totp_step < ?",
                (step, name, step),
            )
            if not cur.rowcount:  # another login spent this code first
                raise CodeAlreadyUsed()
            conn.execute("DELETE FROM srv_login_failures WHERE operator = ?", (name,))
            if seal is not None and not stored.startswith(SEALED):  # written without a key
                conn.execute(
                    "UPDATE srv_operators SET totp_secret = ? WHERE name = ? AND totp_secret = ?",
                    (seal.seal(name, stored), name, stored),
                )
        return True
    return False


class CodeAlreadyUsed(XPayDeskError):
    """The password matched but the one-time code was already used for a login (said only
    after the password matched: a wrong password learns nothing more)."""

    kind = "totp_used"
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "这个动态码刚刚用过了；请等下一个动态码出现再登录",
            "this one-time code was just used; wait for the next one and log in again",
        )


def _password_ok(pw_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(pw_hash, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(12))


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"Tokens(expires_in={self.expires_in})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


def issue(
    mirror: Mirror, name: str, *, access_seconds: int, refresh_seconds: int, family: str = ""
) -> Tokens:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    family = family or secrets.token_hex(8)
    now = mirror.now()
    with mirror.transaction() as conn:
        conn.execute(
            "INSERT INTO srv_sessions (token_hash, kind, operator, family, expires_at) "
            "VALUES (?, 'access', ?, ?, ?)",
            (digest(access), name, family, now + access_seconds),
        )
        conn.execute(
            "INSERT INTO srv_sessions (token_hash, kind, operator, family, expires_at) "
            "VALUES (?, 'refresh', ?, ?, ?)",
            (digest(refresh), name, family, now + refresh_seconds),
        )
    return Tokens(access, refresh, access_seconds)


def session_operator(mirror: Mirror, token: str, *, kind: str = "access") -> tuple[Operator, str]:
    """(the operator, the session's family) of a live token of `kind`, or OperatorError."""
    row = mirror.one(
        "SELECT o.name, o.role, o.disabled, s.family, s.expires_at FROM srv_sessions s "
        "JOIN srv_operators o ON o.name = s.operator WHERE s.token_hash = ? AND s.kind = ?",
        digest(token),
        kind,
    )
    if row is None or row["disabled"] or int(row["expires_at"]) <= mirror.now():
        raise OperatorError("登录已失效，请重新登录", "session expired or ended: log in again")
    return Operator(str(row["name"]), str(row["role"]), False), str(row["family"])


def refresh(mirror: Mirror, token: str, *, access_seconds: int, refresh_seconds: int) -> Tokens:
    """A refresh token is used once: the family's old tokens go, new ones come."""
    operator, family = session_operator(mirror, token, kind="refresh")
    with mirror.transaction() as conn:
        cur = conn.execute(
            "DELETE FROM srv_sessions WHERE token_hash = ? AND kind = 'refresh'", (digest(token),)
        )
        if not cur.rowcount:
            raise OperatorError("登录已失效，请重新登录", "session expired or ended: log in again")
        conn.execute("DELETE FROM srv_sessions WHERE family = ?", (family,))
    return issue(
        mirror,
        operator.name,
        access_seconds=access_seconds,
        refresh_seconds=refresh_seconds,
        family=family,
    )


def logout(mirror: Mirror, family: str) -> None:
    with mirror.transaction() as conn:
        conn.execute("DELETE FROM srv_sessions WHERE family = ?", (family,))


# ---- four-eyes approvals -----------------------------------------------------------------------


def request_approval(
    mirror: Mirror,
    *,
    action: str,
    amount: int,
    request: dict[str, Any],
    requested_by: str,
    ttl: int,
) -> dict[str, Any]:
    approval_id = secrets.token_hex(8)
    now = mirror.now()
    with mirror.transaction() as conn:
        conn.execute(
            "INSERT INTO srv_approvals (id, action, amount, request, requested_by, state, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'awaiting_approval', ?, ?)",
            (
                approval_id,
                action,
                amount,
                json.dumps(request, ensure_ascii=False, sort_keys=True),
                requested_by,
                now,
                now + ttl,
            ),
        )
    found = approval(mirror, approval_id)
    assert found is not None
    add_event(mirror, "approval", _approval_event(found))
    return found


def _approval_event(found: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "action", "amount", "requested_by", "state", "decided_by")
    event = {k: found[k] for k in keys}
    error = (found.get("result") or {}).get("error")
    if found["state"] == "failed" and isinstance(error, dict):
        event["error"] = error  # the requester hears why, in both languages
    return event


def _approval_dict(row: Any, now: int) -> dict[str, Any]:
    state = str(row["state"])
    if state == "awaiting_approval" and int(row["expires_at"]) <= now:
        state = "expired"
    return {
        "id": str(row["id"]),
        "action": str(row["action"]),
        "amount": int(row["amount"]),
        "request": json.loads(row["request"]),
        "requested_by": str(row["requested_by"]),
        "state": state,
        "created_at": int(row["created_at"]),
        "expires_at": int(row["expires_at"]),
        "decided_by": str(row["decided_by"]),
        "decided_at": int(row["decided_at"]),
        "decision_reason": str(row["decision_reason"]),
        "result": json.loads(row["result"]) if row["result"] else None,
    }


def approval(mirror: Mirror, approval_id: str) -> dict[str, Any] | None:
    row = mirror.one("SELECT * FROM srv_approvals WHERE id = ?", approval_id)
    return None if row is None else _approval_dict(row, mirror.now())


def approvals(mirror: Mirror, *, only_waiting: bool = True) -> list[dict[str, Any]]:
    now = mirror.now()
    rows = mirror.all("SELECT * FROM srv_approvals ORDER BY created_at DESC, id LIMIT 500")
    found = [_approval_dict(r, now) for r in rows]
    return [a for a in found if a["state"] == "awaiting_approval"] if only_waiting else found


def decide(mirror: Mirror, approval_id: str, *, by: str, state: str, reason: str) -> dict[str, Any]:
    """Claims a waiting request for `by` (approved or rejected) in one conditional update: two
    approvers clicking at once, one wins. Refuses one's own request and an expired one."""
    if not reason.strip():
        raise OperatorError("必须填写原因", "a reason is required")
    found = approval(mirror, approval_id)
    if found is None:
        raise OperatorError(f"没有待审批请求 {approval_id}", f"no approval request {approval_id}")
    if found["requested_by"] == by:
        raise SelfApproval(
            "不能审批自己的请求：需要另一位财务或管理员",
            "nobody approves their own request: another finance or admin operator must",
        )
    if found["state"] != "awaiting_approval":
        raise OperatorError(
            f"该请求已是「{word('approval_state', found['state'], 'zh_CN')}」，不能再审批",
            f"this request is already {word('approval_state', found['state'], 'en').lower()}",
        )
    now = mirror.now()
    with mirror.transaction() as conn:
        cur = conn.execute(
            "UPDATE srv_approvals SET state = ?, decided_by = ?, decided_at = ?, "
            "decision_reason = ? WHERE id = ? AND state = 'awaiting_approval' AND expires_at > ?",
            (state, by, now, reason, approval_id, now),
        )
        if not cur.rowcount:
            raise OperatorError("该请求已被处理或已过期", "this request was decided or has expired")
    claimed = approval(mirror, approval_id)
    assert claimed is not None
    add_event(mirror, "approval", _approval_event(claimed))
    return claimed


def record_result(mirror: Mirror, approval_id: str, result: dict[str, Any]) -> None:
    with mirror.transaction() as conn:
        conn.execute(
            "UPDATE srv_approvals SET result = ? WHERE id = ?",
            (json.dumps(result, ensure_ascii=False, sort_keys=True), approval_id),
        )


def follow(mirror: Mirror, intent_id: int, state: str) -> list[str]:
    """The action an approved request ran moved on (a refund went through, a clawback ended):
    the request's result says the state it is in now, and desktops hear it (an `approval`
    event), so a banner that said "approved · refunding" ends saying done. Answers the ids of
    the requests that moved."""
    rows = mirror.all(
        "SELECT id, result FROM srv_approvals WHERE state = 'approved' AND result LIKE ?",
        f'%"intent_id": {int(intent_id)}%',
    )
    moved = []
    for row in rows:
        result = json.loads(row["result"])
        if result.get("intent_id") != intent_id or result.get("state") == state:
            continue
        with mirror.transaction() as conn:
            conn.execute(
                "UPDATE srv_approvals SET result = ? WHERE id = ?",
                (
                    json.dumps({**result, "state": state}, ensure_ascii=False, sort_keys=True),
                    row["id"],
                ),
            )
        found = approval(mirror, str(row["id"]))
        assert found is not None
        add_event(mirror, "approval", _approval_event(found))
        moved.append(str(row["id"]))
    return moved


def fail(
    mirror: Mirror, approval_id: str, result: dict[str, Any], zh: str, en: str
) -> dict[str, Any]:
    """An approved request whose action was then refused (by the checks or by WeChat): its state
    becomes "failed", the reason kept in both languages in its result (`result["error"]`), and
    desktops hear it (an `approval` event), the requester's first. Only an approved one fails."""
    kept = {**result, "error": {"zh_CN": zh, "en": en}}
    with mirror.transaction() as conn:
        conn.execute(
            "UPDATE srv_approvals SET state = 'failed', result = ? "
            "WHERE id = ? AND state = 'approved'",
            (json.dumps(kept, ensure_ascii=False, sort_keys=True), approval_id),
        )
    found = approval(mirror, approval_id)
    if found is None:
        raise OperatorError(f"没有待审批请求 {approval_id}", f"no approval request {approval_id}")
    if found["state"] == "failed":
        add_event(mirror, "approval", _approval_event(found))
    return found


class SelfApproval(OperatorError):
    kind = "self_approval"


# ---- the merchant's backend (posts session keys at each wx.login) ------------------------------


def add_backend_token(mirror: Mirror, name: str) -> str:
    """A token for the merchant's backend, separate from operators: printed once, stored as a
    digest, revocable. A second token under a name replaces the first."""
    _check_name(name)
    token = "xpdb_" + secrets.token_urlsafe(32)
    with mirror.transaction() as conn:
        conn.execute("DELETE FROM srv_backend_tokens WHERE name = ?", (name,))
        conn.execute(
            "INSERT INTO srv_backend_tokens (name, token_hash, created_at) VALUES (?, ?, ?)",
            (name, digest(token), mirror.now()),
        )
    return token


def revoke_backend_token(mirror: Mirror, name: str) -> None:
    with mirror.transaction() as conn:
        cur = conn.execute("UPDATE srv_backend_tokens SET revoked = 1 WHERE name = ?", (name,))
        if not cur.rowcount:
            raise OperatorError(f"没有后端令牌 {name}", f"no backend token {name}")


def backend_name(mirror: Mirror, token: str) -> str | None:
    row = mirror.one(
        "SELECT name FROM srv_backend_tokens WHERE token_hash = ? AND revoked = 0", digest(token)
    )
    return None if row is None else str(row["name"])


# ---- events for desktops (server-sent events) --------------------------------------------------


ONCE_WINDOW = 1000  # how many recent events `once` looks through


def add_event(mirror: Mirror, kind: str, data: dict[str, Any], *, once: bool = False) -> int:
    """One event, numbered in order across every server process on the store: the id is taken
    under the store's writer lock (BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL).
    `once`: not again when the same event is among the recent ones (two server processes that
    both saw an intent move tell it once); returns 0 then."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    with mirror.transaction() as conn:
        head = conn.execute("SELECT COALESCE(MAX(id), 0) AS n FROM srv_events").fetchone()
        if (
            once
            and conn.execute(
                "SELECT 1 FROM srv_events WHERE id > ? AND kind = ? AND data = ?",
                (int(head["n"]) - ONCE_WINDOW, kind, text),
            ).fetchone()
        ):
            return 0
        event_id = int(head["n"]) + 1
        conn.execute(
            "INSERT INTO srv_events (id, at, kind, data) VALUES (?, ?, ?, ?)",
            (event_id, mirror.now(), kind, text),
        )
    return event_id


def last_event(mirror: Mirror) -> int:
    row = mirror.one("SELECT COALESCE(MAX(id), 0) AS n FROM srv_events")
    return int(row["n"]) if row else 0


def events_after(mirror: Mirror, after: int, *, limit: int = 100) -> list[tuple[int, str, str]]:
    rows = mirror.all(
        "SELECT id, kind, data FROM srv_events WHERE id > ? ORDER BY id LIMIT ?", after, limit
    )
    return [(int(r["id"]), str(r["kind"]), str(r["data"])) for r in rows]
