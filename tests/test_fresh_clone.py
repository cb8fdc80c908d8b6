"""A fresh clone passes its own tests: every file a test reads is inside the repository."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.conftest import DATA

TESTS = Path(__file__).resolve().parent


def test_vectors_are_the_reference_files_byte_for_byte():
    listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (DATA / "README.md").read_text("utf-8"), re.M)
    assert len(listed) == 3
    for digest, name in listed:
        assert hashlib.sha256((DATA / "vectors" / name).read_bytes()).hexdigest() == digest, name


def test_no_test_reads_beside_the_checkout():
    outside = re.compile(r"shared\W+reference|XPAYDESK_REFERENCE|\.\./")
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path.name != Path(__file__).name and outside.search(path.read_text("utf-8"))
    ]
    assert offenders == []
