"""Saved pushes: a folder of `<name>.query` + `<name>.body` pairs (what the simulator and many
server logs write), or a JSON-lines file of {"query" | "url", "body"} objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from core.callbacks import CallbackError, CallbackKeys, decode
from core.mirror.db import Mirror
from core.mirror.importing.common import ImportFailed, ImportReport, Progress, Rejection
from core.mirror.pushes import save_push


def _pairs(path: Path) -> Iterator[tuple[int, str, str] | tuple[int, Exception]]:
    if path.is_dir():
        queries = sorted(path.glob("*.query"))
        for n, query_file in enumerate(queries, start=1):
            body_file = query_file.with_suffix(".body")
            try:
                yield (
                    n,
                    query_file.read_text(encoding="utf-8").strip(),
                    (body_file.read_text(encoding="utf-8") if body_file.exists() else ""),
                )
            except (OSError, UnicodeDecodeError) as exc:
                yield n, exc
        return
    with path.open(encoding="utf-8-sig") as lines:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                yield n, str(item.get("query") or item.get("url") or ""), str(item.get("body", ""))
            except (ValueError, AttributeError) as exc:
                yield n, exc


def import_pushes(
    mirror: Mirror, path: Path, *, keys: CallbackKeys, progress: Progress | None = None
) -> ImportReport:
    """Each push is decoded and saved, accepted or not; re-importing adds nothing."""
    if not path.exists():
        raise ImportFailed(path, None, "文件或目录不存在", "no such file or folder")
    report = ImportReport("pushes", str(path))
    with mirror.transaction():
        try:
            for item in _pairs(path):
                if len(item) == 2:
                    line, exc = item
                    report.rejected.append(Rejection(line, f"无法读取 / unreadable: {exc}"))
                    continue
                line, query, body = item
                try:
                    result = decode(query, body, keys=keys)
                except CallbackError as error:
                    # kept in the mirror all the same: support asks about rejected pushes too
                    save_push(mirror, query=query, body=body, error=error)
                    report.rejected.append(Rejection(line, f"{error.kind}: {error.message('en')}"))
                    continue
                if save_push(mirror, query=query, body=body, result=result):
                    report.added += 1
                else:
                    report.unchanged += 1
                if progress is not None:
                    progress(line, 0)
        except UnicodeDecodeError:
            raise ImportFailed(path, None, "不是 UTF-8 文本", "not UTF-8 text") from None
    return report
