"""The Orders table on a team desk, over a real server with 200,000 orders: the first jump into
the middle of a filtered list never waits on the UI thread for the server's anchor pass (the busy
bar shows, as on a solo desk); the rows that come afterwards are the solo pager's."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from PySide6.QtCore import Qt

from core.desk import Desk
from core.mirror.db import Mirror
from core.mirror.queries import OrderFilter, OrderSort
from core.mirror.records import ORDER_COLUMNS
from core.profiles import load_profiles
from core.server import store
from tests.benchmarks.data import order_rows
from tests.remotefixtures import remote_desk
from tests.serverfixtures import (  # noqa: F401  (fixtures)
    TeamServer,
    start_server,
    stop_server,
    team_sim,
    write_config,
)

ORDERS = 200_000


def fill(path, count: int) -> None:
    """S1's generated orders into a new mirror, its order indexes made after the rows (10 s
    instead of 26 s here): the same file a mirror that grew row by row would be."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    found = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'"
    indexes = [(name, sql) for name, sql in conn.execute(found) if sql]
    insert = (
        f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES "
        f"({', '.join('?' * len(ORDER_COLUMNS))})"
    )
    conn.execute("BEGIN")
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.executemany(insert, (tuple(r[c] for c in ORDER_COLUMNS) for r in order_rows(count)))
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()


@pytest.fixture(scope="module")
def crowd(team_sim, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("crowd")
    config = write_config(folder, team_sim)
    path = folder / "team.sqlite"
    with Mirror(path) as mirror:
        store.create_tables(mirror)
        people = {"vera": store.add_operator(mirror, "vera", "viewer")}
    fill(path, ORDERS)
    proc, url = start_server(config)
    yield TeamServer(url, folder, config, path, proc, people)
    err = stop_server(proc)
    assert "Traceback" not in err, err


def test_a_deep_jump_in_a_filtered_team_list_never_waits_on_the_ui_thread(
    crowd, qtbot, qloop, capsys
):
    from dashboard.models import OrdersModel
    from dashboard.tasks import TaskRunner

    runner = TaskRunner()

    def background(work, done, failed) -> None:  # as the Orders page runs it
        runner.run(asyncio.to_thread(work), on_done=done, on_error=failed)

    remote = remote_desk(crowd, "vera")
    solo = Desk(load_profiles(crowd.folder / "profiles.toml").get("team"))
    try:
        model = OrdersModel(remote.order_pager, background=background)
        busy: list[bool] = []
        model.preparing.connect(busy.append)
        filt, sort = OrderFilter(statuses=(4,)), OrderSort("paid_fee", descending=False)
        model.reload(filt=filt, sort=sort)  # opens the list: the server starts its anchor pass
        middle = model.rowCount() // 2
        assert model.rowCount() == ORDERS
        t = time.perf_counter()
        shown = model.index(middle, 0).data()  # the view asks for a row in the middle
        took = (time.perf_counter() - t) * 1000
        with capsys.disabled():
            print(
                f"\n{ORDERS:,} orders, team desk: a jump to row {middle:,} held the UI "
                f"{took:.0f} ms"
            )
        assert took < 100 and shown in ("", "—") and busy == [True] and model.is_preparing
        qtbot.waitUntil(lambda: not model.is_preparing, timeout=30_000)
        assert busy == [True, False]
        wanted = solo.order_pager(filt, sort).rows(middle, 5)
        assert [model.row_dict(middle + n) for n in range(5)] == wanted and len(wanted) == 5
        assert model.index(middle, 0).data(Qt.ItemDataRole.UserRole) == wanted[0]["order_id"]
    finally:
        for desk in (remote, solo):  # closed on the loop, as the app does
            closing = asyncio.ensure_future(desk.close())
            qtbot.waitUntil(closing.done, timeout=10_000)
