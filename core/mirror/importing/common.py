"""What every importer shares: the report, row and file errors, and streaming readers that detect
compression (gzip, zip) and encoding (UTF-8 with or without BOM, else GB18030/GBK)."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from core.errors import XPayDeskError

SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 5000
Progress = Callable[[int, int], None]  # (bytes read, total bytes); raise ImportCancelled to stop


class ImportFailed(XPayDeskError):
    """The file as a whole cannot be imported; nothing of it was written."""

    kind = "import"
    exit_code = 2

    def __init__(self, path: Path | str, line: int | None, zh: str, en: str) -> None:
        where_zh = f"{path} 第 {line} 行" if line else str(path)
        where_en = f"{path} line {line}" if line else str(path)
        super().__init__(
            f"{where_zh}：{zh}（未写入任何数据）", f"{where_en}: {en} (nothing was written)"
        )
        self.path = str(path)
        self.line = line


class ImportCancelled(XPayDeskError):
    kind = "cancelled"
    exit_code = 2

    def __init__(self) -> None:
        super().__init__("导入已取消，未写入任何数据", "import cancelled; nothing was written")


class RowError(ValueError):
    """One row is unusable; the import goes on and reports it."""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    path: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # valid rows this mirror does not keep (e.g. other payment types)
    rejected: list[Rejection] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    compression: str = ""

    @property
    def rows(self) -> int:
        return self.added + self.updated + self.unchanged + self.skipped + len(self.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "unknown_columns": self.unknown_columns,
            "encoding": self.encoding,
            "compression": self.compression,
        }

    def summary(self) -> str:
        return (
            f"{self.path}: added {self.added}, updated {self.updated}, unchanged "
            f"{self.unchanged}, skipped {self.skipped}, rejected {len(self.rejected)}"
        )


class _Counting(io.RawIOBase):
    """Counts the bytes read from the file on disk, for the progress bar."""

    def __init__(self, raw: IO[bytes], total: int, progress: Progress | None) -> None:
        self._raw = raw
        self.total = total
        self.read_bytes = 0
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        if self._progress is not None:
            self._progress(self.read_bytes, self.total)
        return len(data)


def _decompressed(path: Path, raw: IO[bytes], counting: _Counting) -> tuple[Any, str]:
    head = raw.read(4)
    raw.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=io.BufferedReader(counting)), "gzip"
    if head == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(raw)
        except zipfile.BadZipFile:
            raise ImportFailed(
                path, None, "zip 文件已损坏或不完整", "the zip file is damaged or truncated"
            ) from None
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise ImportFailed(
                path,
                None,
                f"zip 中应只有一个文件（实际 {len(members)} 个）",
                f"the zip should hold exactly one file ({len(members)} found)",
            )
        return archive.open(members[0]), "zip"
    return io.BufferedReader(counting, buffer_size=1 << 16), ""


def _sniff_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # fails again while reading, with the line number


class Lines:
    """Decoded lines of a byte stream, one at a time, so a decoding error names its exact line
    (a TextIOWrapper decodes ahead in chunks and would blame an earlier one). Newline bytes never
    occur inside UTF-8 or GB18030 multi-byte sequences, so splitting before decoding is safe."""

    def __init__(self, binary: IO[bytes], encoding: str, path: Path) -> None:
        self._binary = binary
        self._encoding = encoding
        self._path = path
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        first = True
        while True:
            try:
                raw = self._binary.readline()
            except READ_ERRORS as exc:
                raise read_failure(self._path, self.line + 1, exc) from None
            if not raw:
                return
            self.line += 1
            try:
                text = raw.decode(self._encoding)
            except UnicodeDecodeError as exc:
                raise read_failure(self._path, self.line, exc) from None
            if first:
                text = text.lstrip("\ufeff")
                first = False
            yield text


@contextmanager
def open_lines(path: Path, progress: Progress | None = None) -> Iterator[tuple[Lines, str, str]]:
    """(decoded lines, encoding, compression). The encoding is guessed from the first 64 KiB."""
    if not path.is_file():
        raise ImportFailed(path, None, "文件不存在", "no such file")
    with path.open("rb") as raw:
        counting = _Counting(raw, path.stat().st_size, progress)
        binary, compression = _decompressed(path, raw, counting)
        buffered = (
            binary
            if isinstance(binary, io.BufferedReader)
            else io.BufferedReader(binary, buffer_size=1 << 16)
        )
        try:
            sample = buffered.peek(1 << 16)[: 1 << 16]
        except (EOFError, OSError, zipfile.BadZipFile) as exc:
            raise ImportFailed(
                path, 1, f"文件已损坏：{exc}", f"the file is damaged: {exc}"
            ) from None
        encoding = _sniff_encoding(sample)
        yield (
            Lines(buffered, "utf-8" if encoding == "utf-8-sig" else encoding, path),
            encoding,
            compression,
        )


def read_failure(path: Path, line: int, exc: BaseException) -> ImportFailed:
    """Turns a low-level read error into words: wrong encoding, or a truncated file."""
    if isinstance(exc, UnicodeDecodeError):
        return ImportFailed(
            path,
            line,
            "编码无法识别（既不是 UTF-8 也不是 GBK）",
            "unreadable encoding (neither UTF-8 nor GBK)",
        )
    return ImportFailed(
        path, line, "文件不完整（被截断或损坏）", "the file is truncated or damaged"
    )


READ_ERRORS = (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, OSError)


def iter_json_documents(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line, document) from JSON lines or a JSON array, streamed. A malformed document comes
    back as (line, RowError) so the caller can report it and go on."""
    numbered = enumerate(lines, start=1)
    for line_no, text in numbered:
        stripped = text.strip()
        if not stripped:
            continue
        if stripped.startswith("["):
            yield from _iter_array(line_no, text[text.index("[") + 1 :], numbered)
            return
        try:
            yield line_no, json.loads(stripped)
        except ValueError as exc:
            yield line_no, RowError(f"不是合法的 JSON / not valid JSON: {str(exc)[:60]}")


def _iter_array(
    line_no: int, rest: str, numbered: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, Any]]:
    """Documents of a JSON array spread over lines (pretty-printed or not)."""
    decoder = json.JSONDecoder()
    buffer, start_line = rest, line_no
    while True:
        buffer = buffer.lstrip(" \t\r\n,")
        if buffer.startswith("]"):
            return
        if buffer:
            try:
                document, end = decoder.raw_decode(buffer)
            except ValueError:
                pass
            else:
                yield start_line, document
                buffer = buffer[end:]
                continue
        following = next(numbered, None)
        if following is None:
            raise RowError(f"line {line_no}: JSON 数组不完整 / the JSON array is cut off")
        line_no, text = following
        if not buffer:
            start_line = line_no
        buffer += text


def to_unix(value: Any, *, field_name: str) -> int:
    """Unix seconds from seconds, milliseconds, ISO text (Asia/Shanghai if naive) or
    {"$date": ...} as uniCloud exports it."""
    if isinstance(value, dict) and "$date" in value:
        value = value["$date"]
    if value in (None, "", 0):
        return 0
    if isinstance(value, bool):
        raise RowError(f"{field_name}: 不是时间 / not a time")
    if isinstance(value, int | float):
        return int(value / 1000) if value > 10**11 else int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return to_unix(int(text), field_name=field_name)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
        except ValueError:
            raise RowError(
                f"{field_name}: 无法识别的时间 / unreadable time {text[:30]!r}"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=SHANGHAI)
        return int(parsed.timestamp())
    raise RowError(f"{field_name}: 不是时间 / not a time")


def to_int(value: Any, *, field_name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or value is None:
        raise RowError(f"{field_name}: 不是整数 / not an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or value < minimum:
        raise RowError(f"{field_name}: 须为 ≥ {minimum} 的整数 / must be an integer ≥ {minimum}")
    return value


def yuan_to_fen(value: str, *, field_name: str) -> int:
    text = value.strip().lstrip("`¥").replace(",", "")
    try:
        amount = Decimal(text) * 100
    except InvalidOperation:
        raise RowError(f"{field_name}: 不是金额 / not an amount: {value[:20]!r}") from None
    if amount != amount.to_integral_value():
        raise RowError(f"{field_name}: 超过两位小数 / more than two decimals")
    return int(amount)
