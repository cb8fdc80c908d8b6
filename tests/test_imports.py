"""Imports: linear time, bounded memory, never blocking a money action, and hostile files
answered with a clear error and nothing half-written (issues 13 and 15)."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from core.callbacks import CallbackKeys
from core.cli import main
from core.errors import XPayDeskError
from core.mirror.db import Mirror
from core.mirror.importing import (
    ImportCancelled,
    ImportFailed,
    import_bill,
    import_pushes,
    import_session_keys,
    import_vk_orders,
)
from core.mirror.importing.common import KEPT_REJECTIONS
from core.mirror.vault import SessionKeyVault
from core.simulator import profile_toml
from tests.simfixtures import ALICE

ROOT = Path(__file__).resolve().parents[1]
BILL_HEADER = "交易时间,商户订单号,微信订单号,用户openid,交易类型,订单金额(元),手续费(元)"
OPENID = "oUser000000000000000000001"


def vk_doc(n: int, **extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "out_trade_no": f"VKORDER{n:08d}",
        "pay_type": "wxpay_virtual",
        "status": 1,
        "openid": OPENID,
        "total_fee": 600,
        "_add_time": 1767225600000 + n,
        "pay_date": 1767225660000 + n,
        "wxpay_virtual": {"mode": "short_series_coin", "buy_quantity": 60},
    }
    doc.update(extra)
    return doc


def write_orders(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(vk_doc(n)) + "\n")
    return path


def counts(mirror: Mirror) -> tuple[int, ...]:
    tables = ("orders", "refunds", "statement_lines", "session_keys", "pushes", "statement_days")
    return tuple(mirror.one(f"SELECT COUNT(*) FROM {t}")[0] for t in tables)


# ---- time: linear for every format ------------------------------------------------------------


def test_a_json_array_document_that_never_closes_fails_in_linear_time(tmp_path):
    """Was quadratic: 60 KB 8.6 s, 120 KB 32 s, 240 KB 127 s, all under the write lock."""
    path = tmp_path / "orders.json"
    opened = '[\n  {"out_trade_no": "OPEN1", "remark": [\n'
    filler = '    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",\n' * 4700  # ~240 KB
    path.write_text(json.dumps(vk_doc(1)).join(["[\n", ",\n"]) + opened[2:] + filler)
    mirror = Mirror()
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as caught:
        import_vk_orders(mirror, path)
    assert time.perf_counter() - started < 2.0
    assert caught.value.line == 3  # where the open document starts
    assert counts(mirror)[0] == 0


def test_an_oversized_array_document_is_reported_once_1_mib_is_read(tmp_path):
    path = tmp_path / "orders.json"
    filler = '"' + "y" * 1000 + '",\n'
    path.write_text('[{"a": [\n' + filler * 12_000)  # 12 MB, never closed
    started = time.perf_counter()
    with pytest.raises(ImportFailed, match="1024 KB") as caught:
        import_vk_orders(Mirror(), path)
    assert time.perf_counter() - started < 1.5
    assert caught.value.line == 1


def test_a_minified_json_array_on_one_line_imports(tmp_path):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps([vk_doc(n) for n in range(5000)]))  # ~1.3 MB on one line
    report = import_vk_orders(Mirror(), path)
    assert (report.added, report.rejected_total) == (5000, 0)


# ---- memory: bounded for hostile input ----------------------------------------------------------

# the process's own peak RSS: VmHWM of its memory map (ru_maxrss would include the parent's,
# inherited across exec on Linux)
PEAK_MB = (
    "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) // 1024"
)
JUNK_BILL = f"""
import sys
from pathlib import Path
from core.mirror.db import Mirror
from core.mirror.importing import import_bill
report = import_bill(Mirror(), Path(sys.argv[1]))
print(getattr(report, "rejected_total", len(report.rejected)), len(report.rejected), {PEAK_MB})
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_a_junk_bill_keeps_memory_bounded(tmp_path):
    """A header and millions of three-column junk rows: was 7.5 million rejections held in
    memory (6.0 GB peak RSS for 50 MB)."""
    rows = 1_200_000
    path = tmp_path / "bill.csv.gz"
    path.write_bytes(gzip.compress((BILL_HEADER + "\n" + "a,b,c\n" * rows).encode()))
    baseline = subprocess.run(
        [sys.executable, "-c", f"from core.mirror.importing import import_bill; print({PEAK_MB})"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-c", JUNK_BILL, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    total, kept, peak_mb = map(int, done.stdout.split())
    assert peak_mb - int(baseline.stdout) < 40  # the rejections are counted, not held
    assert (total, kept) == (rows, KEPT_REJECTIONS)


def test_rejections_beyond_the_kept_ones_are_summarised(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("{not json\n" * 1000 + json.dumps(vk_doc(1)) + "\n")
    report = import_vk_orders(Mirror(), path)
    assert (report.added, report.rejected_total, len(report.rejected)) == (1, 1000, 300)
    assert report.rejected[0].line == 1 and report.rejected[-1].line == 300
    assert "rejected 1000" in report.summary()
    assert "950 more rejected rows" in report.rejection_lines()[-1]


# ---- never blocking money -------------------------------------------------------------------


@pytest.fixture
def desk_profile(sim, tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text(profile_toml(sim, db=str(tmp_path / "mirror.sqlite")), encoding="utf-8")
    return path


def _gift(capsys: pytest.CaptureFixture[str], profile: Path, order_id: str) -> tuple[int, float]:
    started = time.perf_counter()
    code = main(
        [
            "--json",
            "--config",
            str(profile),
            "gift",
            ALICE,
            "9",
            "--order-id",
            order_id,
            "--note",
            "补偿 during an import",
            "--again",  # the timing gift before it went to the same user a moment ago
        ]
    )
    capsys.readouterr()
    return code, time.perf_counter() - started


def test_a_gift_while_an_import_reads_its_file_starts_at_once(sim, desk_profile, tmp_path, capsys):
    """Was: the gift waited for the import's one transaction, then failed after ~11 s with a raw
    `database is locked`."""
    sim.add_user(ALICE)
    _, alone = _gift(capsys, desk_profile, "GIFTALONE0001")  # the same gift, no import running
    export = write_orders(tmp_path / "orders.jsonl", 40_000)
    mirror = Mirror(tmp_path / "mirror.sqlite")
    halfway, release = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        if done > total // 2:
            halfway.set()
            release.wait(20)  # the import stays in the middle of its file while the gift runs

    worker = threading.Thread(
        target=import_vk_orders, args=(mirror, export), kwargs={"progress": progress}
    )
    worker.start()
    try:
        assert halfway.wait(30)
        code, seconds = _gift(capsys, desk_profile, "GIFTIMPORT0001")
    finally:
        release.set()
        worker.join(60)
    assert code == 0 and seconds < alone + 1.0
    assert mirror.one("SELECT COUNT(*) FROM orders")[0] == 40_000


def test_a_gift_while_an_import_merges_gets_the_lock_within_a_second(
    sim, desk_profile, tmp_path, capsys
):
    """The merge holds the write lock in one long transaction (fast), but gives way at once to
    a writer that waits: the gift runs while the import is still merging."""
    sim.add_user(ALICE)
    _, alone = _gift(capsys, desk_profile, "GIFTALONE0002")  # the same gift, no import running
    export = write_orders(tmp_path / "orders.jsonl", 60_000)
    mirror = Mirror(tmp_path / "mirror.sqlite")
    writing = threading.Event()
    merging: list[float] = []

    def rows(phase: str, done: int, total: int) -> None:
        if phase == "writing":
            writing.set()
            merging.append(time.perf_counter())
            time.sleep(0.1)  # a slow disk: each 2,000-row statement holds the lock 100 ms more

    worker = threading.Thread(target=import_vk_orders, args=(mirror, export), kwargs={"rows": rows})
    worker.start()
    try:
        assert writing.wait(30)
        code, seconds = _gift(capsys, desk_profile, "GIFTIMPORT0002")
        gift_done = time.perf_counter()
    finally:
        worker.join(60)
    assert code == 0 and seconds < alone + 1.0
    assert merging[-1] > gift_done  # the import was still merging when the gift had finished
    assert mirror.one("SELECT COUNT(*) FROM orders")[0] == 60_000
    assert mirror.one("SELECT COUNT(*) FROM ledger WHERE order_id = 'GIFTIMPORT0002'")[0] == 1


def test_a_cancel_during_the_merge_undoes_what_was_committed(tmp_path, mirror_target):
    mirror = Mirror(mirror_target)
    import_vk_orders(mirror, write_orders(tmp_path / "first.jsonl", 10))  # kept as they are
    before = mirror.one("SELECT raw FROM orders WHERE order_id = 'VKORDER00000001'")[0]
    export = tmp_path / "second.jsonl"
    with export.open("w") as out:
        for n in range(20_000):
            out.write(json.dumps(vk_doc(n, total_fee=700)) + "\n")
    other = Mirror(mirror_target)
    wrote = threading.Event()

    def write() -> None:
        other.set_meta("touched", "1")
        wrote.set()

    writer = threading.Thread(target=write)
    seen = []

    def rows(phase: str, done: int, total: int) -> None:
        if phase != "writing":
            return
        seen.append(done)
        if len(seen) == 2:  # another writer asks for the lock: the import commits, gives way
            writer.start()
            time.sleep(0.1)
        if len(seen) == 5:
            assert wrote.wait(1)  # the import committed its first batches and let it in
            raise ImportCancelled

    with pytest.raises(ImportCancelled):
        import_vk_orders(mirror, export, rows=rows)
    writer.join(10)
    assert mirror.one("SELECT COUNT(*) FROM orders")[0] == 10
    assert mirror.one("SELECT raw FROM orders WHERE order_id = 'VKORDER00000001'")[0] == before
    assert mirror.one("SELECT n FROM row_counts WHERE tbl = 'orders'")[0] == 10
    assert other.meta("touched") == "1"


def test_a_writer_that_waits_too_long_gets_a_clear_error(mirror_target):
    holder = Mirror(mirror_target)
    waiter = Mirror(mirror_target)
    holder.begin()  # the writer lock: BEGIN IMMEDIATE, or PostgreSQL's advisory lock
    import core.mirror.db as db

    old, db.WRITE_BUSY_SECONDS = db.WRITE_BUSY_SECONDS, 0.2
    try:
        with pytest.raises(db.MirrorBusy, match="nothing was changed"), waiter.transaction():
            pass
    finally:
        db.WRITE_BUSY_SECONDS = old
        holder.conn.execute("ROLLBACK")
    if not waiter.is_postgres:  # the waiting file stays; PostgreSQL's waiter is gone with it
        assert waiter.waiting_stamp() > 0


# ---- bad input gets a clear answer (issue 13) -------------------------------------------------


def test_a_bill_row_with_a_negative_amount_is_rejected(tmp_path):
    path = tmp_path / "bill.csv"
    path.write_text(
        BILL_HEADER + "\n2026-01-01 10:00:00,ORDER0001,VPO1,oU,代币充值,-5.00,0\n"
        "2026-01-01 10:00:00,ORDER0002,VPO2,oU,代币充值,5.00,0\n",
        encoding="utf-8",
    )
    report = import_bill(Mirror(), path)
    assert report.added == 1
    assert [r.line for r in report.rejected] == [2] and "negative" in report.rejected[0].reason


def test_a_bill_field_over_128_kb_is_a_rejected_row(tmp_path):
    path = tmp_path / "bill.csv"
    path.write_text(
        BILL_HEADER + "\n"
        f'2026-01-01 10:00:00,ORDER0001,VPO1,oU,代币充值,1.00,"{"x" * 200_000}"\n'
        "2026-01-01 10:00:00,ORDER0002,VPO2,oU,代币充值,5.00,0\n",
        encoding="utf-8",
    )
    report = import_bill(Mirror(), path)
    assert report.added == 1 and [r.line for r in report.rejected] == [2]


def test_a_headerless_session_keys_csv_imports_its_row(tmp_path):
    """Was: "added 0, rejected 0" (the only row was taken for a header)."""
    mirror = Mirror()
    vault = SessionKeyVault(mirror, b"k" * 32)
    path = tmp_path / "keys.csv"
    path.write_text(f"{OPENID},0123456789abcdef0123==,1767225600\n", encoding="utf-8")
    report = import_session_keys(mirror, path, vault=vault)
    assert (report.added, report.rejected_total) == (1, 0)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,key\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="header") as caught:
        import_session_keys(mirror, bad, vault=vault)
    assert caught.value.line == 1


def test_a_random_byte_row_is_blamed_on_its_own_line(tmp_path):
    rng = random.Random(5)
    junk = bytes(rng.randrange(128, 256) for _ in range(300)).replace(b"\n", b"")
    path = tmp_path / "bill.csv"
    good = "2026-01-01 10:00:00,ORDER{0},VPO{0},oU,代币充值,1.00,0\n"
    path.write_bytes(
        (BILL_HEADER + "\n" + good.format(1) + good.format(2)).encode()
        + junk
        + b"\n"
        + good.format(3).encode()
    )
    mirror = Mirror()
    with pytest.raises(ImportFailed) as caught:
        import_bill(mirror, path)
    assert caught.value.line == 4
    assert counts(mirror) == (0, 0, 0, 0, 0, 0)


# ---- the fuzz test: every importer, random and hostile files --------------------------------


def _hostile_files(tmp_path: Path) -> list[Path]:
    rng = random.Random(13)
    files: dict[str, bytes] = {
        "empty": b"",
        "bom-only": b"\xef\xbb\xbf",
        "nul": b"\x00" * 5000,
        "random": bytes(rng.randrange(256) for _ in range(20_000)),
        "deep-array": b"[" * 100_000,
        "deep-object": b'[{"a":' * 50_000,
        "deep-line": b'{"a":' * 100_000 + b"\n",
        "unclosed-string": b'["' + b"x" * 300_000,
        "long-line": b"a," * 700_000 + b"\n" + b"b,c\n",
        "crlf-junk": b"\r\r\n\r" * 10_000,
        "csv-quote": b'openid,session_key\n"' + b"x" * 200_000 + b"\n",
        "header-only": BILL_HEADER.encode() + b"\n",
        "gbk-mix": "交易时间,商户订单号\n".encode("gbk") + "测试".encode("utf-16"),
        "gzip-junk": b"\x1f\x8b" + bytes(rng.randrange(256) for _ in range(3000)),
        "zip-junk": b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(3000)),
        "json-scalars": b'1\n"x"\nnull\n[]\ntrue\n',
        "array-scalars": b'[1, "x", null, {"out_trade_no": 5}, [], true]',
    }
    good_lines = [json.dumps(vk_doc(n)).encode() for n in range(50)]
    for n in range(12):  # valid files with a few random bytes changed
        data = bytearray(b"\n".join(good_lines))
        for _ in range(rng.randrange(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        files[f"mutated-{n}"] = bytes(data)
    gz = gzip.compress(b"\n".join(good_lines))
    files["gzip-truncated"] = gz[: len(gz) // 3]
    tmp_path.mkdir()
    out = []
    for name, data in files.items():
        path = tmp_path / f"{name}.dat"
        path.write_bytes(data)
        out.append(path)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "x")
        archive.writestr("b.csv", "y")
    out += [two, tmp_path]  # a folder where a file is expected
    return out


def test_every_importer_answers_hostile_files_clearly_and_writes_nothing_half(tmp_path):
    files = _hostile_files(tmp_path / "in")
    mirror = Mirror(tmp_path / "mirror.sqlite")
    vault = SessionKeyVault(mirror, b"k" * 32)
    keys = CallbackKeys(token="token", encoding_aes_key="a" * 43, appid="wx0123456789abcdef")
    importers = {
        "orders": lambda p: import_vk_orders(mirror, p),
        "bill": lambda p: import_bill(mirror, p),
        "session-keys": lambda p: import_session_keys(mirror, p, vault=vault),
        "pushes": lambda p: import_pushes(mirror, p, keys=keys),
    }
    for path in files:
        for kind, run in importers.items():
            before = counts(mirror)
            started = time.perf_counter()
            try:
                report = run(path)
            except XPayDeskError as exc:  # a clear error, both languages, nothing written
                assert exc.message("zh_CN") and exc.message("en"), (kind, path.name)
                assert "Traceback" not in str(exc)
                assert counts(mirror)[:5] == before[:5], (kind, path.name)
            else:
                assert report.rows >= report.rejected_total, (kind, path.name)
                for rejection in report.rejected:
                    assert rejection.line >= 1 and rejection.reason, (kind, path.name)
            assert time.perf_counter() - started < 5, (kind, path.name)


def test_the_import_dialog_estimates_the_time_left(qapp):
    from dashboard.imports import eta_text

    assert "30" in eta_text(10.0, 0.25)  # a quarter done in 10 s: 30 s left
    assert eta_text(0.5, 0.5) == "" and eta_text(20.0, 0.01) == ""  # too early to tell
