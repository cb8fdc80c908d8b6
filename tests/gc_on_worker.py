"""A pytest plugin for the regression test of issue 13 ("the test suite must never crash"):
Python's cyclic collector forced onto a worker thread (a `threading.Thread`, as an
`asyncio.to_thread` worker would run it) before and after every test, and, with
XPAYDESK_GC_HAMMER_MS set, every few milliseconds in the background while the tests run, so it
also lands between a test's actions. Any Qt object left for the collector to free is then deleted
from the wrong thread, which used to crash ("Fatal Python error: Segmentation fault" in 3 runs of
3). Loaded with `-p tests.gc_on_worker` in a subprocess."""

from __future__ import annotations

import gc
import os
import threading

import pytest

collections_on_workers = 0


def collect_on_a_worker() -> None:
    global collections_on_workers
    worker = threading.Thread(target=gc.collect, name="gc-on-worker")
    worker.start()
    worker.join()
    collections_on_workers += 1


def _hammer(stop: threading.Event, every: float) -> None:
    global collections_on_workers
    while not stop.wait(every):
        gc.collect()
        collections_on_workers += 1


_stop = threading.Event()


def pytest_configure(config: pytest.Config) -> None:
    every_ms = float(os.environ.get("XPAYDESK_GC_HAMMER_MS", "0"))
    if every_ms > 0:
        threading.Thread(
            target=_hammer, args=(_stop, every_ms / 1000), name="gc-hammer", daemon=True
        ).start()


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop.set()
    print(f"\ngc on worker threads: {collections_on_workers} collections")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    collect_on_a_worker()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    collect_on_a_worker()
