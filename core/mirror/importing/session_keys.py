"""Session keys from the merchant's backend: JSON lines or CSV with openid, session_key,
obtained_at. Stored encrypted; an older key never replaces a newer one."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.mirror.db import Mirror
from core.mirror.importing.common import (
    ImportReport,
    Lines,
    Progress,
    Rejection,
    RowError,
    to_unix,
)
from core.mirror.importing.orders import guarded
from core.mirror.vault import SessionKeyVault
from core.validation import OPENID_RE


def _records(lines: Lines) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    stream = iter(lines)
    first = next(stream, "")
    if first.lstrip().startswith("{"):
        for n, line in enumerate(itertools.chain([first], stream), start=1):
            if line.strip():
                try:
                    item = json.loads(line)
                    yield n, item if isinstance(item, dict) else RowError("not an object")
                except ValueError:
                    yield n, RowError("不是合法的 JSON / not valid JSON")
        return
    reader = csv.DictReader(itertools.chain([first], stream))
    for row in reader:
        yield reader.line_num, dict(row)


def import_session_keys(
    mirror: Mirror, path: Path, *, vault: SessionKeyVault, progress: Progress | None = None
) -> ImportReport:
    report = ImportReport("session-keys", str(path))

    def body(lines: Lines) -> None:
        for line, item in _records(lines):
            if isinstance(item, RowError):
                report.rejected.append(Rejection(line, str(item)))
                continue
            try:
                openid = str(item.get("openid") or "").strip()
                key = str(item.get("session_key") or "").strip()
                if not OPENID_RE.fullmatch(openid):
                    raise RowError("openid 格式不正确 / malformed openid")
                if len(key) < 16:
                    raise RowError("session_key 缺失或过短 / session_key missing or too short")
                obtained = to_unix(item.get("obtained_at"), field_name="obtained_at")
            except RowError as exc:
                report.rejected.append(Rejection(line, str(exc)))
                continue
            if vault.store(openid, key, obtained_at=obtained or mirror.now(), source="import"):
                report.added += 1
            else:
                report.skipped += 1  # we already hold a newer key

    guarded(mirror, report, path, progress, body)
    return report
