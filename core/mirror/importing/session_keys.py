"""Session keys from the merchant's backend: JSON lines or CSV with openid, session_key,
obtained_at (a header row, or none: then the columns are in that order). Stored encrypted; an
older key never replaces a newer one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.mirror.db import Mirror
from core.mirror.importing.common import (
    BadFile,
    ImportFailed,
    ImportReport,
    Lines,
    Progress,
    RowError,
    open_lines,
    to_unix,
)
from core.mirror.importing.orders import csv_rows
from core.mirror.importing.staging import GivingWay, RowsProgress
from core.mirror.vault import SessionKeyVault
from core.validation import OPENID_RE

COLUMNS = ("openid", "session_key", "obtained_at")


def _records(lines: Lines, report: ImportReport) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    if lines.peek_start() == "{":
        for text in lines:
            if isinstance(text, RowError):
                yield lines.line, text
                continue
            if text.strip():
                try:
                    item = json.loads(text)
                except (ValueError, RecursionError):
                    yield lines.line, RowError("不是合法的 JSON / not valid JSON")
                    continue
                yield (
                    lines.line,
                    item
                    if isinstance(item, dict)
                    else RowError("不是 JSON 对象 / not a JSON object"),
                )
        return
    header: list[str] | None = None
    for line, cells in csv_rows(lines, report):
        if isinstance(cells, RowError):
            yield line, cells
            continue
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            names = [c.strip().lstrip("\ufeff").lower() for c in cells]
            if "openid" in names:
                header = names
                continue
            if OPENID_RE.fullmatch(cells[0].strip().lstrip("\ufeff")):
                header = list(COLUMNS)  # no header row: the documented column order
            else:
                raise BadFile(
                    line,
                    "第一行既不是表头（openid,session_key,obtained_at）也不是数据行",
                    "the first row is neither a header (openid,session_key,obtained_at) nor a "
                    "row starting with an openid",
                )
        yield line, dict(zip(header, cells, strict=False))


def _checked(item: dict[str, Any]) -> tuple[str, str, int]:
    openid = str(item.get("openid") or "").strip()
    key = str(item.get("session_key") or "").strip()
    if not OPENID_RE.fullmatch(openid):
        raise RowError("openid 格式不正确 / malformed openid")
    if len(key) < 16 or len(key) > 256:
        raise RowError("session_key 缺失或长度不对 / session_key missing or of a wrong length")
    return openid, key, to_unix(item.get("obtained_at"), field_name="obtained_at")


def import_session_keys(
    mirror: Mirror,
    path: Path,
    *,
    vault: SessionKeyVault,
    progress: Progress | None = None,
    rows: RowsProgress | None = None,
) -> ImportReport:
    """Two passes: the first checks the whole file with the mirror unlocked (a file that fails
    as a whole writes nothing), the second stores the keys in a transaction that gives way to
    any other writer (a money action) within a fraction of a second."""
    report = ImportReport("session-keys", str(path))

    def passes(store: bool) -> int:
        valid = 0
        with open_lines(path, progress) as (lines, encoding, compression):
            report.encoding, report.compression = encoding, compression
            try:
                with GivingWay(mirror, active=store) as window:
                    for line, item in _records(lines, report):
                        if isinstance(item, RowError):
                            if not store:
                                report.reject(line, str(item))
                            continue
                        try:
                            openid, key, obtained = _checked(item)
                        except RowError as exc:
                            if not store:
                                report.reject(line, str(exc))
                            continue
                        valid += 1
                        if store:
                            if vault.store(
                                openid, key, obtained_at=obtained or mirror.now(), source="import"
                            ):
                                report.added += 1
                            else:
                                report.skipped += 1  # we already hold a newer key
                            window.step()
                        if rows is not None and valid % 500 == 0:
                            rows("writing" if store else "reading", valid, 0)
            except BadFile as exc:
                raise ImportFailed(path, exc.line, exc.zh, exc.en) from None
        return valid

    if passes(store=False):
        passes(store=True)
    return report
