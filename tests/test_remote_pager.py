"""The orders table's pager over the team server, on 50,000 orders in the server's store: the
total and every keyset page equal the solo pager's over the same file, to the last row, under a
filter and a sort; a list opened again after new orders counts them; the end is reached fast."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

from core.desk import Desk
from core.mirror.db import Mirror
from core.mirror.queries import OrderFilter, OrderSort
from core.mirror.records import ORDER_COLUMNS, upsert_orders
from core.profiles import load_profiles
from core.remote.errors import ServerUnreachable
from core.server import store
from tests.benchmarks.data import END, START, order_rows
from tests.remotefixtures import remote_desk
from tests.serverfixtures import (  # noqa: F401  (fixtures)
    TeamServer,
    start_server,
    stop_server,
    team,
    team_sim,
    write_config,
)

ORDERS = 50_000
PAGE = 200


def insert(path, rows) -> None:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA busy_timeout=10000")
    sql = (
        f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES "
        f"({', '.join('?' * len(ORDER_COLUMNS))})"
    )
    conn.execute("BEGIN")
    conn.executemany(sql, (tuple(r[c] for c in ORDER_COLUMNS) for r in rows))
    conn.execute("COMMIT")
    conn.close()


@pytest.fixture(scope="module")
def many(team):  # noqa: F811
    insert(team.mirror_path, order_rows(ORDERS))
    return team


@pytest.fixture
def both(many: TeamServer):
    solo = Desk(load_profiles(many.folder / "profiles.toml").get("team"))
    remote = remote_desk(many, "vera")
    yield solo, remote
    asyncio.run(remote.close())
    asyncio.run(solo.close())


def test_every_keyset_page_to_the_end_is_the_solo_pagers(both):
    solo, remote = both
    mine, theirs = (
        remote.order_pager(OrderFilter(), OrderSort()),
        solo.order_pager(OrderFilter(), OrderSort()),
    )
    assert mine.total == theirs.total >= ORDERS
    seen: list[str] = []
    for start in range(0, mine.total, PAGE):
        page = mine.rows(start, PAGE)
        assert page == theirs.rows(start, PAGE)
        seen += [r["order_id"] for r in page]
    assert len(seen) == len(set(seen)) == mine.total  # nothing twice, nothing missed


def test_a_filtered_sorted_list_pages_deep_as_the_solo_pager(both):
    solo, remote = both
    for filt, sort in (
        (OrderFilter(kind="item"), OrderSort("paid_fee", descending=False)),
        (OrderFilter(statuses=(2, 4), since=START, until=END - 86400 * 30), OrderSort("paid_time")),
        (OrderFilter(env=0), OrderSort("order_id")),
    ):
        mine, theirs = remote.order_pager(filt, sort), solo.order_pager(filt, sort)
        assert mine.total == theirs.total > 1000
        for start in (mine.total - PAGE, mine.total // 2 + 7, 250, 0):
            assert mine.rows(start, PAGE) == theirs.rows(start, PAGE)
        assert mine.rows(mine.total - 5, 600) == theirs.rows(mine.total - 5, 600)
        assert mine.rows(mine.total, PAGE) == []


def test_more_than_a_reads_worth_of_rows_comes_in_several_reads(both):
    solo, remote = both
    mine, theirs = (
        remote.order_pager(OrderFilter(), OrderSort()),
        solo.order_pager(OrderFilter(), OrderSort()),
    )
    assert mine.rows(300, 1200) == theirs.rows(300, 1200) and len(mine.rows(300, 1200)) == 1200


def test_a_list_opened_again_counts_orders_added_meanwhile(both, many):
    solo, remote = both
    filt = OrderFilter(openid="oLate_00000000000000000000009")
    assert remote.order_pager(filt, OrderSort()).total == 0
    late = [
        dict(r, openid=filt.openid, order_id=f"LATE{n:06d}")
        for n, r in enumerate(order_rows(300, seed=99))
    ]
    insert(many.mirror_path, late)
    pager = remote.order_pager(filt, OrderSort())
    assert pager.total == solo.order_pager(filt, OrderSort()).total == 300
    assert pager.rows(250, PAGE) == solo.order_pager(filt, OrderSort()).rows(250, PAGE)


def test_the_end_of_the_list_is_reached_fast(both, capsys):
    _solo, remote = both
    t = time.perf_counter()
    pager = remote.order_pager(OrderFilter(), OrderSort())
    last = pager.rows(pager.total - PAGE, PAGE)
    took = (time.perf_counter() - t) * 1000
    with capsys.disabled():
        print(f"\n{pager.total:,} orders over the server: total + last page in {took:.0f} ms")
    assert len(last) == PAGE and took < 300


def test_pages_are_not_kept_by_the_desk_and_a_lost_server_shows_no_rows(both):
    _solo, remote = both
    pager = remote.order_pager(OrderFilter(), OrderSort())
    for start in range(0, 5000, PAGE):
        assert len(pager.rows(start, PAGE)) == PAGE
    assert not [k for k in remote._answers if k.startswith("/orders")]  # memory stays flat
    remote._http.base_url = "http://127.0.0.1:9/api/v1"  # nothing listens on the discard port
    assert pager.rows(10_000, PAGE) == [] and not remote.online  # the banner says why
    assert remote.order_pager(OrderFilter(), OrderSort()).total == 0


def test_the_dashboards_orders_model_scrolls_a_team_list_to_the_end(both, qapp):

    from dashboard.models import OrdersModel

    solo, remote = both
    asked: list[object] = []  # a background pass would be asked for here: the server does it

    def background(work, done, failed) -> None:
        asked.append(work)

    mine = OrdersModel(remote.order_pager, background=background)
    filt = OrderFilter(kind="item")
    mine.reload(filt=filt)
    theirs = OrdersModel(solo.order_pager)
    theirs.reload(filt=filt)
    last = mine.rowCount() - 1
    assert mine.rowCount() == theirs.rowCount() > 10_000
    assert mine.row_dict(last) == theirs.row_dict(last) and mine.row_dict(last)["kind"] == "item"
    assert not mine.is_preparing and asked == []  # the end is read backwards: no anchors


@pytest.fixture(scope="module")
def on_postgres(team_sim, tmp_path_factory, pg_cluster):  # noqa: F811
    folder = tmp_path_factory.mktemp("pg-pager")
    url = pg_cluster.new_database()
    config = write_config(folder, team_sim, db=url)
    with Mirror(url) as mirror:
        store.create_tables(mirror)
        people = {"vera": store.add_operator(mirror, "vera", "viewer")}
        upsert_orders(mirror, order_rows(3000, seed=5))
    proc, address = start_server(config)
    yield TeamServer(address, folder, config, url, proc, people)
    err = stop_server(proc)
    assert "Traceback" not in err, err


def test_deep_pages_of_a_filtered_list_on_postgresql_are_the_solo_pagers(on_postgres):
    solo = Desk(load_profiles(on_postgres.folder / "profiles.toml").get("team"))
    remote = remote_desk(on_postgres, "vera")
    try:
        for filt, sort in (
            (OrderFilter(), OrderSort()),
            (OrderFilter(kind="coin"), OrderSort("left_fee", descending=False)),
        ):
            mine, theirs = remote.order_pager(filt, sort), solo.order_pager(filt, sort)
            assert mine.total == theirs.total > 1000
            for start in (mine.total - PAGE, 777, 0):
                assert mine.rows(start, PAGE) == theirs.rows(start, PAGE)
    finally:
        asyncio.run(remote.close())
        asyncio.run(solo.close())


def test_the_end_of_a_filtered_list_is_read_backwards_before_its_anchors(many):
    from core.mirror.queries import OrderPager
    from core.server.routes.reads import near_end

    with Mirror(many.mirror_path) as mirror:
        for filt, sort in (
            (OrderFilter(kind="item"), OrderSort()),
            (OrderFilter(statuses=(4,)), OrderSort("paid_fee", descending=False)),
            (OrderFilter(env=0), OrderSort("order_id")),
        ):
            fresh = OrderPager(mirror, filt, sort)
            total = fresh.total
            for start, count in ((total - PAGE, PAGE), (total - 5, PAGE), (total - 1999, 600)):
                wanted = OrderPager(mirror, filt, sort).rows(start, count)
                assert near_end(fresh, start, count) == wanted and wanted
            assert fresh.needs_anchors(total - PAGE)  # no anchor was needed
            assert near_end(fresh, total - 5000, PAGE) is None  # far from the end: anchors


def test_a_filtered_lists_deep_rows_wait_for_the_servers_word_off_the_ui_thread(both):
    solo, remote = both
    filt, sort = OrderFilter(kind="coin", env=0), OrderSort("left_fee")  # no other test's list
    mine, theirs = remote.order_pager(filt, sort), solo.order_pager(filt, sort)
    total = mine.total  # the opening read: the server has only started the anchor pass
    assert total == theirs.total > 10_000
    assert mine.needs_anchors(total // 2)
    assert not mine.needs_anchors(0) and not mine.needs_anchors(total - 100)  # read at once
    assert mine.prepare_anchors() is True  # what the model's worker thread runs
    mine.install_anchors(True)
    assert not mine.needs_anchors(total // 2)
    assert mine.rows(total // 2, PAGE) == theirs.rows(total // 2, PAGE)
    assert not remote.order_pager(OrderFilter(), sort).needs_anchors(total // 2)  # unfiltered


def test_the_server_names_an_order_list_alike_for_pages_and_anchors(both):
    from core.remote.errors import RemoteError

    _solo, remote = both
    for path in ("/orders", "/order-anchors"):
        with pytest.raises(RemoteError) as bad:
            remote.request("GET", path, params={"sort": "openid; DROP TABLE orders"})
        assert bad.value.status == 422 and "cannot sort by" in bad.value.message_en
    answer = remote.request("GET", "/order-anchors", params={"kind": "item", "wait": 30}).json()
    assert answer["ready"] is True and answer["total"] > 10_000  # waited at most 5 s


def test_a_server_gone_while_the_model_prepares_says_so_and_asks_again_later(both, qapp):
    from dashboard.models import OrdersModel

    solo, remote = both
    works: list[tuple[object, object, object]] = []

    def background(work, done, failed) -> None:  # run by hand below, as a worker would
        works.append((work, done, failed))

    filt, sort = OrderFilter(kind="item", env=0), OrderSort("paid_fee")  # no other test's list
    model = OrdersModel(remote.order_pager, background=background)
    model.reload(filt=filt, sort=sort)
    errors: list[object] = []
    model.failed.connect(errors.append)
    middle = model.rowCount() // 2
    assert model.row_dict(middle) == {} and model.is_preparing and len(works) == 1
    address = remote._http.base_url
    remote._http.base_url = "http://127.0.0.1:9/api/v1"  # nothing listens on the discard port
    work, done, failed = works.pop()
    with pytest.raises(ServerUnreachable) as gone:
        work()
    failed(gone.value)
    assert errors == [gone.value] and not model.is_preparing
    remote._http.base_url = address
    assert model.row_dict(middle) == {} and model.is_preparing  # asked again, not on the UI
    work, done, failed = works.pop()
    done(work())
    assert model.row_dict(middle) == solo.order_pager(filt, sort).rows(middle, 1)[0]
