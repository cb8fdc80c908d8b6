"""The mirror's schema as an ordered list of migrations. `PRAGMA user_version` records how many
have run; opening a database applies the missing ones in one transaction each, so a database
from any earlier version is brought forward without losing a row. Never edit a released
migration: append a new one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: orders, refunds, the coin ledger
    """
    CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,            -- merchant order id (out_trade_no)
        wx_order_id TEXT,
        openid TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'coin',    -- coin (代币充值) | item (道具直购)
        product_id TEXT NOT NULL DEFAULT '',
        quantity INTEGER NOT NULL DEFAULT 0,  -- coins for a top-up, items otherwise
        order_fee INTEGER NOT NULL DEFAULT 0, -- fen
        paid_fee INTEGER NOT NULL DEFAULT 0,
        left_fee INTEGER NOT NULL DEFAULT 0,
        status INTEGER NOT NULL DEFAULT 0,    -- query_order status 0..10
        env INTEGER NOT NULL DEFAULT 0,       -- 0 production, 1 sandbox
        create_time INTEGER NOT NULL DEFAULT 0, -- unix seconds
        paid_time INTEGER NOT NULL DEFAULT 0,
        provide_time INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL,                 -- vk-pay | bill | push | query_order | ...
        refreshed_at INTEGER NOT NULL DEFAULT 0,
        raw TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE refunds (
        refund_order_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        openid TEXT NOT NULL DEFAULT '',
        refund_fee INTEGER NOT NULL,
        refund_reason TEXT NOT NULL DEFAULT '0',
        req_from TEXT NOT NULL DEFAULT '1',
        refund_wx_order_id TEXT,
        status TEXT NOT NULL,                 -- started | refunding | refunded | failed
        started_at INTEGER NOT NULL DEFAULT 0,
        finished_at INTEGER NOT NULL DEFAULT 0,
        operator TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        raw TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,                   -- deduct | cancel | gift | clawback
        order_id TEXT NOT NULL UNIQUE,        -- the id sent to WeChat
        openid TEXT NOT NULL,
        amount INTEGER NOT NULL,              -- coins, always positive; kind gives the sign
        balance_after INTEGER,
        refund_order_id TEXT,                 -- the refund a clawback belongs to
        cancels_order_id TEXT,                -- the deduction a cancel reverses
        operator TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL,                 -- pending | done | failed | unknown
        env INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX orders_openid_time ON orders (openid, create_time);
    CREATE INDEX refunds_order ON refunds (order_id);
    CREATE INDEX ledger_openid_time ON ledger (openid, created_at);
    """,
    # 2: more of query_order's fields, settlement, and pushes
    """
    ALTER TABLE orders ADD COLUMN channel_order_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN wxpay_order_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE orders ADD COLUMN sett_state INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN sett_time INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN platform_fee_fen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN cps_fee_fen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN update_time INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN biz_meta TEXT NOT NULL DEFAULT '';
    CREATE TABLE pushes (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,      -- the same push imported twice is one row
        event TEXT NOT NULL,
        openid TEXT NOT NULL DEFAULT '',
        order_id TEXT NOT NULL DEFAULT '',
        wx_order_id TEXT NOT NULL DEFAULT '',
        refund_order_id TEXT NOT NULL DEFAULT '',
        verdict TEXT NOT NULL,                -- accept | reject
        mode TEXT NOT NULL DEFAULT '',
        format TEXT NOT NULL DEFAULT '',
        create_time INTEGER NOT NULL DEFAULT 0,
        received_at INTEGER NOT NULL,
        raw_query TEXT NOT NULL DEFAULT '',
        raw_body TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX pushes_openid_time ON pushes (openid, create_time);
    CREATE INDEX pushes_order ON pushes (order_id);
    """,
    # 3: encrypted session keys, balances seen, the audit log with its hash chain
    """
    CREATE TABLE session_keys (
        openid TEXT PRIMARY KEY,
        nonce BLOB NOT NULL,
        ciphertext BLOB NOT NULL,             -- AES-GCM; the key lives in the OS keyring
        obtained_at INTEGER NOT NULL,
        checked_at INTEGER NOT NULL DEFAULT 0,
        check_result TEXT NOT NULL DEFAULT 'unknown', -- fresh | stale | unknown
        source TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE balances (
        openid TEXT NOT NULL, env INTEGER NOT NULL, balance INTEGER NOT NULL,
        present_balance INTEGER NOT NULL, sum_save INTEGER NOT NULL, sum_present INTEGER NOT NULL,
        sum_balance INTEGER NOT NULL, sum_cost INTEGER NOT NULL, first_save_flag INTEGER NOT NULL,
        refreshed_at INTEGER NOT NULL, PRIMARY KEY (openid, env)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        operator TEXT NOT NULL,
        host TEXT NOT NULL,
        profile TEXT NOT NULL,
        env INTEGER NOT NULL,
        action TEXT NOT NULL,
        openid TEXT NOT NULL DEFAULT '',
        params TEXT NOT NULL,                 -- JSON, secrets redacted
        result TEXT NOT NULL,                 -- ok | error | unknown | intent
        errcode INTEGER,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_openid_time ON audit (openid, at);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 4: every lookup the dashboard makes has an index
    """
    CREATE INDEX orders_wx_order_id ON orders (wx_order_id);
    CREATE INDEX orders_channel_order_id ON orders (channel_order_id) WHERE channel_order_id != '';
    CREATE INDEX orders_wxpay_order_id ON orders (wxpay_order_id) WHERE wxpay_order_id != '';
    CREATE INDEX orders_status_time ON orders (status, create_time);
    CREATE INDEX orders_time ON orders (create_time);
    CREATE INDEX orders_paid_time ON orders (paid_time);
    CREATE INDEX refunds_wx ON refunds (refund_wx_order_id);
    CREATE INDEX refunds_openid_time ON refunds (openid, started_at);
    CREATE INDEX refunds_started ON refunds (started_at);
    CREATE INDEX ledger_refund ON ledger (refund_order_id) WHERE refund_order_id IS NOT NULL;
    CREATE INDEX ledger_time ON ledger (created_at);
    CREATE INDEX pushes_refund ON pushes (refund_order_id) WHERE refund_order_id != '';
    """,
]

MIGRATIONS.append(
    # 5: the intent journal, database locks and bulk batches (core.operations)
    """
    CREATE TABLE intents (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,          -- gift | deduct | cancel_deduction | refund | clawback | deliver
        request_key TEXT NOT NULL UNIQUE, -- one intent per confirmed request (double clicks collapse)
        wechat_id TEXT NOT NULL UNIQUE,   -- the order_id / refund_order_id sent; never regenerated
        openid TEXT NOT NULL DEFAULT '',
        target TEXT NOT NULL DEFAULT '',  -- the order or deduction the action concerns
        amount INTEGER NOT NULL DEFAULT 0, -- coins, or fen for refunds
        params TEXT NOT NULL DEFAULT '{}', -- JSON, no secrets
        state TEXT NOT NULL,           -- prepared | sending | unknown | refunding | waiting_refund
                                       -- | needs_login | done | failed
        outcome TEXT NOT NULL DEFAULT '{}',
        errcode INTEGER,
        message TEXT NOT NULL DEFAULT '',
        operator TEXT NOT NULL,
        reason TEXT NOT NULL,
        parent_id INTEGER,             -- a clawback's refund intent
        batch_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        next_try_at INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX intents_state ON intents (state);
    CREATE INDEX intents_operator_day ON intents (operator, action, created_at);
    CREATE INDEX intents_target ON intents (target);
    CREATE INDEX intents_parent ON intents (parent_id) WHERE parent_id IS NOT NULL;
    CREATE TABLE locks (
        key TEXT PRIMARY KEY,          -- order:<id> | user:<openid>
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        action TEXT NOT NULL,
        source TEXT NOT NULL,
        rows INTEGER NOT NULL,
        total INTEGER NOT NULL,
        operator TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    """
)

MIGRATIONS.append(
    # 6: WeChat's own statement (bills, order exports) kept apart from our records, so the
    # three-way match can compare them; indexes for the finance reports
    """
    CREATE TABLE statement_lines (
        line_type TEXT NOT NULL,       -- payment | refund
        id TEXT NOT NULL,              -- merchant order id, or refund order id
        order_id TEXT NOT NULL DEFAULT '', -- for a refund: the paid order
        openid TEXT NOT NULL DEFAULT '',
        amount INTEGER NOT NULL,       -- fen: paid, or refunded
        fee INTEGER NOT NULL DEFAULT 0, -- platform fee, fen
        at INTEGER NOT NULL,
        wx_order_id TEXT NOT NULL DEFAULT '',
        wxpay_order_id TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT '',  -- coin | item
        quantity INTEGER NOT NULL DEFAULT 0,
        status INTEGER,
        env INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL,
        raw TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (line_type, id)
    );
    CREATE INDEX statement_at ON statement_lines (at);
    CREATE INDEX refunds_finished ON refunds (finished_at);
    CREATE INDEX ledger_kind_time ON ledger (kind, created_at);
    """
)

MIGRATIONS.append(
    # 7: a partial index (WHERE x != '') is useless for `x = ?` with a bound parameter: SQLite
    # cannot prove the parameter is not ''; full indexes instead. Every sortable column is
    # indexed together with order_id, the keyset's tie-break (a secondary index of a rowid table
    # carries the rowid, not order_id, so without it SQLite sorts every matching row).
    """
    DROP INDEX orders_channel_order_id;
    DROP INDEX orders_wxpay_order_id;
    CREATE INDEX orders_channel_order_id ON orders (channel_order_id);
    CREATE INDEX orders_wxpay_order_id ON orders (wxpay_order_id);
    DROP INDEX orders_time;
    DROP INDEX orders_paid_time;
    DROP INDEX orders_status_time;
    CREATE INDEX orders_time ON orders (create_time, order_id);
    CREATE INDEX orders_paid_time ON orders (paid_time, order_id);
    CREATE INDEX orders_status_time ON orders (status, create_time, order_id);
    CREATE INDEX orders_paid_fee ON orders (paid_fee, order_id);
    CREATE INDEX orders_left_fee ON orders (left_fee, order_id);
    -- the narrowest index: COUNT(*) of a million orders reads it in ~20 ms instead of ~220
    CREATE INDEX orders_env ON orders (env);
    DROP INDEX pushes_refund;
    CREATE INDEX pushes_refund ON pushes (refund_order_id);
    DROP INDEX ledger_refund;
    CREATE INDEX ledger_refund ON ledger (refund_order_id, kind, status);
    """
)

MIGRATIONS.append(
    # 8: the number of orders kept by triggers: COUNT(*) of a million orders reads a whole index,
    # ~20 ms warm but 300-400 ms when the file is not in the OS cache (measured right after a
    # report), and the orders table's first paint and every import batch asked for it
    """
    CREATE TABLE row_counts (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO row_counts VALUES ('orders', (SELECT COUNT(*) FROM orders));
    CREATE TRIGGER orders_added AFTER INSERT ON orders BEGIN
        UPDATE row_counts SET n = n + 1 WHERE tbl = 'orders';
    END;
    CREATE TRIGGER orders_removed AFTER DELETE ON orders BEGIN
        UPDATE row_counts SET n = n - 1 WHERE tbl = 'orders';
    END;
    """
)

MIGRATIONS.append(
    # 9: the month's report reads every order and ledger row of the period; through a plain
    # time index that is one table lookup per row (rows carry their raw JSON). The time indexes
    # now carry the columns the report sums (still ending in the keyset tie-break), so those
    # queries read the index alone: 2.1 s -> see README for a month of 345,600 orders
    """
    DROP INDEX orders_paid_time;
    CREATE INDEX orders_paid_time ON orders (paid_time, order_id, paid_fee, sett_state,
        platform_fee_fen, cps_fee_fen, kind, quantity);
    DROP INDEX ledger_time;
    CREATE INDEX ledger_time ON ledger (created_at, status, kind, operator, amount);
    DROP INDEX ledger_kind_time;
    CREATE INDEX ledger_kind_time ON ledger (kind, created_at, status, operator, amount,
        order_id, openid);
    """
)

MIGRATIONS.append(
    # 10: user complaints (用户投诉), as get_complaint_list / get_complaint_detail last showed them
    # (or as an xpay_complaint_notify push announced them before the next refresh), so the open
    # list, the pending counter and a user's card read them without a call to WeChat
    """
    CREATE TABLE complaints (
        complaint_id TEXT PRIMARY KEY,
        openid TEXT NOT NULL DEFAULT '',
        order_id TEXT NOT NULL DEFAULT '',     -- merchant order id (wxa_out_trade_no / MchOrderId)
        wx_order_id TEXT NOT NULL DEFAULT '',
        amount INTEGER NOT NULL DEFAULT 0,     -- fen paid for the order(s) complained about
        state TEXT NOT NULL DEFAULT 'PENDING', -- PENDING | PROCESSING | PROCESSED
        complained_at INTEGER NOT NULL DEFAULT 0,
        answered_at INTEGER NOT NULL DEFAULT 0, -- the merchant's first answer, when known
        user_waiting INTEGER NOT NULL DEFAULT 0, -- incoming_user_response: the user wrote again
        source TEXT NOT NULL DEFAULT '',       -- list | detail | push
        refreshed_at INTEGER NOT NULL DEFAULT 0,
        raw TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX complaints_state_time ON complaints (state, complained_at);
    CREATE INDEX complaints_openid ON complaints (openid);
    """
)

MIGRATIONS.append(
    # 11: the days WeChat's imported bills cover (Asia/Shanghai calendar days, YYYY-MM-DD):
    # reconciliation compares our refunds with the statement only on those days, and names the
    # days of a period no bill covers yet. Bills imported before this migration cover the days
    # their lines fall on.
    """
    CREATE TABLE statement_days (
        day TEXT PRIMARY KEY,
        source TEXT NOT NULL DEFAULT '',   -- the file that covered it last
        imported_at INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO statement_days (day, source)
        SELECT date(at, 'unixepoch', '+8 hours'), MAX(source) FROM statement_lines GROUP BY 1;
    """
)

# tables whose row count the triggers above keep
COUNTED_TABLES = frozenset({"orders"})

SCHEMA_VERSION = len(MIGRATIONS)
