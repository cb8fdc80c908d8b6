"""core/store: the few things that differ between SQLite and PostgreSQL, checked on their own
(the suites parametrised over `store` check them in use)."""

from __future__ import annotations

from core.mirror.db import Mirror, display_target
from core.store.placeholders import named_to_pyformat, qmark_to_format


def test_qmarks_become_format_marks_outside_quotes_and_comments():
    sql = "SELECT '?%', x FROM t WHERE a = ? AND b LIKE 'it''s ?%' -- why? 5%\nAND c = ?"
    assert qmark_to_format(sql) == (
        "SELECT '?%%', x FROM t WHERE a = %s AND b LIKE 'it''s ?%%' -- why? 5%%\nAND c = %s"
    )


def test_named_marks_leave_casts_alone():
    sql = "SELECT (params)::jsonb ->> 'a:b' FROM audit WHERE openid = :openid LIMIT :limit"
    assert named_to_pyformat(sql) == (
        "SELECT (params)::jsonb ->> 'a:b' FROM audit WHERE openid = %(openid)s LIMIT %(limit)s"
    )


def test_a_postgresql_url_is_shown_without_its_password():
    url = "postgresql://desk:s3cret-pw@db.example:5432/xpaydesk?sslmode=require"
    assert display_target(url) == "postgresql://desk@db.example:5432/xpaydesk?sslmode=require"
    assert display_target("/home/a/m.sqlite") == "/home/a/m.sqlite"


def test_the_postgresql_mirror_says_no_password(pg_cluster):
    url = pg_cluster.new_database().replace("xpd@", "xpd:hunter2@")
    with Mirror(url) as mirror:  # trust authentication: the password is not checked
        assert "hunter2" not in repr(mirror) and "hunter2" not in mirror.where


def test_sums_of_money_come_back_as_integers(store, mirror_target):
    with Mirror(mirror_target) as mirror:
        mirror.conn.execute(
            "INSERT INTO ledger (kind, order_id, openid, amount, created_at, status) VALUES "
            "('gift', 'G1', 'o', 5, 1, 'done'), ('gift', 'G2', 'o', 7, 1, 'done')"
        )
        total = mirror.one("SELECT SUM(amount) FROM ledger")[0]
        assert total == 12 and type(total) is int
