"""The reads the dashboard makes, all indexed: one user's timeline, search by any id, and paged,
filtered, sorted order lists (keyset pagination, plus an anchor index so that jumping to row
999,800 costs the same as row 10)."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from core.mirror.records import ORDER_COLUMNS, row_count
from core.store.dialect import Dialect

if TYPE_CHECKING:
    import sqlite3

    from core.mirror.db import Mirror

# ---- timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One action or event in a user's history. An action the desk took leaves several rows (the
    audit row of the intent, the audit row of WeChat's answer, the ledger or refund row): they
    are folded into one entry, the record of the action first, the audit rows in `parts`."""

    at: int  # unix seconds
    kind: str  # order | refund | deduct | cancel | gift | clawback | push | audit
    ref: str  # the id the entry is about (for a push: its order or refund id)
    amount: int | None
    unit: str  # fen | coins | ""
    status: str
    summary: str  # the data behind it, never a code word: a reason, a product id, an order id
    raw: str  # the record behind the entry (JSON)
    info: dict[str, Any] = field(default_factory=dict, compare=False)
    parts: tuple[TimelineEntry, ...] = ()  # the other rows of the same action, newest first

    @property
    def signed_amount(self) -> int | None:
        """Negative for money or coins leaving the user (deductions, refunds, clawbacks)."""
        if self.amount is None:
            return None
        return -self.amount if self.kind in ("deduct", "clawback", "refund") else self.amount


# each part: at, kind, ref, amount, unit, status, summary, raw, then four columns that say
# more about the entry (see _INFO): plain columns, no JSON built or parsed per row
def _timeline_parts(d: Dialect) -> tuple[str, ...]:
    return (
        "SELECT create_time AS at, 'order' AS kind, order_id AS ref, paid_fee AS amount, "
        "'fen' AS unit, CAST(status AS TEXT) AS status, product_id AS summary, raw, kind AS i1, "
        f"product_id AS i2, {d.as_text('quantity')} AS i3, '' AS i4 FROM orders "
        "WHERE openid = :openid ORDER BY create_time DESC LIMIT :limit",
        "SELECT started_at, 'refund', refund_order_id, refund_fee, 'fen', status, order_id, raw, "
        "order_id, operator, NULL, '' FROM refunds "
        "WHERE openid = :openid ORDER BY started_at DESC LIMIT :limit",
        # a pending ledger row says what its open intent waits for (needs_login, unknown, ...):
        # the same word the Refunds page, the pending list and the audit log use for that state
        "SELECT created_at, kind, order_id, amount, 'coins', CASE WHEN status = 'pending' THEN "
        "COALESCE((SELECT state FROM intents WHERE wechat_id = ledger.order_id "
        "AND state NOT IN ('done', 'failed')), status) ELSE status END, reason, "
        + d.json_object(
            "'order_id', order_id, 'operator', operator, 'reason', reason, 'balance_after', "
            "balance_after, 'refund_order_id', refund_order_id, 'cancels_order_id', "
            "cancels_order_id"
        )
        + ", operator, reason, refund_order_id, cancels_order_id FROM ledger "
        "WHERE openid = :openid ORDER BY created_at DESC LIMIT :limit",
        "SELECT create_time, 'push', CASE WHEN refund_order_id != '' THEN refund_order_id "
        "ELSE order_id END, CAST(NULL AS INTEGER), '', verdict, event, "
        + d.json_object("'query', raw_query, 'body', raw_body, 'message', message")
        + ", event, order_id, refund_order_id, '' "
        "FROM pushes WHERE openid = :openid ORDER BY create_time DESC LIMIT :limit",
        f"SELECT at, 'audit', COALESCE({d.json_field('params', 'wechat_id')}, ''), "
        "CAST(NULL AS INTEGER), '', "
        f"result, COALESCE({d.json_field('params', 'reason')}, ''), params, action, operator, "
        f"{d.as_text('errcode')}, '' FROM audit WHERE openid = :openid ORDER BY at DESC "
        "LIMIT :limit",
    )


_INFO = {
    "order": ("order_kind", "product_id", "quantity"),
    "refund": ("order_id", "operator"),
    "push": ("event", "order_id", "refund_order_id"),
    "audit": ("action", "operator", "errcode"),
}
_LEDGER_INFO = ("operator", "reason", "refund_order_id", "cancels_order_id")


@cache
def timeline_sql(d: Dialect) -> str:
    parts = _timeline_parts(d)
    return (
        "SELECT * FROM ("
        + "".join(
            f"{sql}) AS part{n}" + (" UNION ALL SELECT * FROM (" if n < len(parts) - 1 else "")
            for n, sql in enumerate(parts)
        )
        + " ORDER BY at DESC, kind LIMIT :limit"
    )


_NUMBER_INFO = frozenset({("order", "quantity"), ("audit", "errcode")})


def _entry(r: Any, parts: tuple[TimelineEntry, ...] = ()) -> TimelineEntry:
    info = dict(zip(_INFO.get(r[1], _LEDGER_INFO), r[8:], strict=False))
    for name, value in info.items():  # a number a store gave back as text (Dialect.as_text)
        if isinstance(value, str) and (r[1], name) in _NUMBER_INFO:
            info[name] = int(value)
    return TimelineEntry(
        r[0], r[1], r[2], r[3], r[4], str(r[5]), r[6] or "", r[7] or "{}", info, parts
    )


def _fold(rows: list[Any]) -> list[TimelineEntry]:
    """One entry per action: the audit rows that name the id of a ledger or refund row (the
    id sent to WeChat) join that row, and so does WeChat's push about a refund that has a refund
    row; audit rows of an action without such a row (a delivery,
    a complaint answer, a failed attempt) join the newest of them. Newest first, as they came;
    each entry is built once."""
    records = {r[2] for r in rows if r[1] not in ("audit", "push", "order") and r[2]}
    refunds = {r[2] for r in rows if r[1] == "refund" and r[2]}
    heads: set[str] = set()
    parts: dict[str, list[TimelineEntry]] = {}
    order: list[Any] = []
    for r in rows:
        if r[1] == "push" and r[2] in refunds:
            # WeChat's push about a refund is part of that refund (two rows of one amount read
            # as two refunds)
            parts.setdefault(r[2], []).append(_entry(r))
            continue
        if r[1] == "audit" and r[2]:
            if r[2] in records or r[2] in heads:
                parts.setdefault(r[2], []).append(_entry(r))
                continue
            heads.add(r[2])
        order.append(r)
    return [
        _entry(r, tuple(parts.get(r[2], ())))
        if r[2] and (r[1] == "audit" or r[1] not in ("push", "order"))
        else _entry(r)
        for r in order
    ]


def timeline(mirror: Mirror, openid: str, *, limit: int = 200) -> list[TimelineEntry]:
    sql = timeline_sql(mirror.dialect)
    rows = mirror.conn.execute(sql, {"openid": openid, "limit": limit}).fetchall()
    return _approval_entries(mirror, _fold(rows))


# ---- approval requests (team mode) on the timeline ---------------------------------------------

APPROVAL_AUDIT = ("approval_requested", "approve", "reject")


def _approval_id(e: TimelineEntry) -> str:
    if e.kind != "audit" or e.info.get("action") not in APPROVAL_AUDIT:
        return ""
    try:
        params = json.loads(e.raw)
    except ValueError:
        return ""
    return str(params.get("approval") or "") if isinstance(params, dict) else ""


def _stored_approvals(mirror: Mirror, ids: list[str]) -> dict[str, Any]:
    """The team server's own record of each request (srv_approvals, in the same store); none on
    a solo desk's mirror, which has no such table."""
    exists = (
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'srv_approvals'"
        if mirror.dialect.name == "postgresql"
        else "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'srv_approvals'"
    )
    if not ids or mirror.one(exists) is None:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = mirror.all(
        "SELECT id, state, expires_at, decided_by, decision_reason, result FROM srv_approvals "
        f"WHERE id IN ({marks})",
        *ids,
    )
    return {str(r["id"]): r for r in rows}


def _decided_from_audit(decisions: list[TimelineEntry]) -> tuple[str, str, str]:
    """(state, decided by, reason) from the newest decision row, where the server's record of
    the request is not at hand."""
    for d in decisions:
        params = json.loads(d.raw)
        reason = str(params.get("decision_reason") or "")
        who = str(d.info.get("operator") or "")
        if d.info.get("action") == "reject":
            return "rejected", who, reason
        return ("failed" if d.status.startswith("failed") else "approved"), who, reason
    return "awaiting_approval", "", ""


def _approval_entries(mirror: Mirror, entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """An approval request is one entry: its amount with its unit, its state as it is now
    (waiting, approved, rejected, expired or failed), who decided and why; the decision rows
    that did not join the action they ran are its parts instead of entries of their own."""
    ids = [_approval_id(e) for e in entries]
    if not any(ids):
        return entries
    heads = {
        aid: n
        for n, (e, aid) in enumerate(zip(entries, ids, strict=True))
        if aid and e.info.get("action") == "approval_requested"
    }
    stored = _stored_approvals(mirror, sorted(set(filter(None, ids))))
    decisions: dict[str, list[TimelineEntry]] = {}
    for n, (e, aid) in enumerate(zip(entries, ids, strict=True)):
        if aid in heads and heads[aid] != n:
            decisions.setdefault(aid, []).append(e)
    now = mirror.now()
    out: list[TimelineEntry] = []
    for n, (e, aid) in enumerate(zip(entries, ids, strict=True)):
        head = heads.get(aid) == n
        if not aid:
            out.append(e)
            continue
        if aid in heads and not head:
            continue  # a part of its request's entry
        params = json.loads(e.raw)
        endpoint = str(params.get("endpoint") or "")
        amount = params.get("amount")
        unit = "fen" if endpoint.removeprefix("bulk_") == "refund" else "coins"
        info = {**e.info, "approval": aid, "endpoint": endpoint}
        status = e.status
        if head:
            row = stored.get(aid)
            if row is not None:
                state = str(row["state"])
                if state == "awaiting_approval" and int(row["expires_at"]) <= now:
                    state = "expired"
                who, why = str(row["decided_by"] or ""), str(row["decision_reason"] or "")
                result = json.loads(row["result"]) if row["result"] else {}
                error = result.get("error") if isinstance(result, dict) else None
                if state == "failed" and isinstance(error, dict):
                    info["failure"] = {k: str(v) for k, v in error.items()}
            else:
                state, who, why = _decided_from_audit(decisions.get(aid, []))
            status = state
            info.update(decided_by=who, decision_reason=why)
            if params.get("clawback_coins"):
                info["clawback_coins"] = int(params["clawback_coins"])
        counted = isinstance(amount, int) and not isinstance(amount, bool)
        out.append(
            TimelineEntry(
                e.at,
                e.kind,
                e.ref,
                int(amount) if counted else e.amount,
                unit if counted else e.unit,
                status,
                e.summary,
                e.raw,
                info,
                (*e.parts, *decisions.get(aid, ())) if head else e.parts,
            )
        )
    return out


# ---- who needs the desk ----------------------------------------------------------------------

# why a user needs attention, most urgent first (core.vocabulary "attention" words)
ATTENTION_SQL = (
    (
        "complaint_open",
        "SELECT openid, MAX(complained_at) FROM complaints WHERE state IN "
        "('PENDING', 'PROCESSING') AND openid != '' GROUP BY openid",
    ),
    (
        "outcome_unknown",
        "SELECT openid, MAX(updated_at) FROM intents WHERE state = 'unknown' "
        "AND openid != '' GROUP BY openid",
    ),
    (
        "needs_login",
        "SELECT openid, MAX(updated_at) FROM intents WHERE state = 'needs_login' "
        "AND openid != '' GROUP BY openid",
    ),
    (
        "refund_in_flight",
        "SELECT openid, MAX(updated_at) FROM intents WHERE state IN "
        "('refunding', 'waiting_refund') AND openid != '' GROUP BY openid",
    ),
)


def attention_users(mirror: Mirror, *, limit: int = 100) -> list[dict[str, Any]]:
    """Users with open work: a complaint open, an action whose outcome is unknown, a clawback
    waiting for the user's session key, a refund in flight. One row per user (the most urgent
    reason first, the others listed), newest first within a reason."""
    found: dict[str, dict[str, Any]] = {}
    for why, sql in ATTENTION_SQL:
        rows = mirror.conn.execute(sql).fetchall()
        for openid, at in sorted(rows, key=lambda r: -(r[1] or 0)):
            row = found.setdefault(openid, {"openid": openid, "why": why, "also": [], "at": at})
            if row["why"] != why:
                row["also"].append(why)
    return list(found.values())[:limit]


def recent_users(mirror: Mirror, *, limit: int = 20) -> list[dict[str, Any]]:
    """The users with the newest activity in the mirror (an order, a push, an action), each
    once; read through the time indexes, so as fast at a million orders as at ten."""
    seen: dict[str, dict[str, Any]] = {}
    for what, sql in (
        ("order", "SELECT openid, create_time FROM orders ORDER BY create_time DESC LIMIT 400"),
        ("action", "SELECT openid, at FROM audit WHERE openid != '' ORDER BY id DESC LIMIT 400"),
    ):
        for openid, at in mirror.conn.execute(sql):
            known = seen.get(openid)
            if known is None or (at or 0) > known["at"]:
                seen[openid] = {"openid": openid, "at": at or 0, "last": what}
    return sorted(seen.values(), key=lambda r: -r["at"])[:limit]


# ---- search by any id ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    kind: str  # order | refund | ledger | user
    id: str
    openid: str
    matched: str  # which column matched


_EXACT = (
    ("order", "order_id", "SELECT order_id, openid FROM orders WHERE order_id = ?"),
    ("order", "wx_order_id", "SELECT order_id, openid FROM orders WHERE wx_order_id = ?"),
    ("order", "channel_order_id", "SELECT order_id, openid FROM orders WHERE channel_order_id = ?"),
    ("order", "wxpay_order_id", "SELECT order_id, openid FROM orders WHERE wxpay_order_id = ?"),
    (
        "refund",
        "refund_order_id",
        "SELECT refund_order_id, openid FROM refunds WHERE refund_order_id = ?",
    ),
    (
        "refund",
        "refund_wx_order_id",
        "SELECT refund_order_id, openid FROM refunds WHERE refund_wx_order_id = ?",
    ),
    ("ledger", "order_id", "SELECT order_id, openid FROM ledger WHERE order_id = ?"),
)


def search(mirror: Mirror, term: str, *, limit: int = 20) -> list[SearchHit]:
    """Exact ids first, then openids starting with the term (4 characters at least)."""
    term = term.strip()
    if not term:
        return []
    hits = [
        SearchHit(kind, row[0], row[1], column)
        for kind, column, sql in _EXACT
        for row in mirror.conn.execute(sql, (term,))
    ]
    if len(term) >= 4:
        upper = term + "\U0010ffff"
        for row in mirror.conn.execute(
            "SELECT DISTINCT openid FROM orders WHERE openid >= ? AND openid < ? LIMIT ?",
            (term, upper, limit),
        ):
            hits.append(SearchHit("user", row[0], row[0], "openid"))
        if not hits:  # the start of an id: every id it could be (each read through its index)
            for kind, column, sql in _PREFIX:
                for row in mirror.conn.execute(sql, (term, upper, limit)):
                    hits.append(SearchHit(kind, row[0], row[1], column))
    return hits[:limit]


_PREFIX = (
    (
        "order",
        "order_id",
        "SELECT order_id, openid FROM orders WHERE order_id >= ? AND order_id < ? LIMIT ?",
    ),
    (
        "order",
        "wx_order_id",
        "SELECT order_id, openid FROM orders WHERE wx_order_id >= ? AND wx_order_id < ? LIMIT ?",
    ),
    (
        "refund",
        "refund_order_id",
        "SELECT refund_order_id, openid FROM refunds WHERE refund_order_id >= ? AND "
        "refund_order_id < ? LIMIT ?",
    ),
)


# ---- order lists ---------------------------------------------------------------------------

SORTABLE = ("create_time", "paid_time", "paid_fee", "order_id", "status", "left_fee")
# what a list row shows: every order column but the raw record and the settlement details
LIST_COLUMNS = tuple(
    c
    for c in ORDER_COLUMNS
    if c not in ("raw", "biz_meta", "update_time", "sett_time", "platform_fee_fen", "cps_fee_fen")
)


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[int, ...] = ()
    kind: str | None = None
    since: int | None = None  # create_time >= since
    until: int | None = None  # create_time < until
    openid: str | None = None
    env: int | None = None

    def where(self, *, sort_first: bool = False) -> tuple[str, list[Any]]:
        """`sort_first` keeps SQLite off the status/kind indexes (the unary +) so that it walks
        the sort index and stops after a page: right when the filter keeps many rows; wrong
        when it keeps few (then filtering first and sorting the few is cheaper)."""
        plus = "+" if sort_first else ""
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if self.statuses:
            clauses.append(f"{plus}status IN ({', '.join('?' * len(self.statuses))})")
            params.extend(self.statuses)
        for clause, value in (
            (f"{plus}kind = ?", self.kind),
            ("create_time >= ?", self.since),
            ("create_time < ?", self.until),
            ("openid = ?", self.openid),
            (f"{plus}env = ?", self.env),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class OrderSort:
    column: str = "create_time"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.column not in SORTABLE:
            raise ValueError(f"cannot sort by {self.column!r}")

    def order_by(self, *, reverse: bool = False) -> str:
        desc = self.descending != reverse
        direction = "DESC" if desc else "ASC"
        if self.column == "order_id":
            return f"order_id {direction}"
        return f"{self.column} {direction}, order_id {direction}"

    def after(self, key: tuple[Any, ...], *, reverse: bool = False) -> str:
        op = "<" if self.descending != reverse else ">"
        if self.column == "order_id":
            return f"order_id {op} ?"
        return f"({self.column}, order_id) {op} (?, ?)"

    def key_of(self, row: Any) -> tuple[Any, ...]:
        return (
            (row["order_id"],) if self.column == "order_id" else (row[self.column], row["order_id"])
        )


def count_orders(mirror: Mirror, filt: OrderFilter = OrderFilter()) -> int:
    if filt == OrderFilter():
        return row_count(mirror, "orders")  # a counter kept by triggers, not a scan
    where, params = filt.where()
    return int(
        mirror.conn.execute(f"SELECT COUNT(*) FROM orders WHERE {where}", params).fetchone()[0]
    )


def page_after(
    mirror: Mirror,
    filt: OrderFilter,
    sort: OrderSort,
    *,
    after: tuple[Any, ...] | None = None,
    limit: int = 200,
    offset: int = 0,
    reverse: bool = False,
    sort_first: bool = False,
) -> list[dict[str, Any]]:
    """The `limit` rows after a key (keyset pagination); `offset` skips a few more."""
    where, params = filt.where(sort_first=sort_first and mirror.dialect.index_hints)
    if after is not None:
        where += " AND " + sort.after(after, reverse=reverse)
        params += list(after)
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)} FROM orders WHERE {where} "
        f"ORDER BY {sort.order_by(reverse=reverse)} LIMIT ? OFFSET ?"
    )
    return [dict(r) for r in mirror.conn.execute(sql, [*params, limit, offset])]


@dataclass
class OrderPager:
    """Random access to a filtered, sorted order list. Keys of rows already visited are kept as
    anchors; row N is read by keyset from the nearest anchor before it (skipping fewer than
    `stride` rows), and an anchor far from any known one is found by a single index walk from
    whichever end of the list is nearer. `invalidate()` after the data changes."""

    mirror: Mirror
    filt: OrderFilter = field(default_factory=OrderFilter)
    sort: OrderSort = field(default_factory=OrderSort)
    stride: int = 250
    _anchor_rows: list[int] = field(default_factory=list)
    _anchor_keys: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    _total: int | None = None
    _prefer_sort: bool | None = None
    _complete: bool = False

    def invalidate(self) -> None:
        self._anchor_rows.clear()
        self._anchor_keys.clear()
        self._total = None
        self._prefer_sort = None
        self._complete = False

    @property
    def total(self) -> int:
        if self._total is None:
            self._total = count_orders(self.mirror, self.filt)
        return self._total

    @property
    def sort_first(self) -> bool:
        """Walk the sort index when the filter keeps at least 5 % of the orders."""
        everything = count_orders(self.mirror) if self.filt != OrderFilter() else self.total
        return self.total * 20 >= everything

    def _sort_first(self) -> bool:
        if self._prefer_sort is None:
            self._prefer_sort = self.sort_first and self.mirror.dialect.index_hints
        return self._prefer_sort

    def _keycols(self) -> str:
        return "order_id" if self.sort.column == "order_id" else f"{self.sort.column}, order_id"

    def _key_at(self, row: int) -> tuple[Any, ...]:
        where, params = self.filt.where(sort_first=self._sort_first())
        reverse = row > self.total // 2
        offset = self.total - 1 - row if reverse else row
        sql = (
            f"SELECT {self._keycols()} FROM orders WHERE {where} "
            f"ORDER BY {self.sort.order_by(reverse=reverse)} LIMIT 1 OFFSET ?"
        )
        found = self.mirror.conn.execute(sql, [*params, offset]).fetchone()
        return tuple(found)

    def needs_anchors(self, start: int) -> bool:
        """Whether reading row `start` would first compute every anchor (one pass over the
        matching rows: seconds at a million orders). A UI computes them in the background with
        `compute_anchors` and `install_anchors` instead of waiting for `rows`."""
        needed = start >= self.stride and self.filt != OrderFilter() and not self._complete
        if needed:
            self._sort_first()  # settled here, on the pager's own connection, before any worker
        return needed

    def compute_anchors(self, conn: sqlite3.Connection | None = None) -> dict[int, tuple[Any, ...]]:
        """Every stride-th key in one pass (a window function over the matching rows): under a
        filter, walking to one deep row costs a table lookup per skipped row, so one pass that
        yields every anchor is cheaper than a walk per jump. Touches no state of the pager, so
        it may run in another thread on its own connection (`Mirror.reader()`)."""
        where, params = self.filt.where(sort_first=self._sort_first())
        cols = self._keycols()
        sql = (
            f"SELECT n, {cols} FROM (SELECT {cols}, row_number() OVER (ORDER BY "
            f"{self.sort.order_by()}) - 1 AS n FROM orders WHERE {where}) AS numbered "
            f"WHERE n % {self.stride} = 0"
        )
        return {n: tuple(key) for n, *key in (conn or self.mirror.conn).execute(sql, params)}

    def install_anchors(self, anchors: dict[int, tuple[Any, ...]]) -> None:
        for n, key in anchors.items():
            if n not in self._anchor_keys:
                self._anchor_keys[n] = key
                self._anchor_rows.append(n)
        self._anchor_rows.sort()
        self._complete = True

    def _build_all_anchors(self) -> None:
        self.install_anchors(self.compute_anchors())

    def _anchor(self, row: int) -> tuple[int, tuple[Any, ...]]:
        """The anchor at or before `row`, making one when the nearest is too far. Unfiltered,
        one walk of the narrow sort index finds it (C speed); filtered, all anchors come at
        once."""
        if self.filt != OrderFilter() and not self._complete:
            self._build_all_anchors()
        index = bisect.bisect_right(self._anchor_rows, row) - 1
        if index >= 0 and row - self._anchor_rows[index] < self.stride:
            at = self._anchor_rows[index]
            return at, self._anchor_keys[at]
        at = row - row % self.stride
        key = self._key_at(at)
        bisect.insort(self._anchor_rows, at)
        self._anchor_keys[at] = key
        return at, key

    def rows(self, start: int, count: int = 200) -> list[dict[str, Any]]:
        if start < 0 or count <= 0 or start >= self.total:
            return []
        if start < self.stride:  # the first rows need no anchor at all
            return page_after(
                self.mirror,
                self.filt,
                self.sort,
                limit=count,
                offset=start,
                sort_first=self._sort_first(),
            )
        at, key = self._anchor(start)
        return self._from_anchor(key, count, start - at)

    def _from_anchor(self, anchor: tuple[Any, ...], count: int, skip: int) -> list[dict[str, Any]]:
        """Rows from the anchor row itself (inclusive), skipping `skip` of them."""
        where, params = self.filt.where(sort_first=self._sort_first())
        op = "<=" if self.sort.descending else ">="
        single = self.sort.column == "order_id"
        keycols = "order_id" if single else f"({self.sort.column}, order_id)"
        holder = "?" if single else "(?, ?)"
        sql = (
            f"SELECT {', '.join(LIST_COLUMNS)} FROM orders WHERE {where} AND {keycols} {op} "
            f"{holder} ORDER BY {self.sort.order_by()} LIMIT ? OFFSET ?"
        )
        return [dict(r) for r in self.mirror.conn.execute(sql, [*params, *anchor, count, skip])]


def _detail_queries(order_id: str, refund_ids: list[str]) -> dict[str, tuple[str, list[Any]]]:
    """The ledger and push reads of one order's detail, each through an index (pushes_order,
    pushes_refund, ledger_refund). With no refunds there is no refund clause at all: an empty
    `IN ('')` once matched every row whose refund id is empty, i.e. every other order's rows."""
    marks = ", ".join("?" * len(refund_ids))
    pushes = "SELECT id, event, verdict, create_time, message FROM pushes WHERE order_id = ?"
    queries: dict[str, tuple[str, list[Any]]] = {}
    if refund_ids:
        queries["ledger"] = (
            f"SELECT * FROM ledger WHERE refund_order_id IN ({marks}) ORDER BY created_at",
            list(refund_ids),
        )
        # a UNION, not an OR: each half reads its own index; a push naming both the order
        # and one of its refunds is still one row
        pushes = (
            f"{pushes} UNION SELECT id, event, verdict, create_time, message FROM pushes "
            f"WHERE refund_order_id IN ({marks})"
        )
    queries["pushes"] = (f"{pushes} ORDER BY create_time, id", [order_id, *refund_ids])
    return queries


def order_detail_plan(mirror: Mirror, order_id: str, refund_ids: list[str]) -> list[str]:
    """EXPLAIN QUERY PLAN of the detail's reads (a test checks that none scans a table)."""
    lines: list[str] = []
    reads = [("SELECT * FROM orders WHERE order_id = ?", [order_id])]
    reads.append(("SELECT * FROM refunds WHERE order_id = ? ORDER BY started_at", [order_id]))
    reads += list(_detail_queries(order_id, refund_ids).values())
    for sql, params in reads:
        lines += [str(r[3]) for r in mirror.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    return lines


def order_detail(mirror: Mirror, order_id: str) -> dict[str, Any] | None:
    """The detail pane: the order, its refunds, the ledger rows of those refunds (clawbacks) and
    the pushes about the order or its refunds. Nothing of any other order."""
    row = mirror.one("SELECT * FROM orders WHERE order_id = ?", order_id)
    if row is None:
        return None
    refunds = [
        dict(r)
        for r in mirror.all(
            "SELECT * FROM refunds WHERE order_id = ? ORDER BY started_at", order_id
        )
    ]
    queries = _detail_queries(order_id, [r["refund_order_id"] for r in refunds])
    found = {
        name: [dict(r) for r in mirror.all(sql, *params)] for name, (sql, params) in queries.items()
    }
    detail = dict(row)
    detail["raw"] = json.loads(detail["raw"] or "{}")
    return {
        "order": detail,
        "refunds": refunds,
        "ledger": found.get("ledger", []),
        "pushes": found["pushes"],
    }
