"""Saved pushes: a folder of `<name>.query` + `<name>.body` pairs (what the simulator and many
server logs write), or a JSON-lines file of {"query" | "url", "body"} objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from core.callbacks import CallbackError, CallbackKeys, decode
from core.mirror.db import Mirror
from core.mirror.importing.common import (
    MAX_LINE,
    ImportFailed,
    ImportReport,
    Progress,
    RowError,
    open_lines,
)
from core.mirror.importing.staging import GivingWay, RowsProgress
from core.mirror.pushes import save_push

MAX_PART = MAX_LINE  # a .query or .body file larger than this is a rejected push


def _pairs(
    path: Path, progress: Progress | None
) -> Iterator[tuple[int, str, str] | tuple[int, str]]:
    """(number, query, body), or (number, reason) for an unreadable push."""
    if path.is_dir():
        queries = sorted(path.glob("*.query"))
        for n, query_file in enumerate(queries, start=1):
            body_file = query_file.with_suffix(".body")
            try:
                sizes = [f.stat().st_size for f in (query_file, body_file) if f.exists()]
                if any(size > MAX_PART for size in sizes):
                    yield n, f"超过 {MAX_PART // 1024} KB / larger than {MAX_PART // 1024} KB"
                    continue
                yield (
                    n,
                    query_file.read_text(encoding="utf-8").strip(),
                    (body_file.read_text(encoding="utf-8") if body_file.exists() else ""),
                )
            except (OSError, UnicodeDecodeError) as exc:
                yield n, f"无法读取 / unreadable: {type(exc).__name__}"
            if progress is not None:
                progress(n, len(queries))
        return
    with open_lines(path, progress) as (lines, _encoding, _compression):
        for text in lines:
            if isinstance(text, RowError):
                yield lines.line, str(text)
                continue
            if not text.strip():
                continue
            try:
                item = json.loads(text)
                yield (
                    lines.line,
                    str(item.get("query") or item.get("url") or ""),
                    str(item.get("body", "")),
                )
            except (ValueError, AttributeError, RecursionError):
                yield lines.line, "不是合法的 JSON 对象 / not a valid JSON object"


def import_pushes(
    mirror: Mirror,
    path: Path,
    *,
    keys: CallbackKeys,
    progress: Progress | None = None,
    rows: RowsProgress | None = None,
) -> ImportReport:
    """Each push is decoded and saved, accepted or not; re-importing adds nothing. Two passes:
    the first reads the whole file with the mirror unlocked (a file that fails as a whole
    writes nothing), the second saves the pushes in a transaction that gives way to any other
    writer (a money action) within a fraction of a second."""
    if not path.exists():
        raise ImportFailed(path, None, "文件或目录不存在", "no such file or folder")
    report = ImportReport("pushes", str(path))
    for item in _pairs(path, progress):  # the checking pass
        if len(item) == 2:
            report.reject(item[0], item[1])
    with GivingWay(mirror) as window:
        done = 0
        for item in _pairs(path, progress):
            if len(item) != 3:
                continue
            line, query, body = item
            try:
                result = decode(query, body, keys=keys)
            except CallbackError as error:
                # kept in the mirror all the same: support asks about rejected pushes too
                save_push(mirror, query=query, body=body, error=error)
                report.reject(line, f"{error.kind}: {error.message('en')}")
            else:
                if save_push(mirror, query=query, body=body, result=result):
                    report.added += 1
                else:
                    report.unchanged += 1
            done += 1
            window.step()
            if rows is not None and done % 200 == 0:
                rows("writing", done, 0)
    return report
