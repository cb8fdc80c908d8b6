"""What every importer shares: the report, row and file errors, and streaming readers that detect
compression (gzip, zip) and encoding (UTF-8 with or without BOM, else GB18030/GBK)."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
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
KEPT_REJECTIONS = 300  # rejected rows kept with their line; the rest are counted
MAX_LINE = 1 << 20  # a longer line is one rejected row, read past without being held
MAX_DOCUMENT = 1 << 20  # a JSON document of a JSON array larger than this fails the file
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


class BadFile(Exception):
    """The file as a whole is unusable at `line` (turned into ImportFailed with the path)."""

    def __init__(self, line: int | None, zh: str, en: str) -> None:
        super().__init__(en)
        self.line, self.zh, self.en = line, zh, en


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
    rejected: list[Rejection] = field(default_factory=list)  # the first KEPT_REJECTIONS
    rejected_total: int = 0  # every rejected row, kept or not
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    compression: str = ""

    def reject(self, line: int, reason: str) -> None:
        """Counts a rejected row; keeps the first few hundred with their line (a hostile file
        of millions of bad rows must not fill the memory)."""
        self.rejected_total += 1
        if len(self.rejected) < KEPT_REJECTIONS:
            self.rejected.append(Rejection(line, reason))

    @property
    def rows(self) -> int:
        return self.added + self.updated + self.unchanged + self.skipped + self.rejected_total

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "rejected_total": self.rejected_total,
            "unknown_columns": self.unknown_columns,
            "encoding": self.encoding,
            "compression": self.compression,
        }

    def summary(self, lang: str = "en") -> str:
        if not lang.startswith("en"):
            return (
                f"{self.path}：新增 {self.added:,}，更新 {self.updated:,}，未变 "
                f"{self.unchanged:,}，跳过 {self.skipped:,}，拒收 {self.rejected_total:,}"
            )
        return (
            f"{self.path}: added {self.added}, updated {self.updated}, unchanged "
            f"{self.unchanged}, skipped {self.skipped}, rejected {self.rejected_total}"
        )

    def rejection_lines(self, limit: int = 50, lang: str = "en") -> list[str]:
        """The first `limit` rejections with their line, and how many more there are."""
        english = lang.startswith("en")
        lines = [
            f"  line {r.line}: {r.reason}" if english else f"  第 {r.line} 行：{r.reason}"
            for r in self.rejected[:limit]
        ]
        more = self.rejected_total - min(limit, len(self.rejected))
        if more > 0:
            rows = "row" if more == 1 else "rows"
            lines.append(
                f"  … {more:,} more rejected {rows} (the first {len(self.rejected)} are in --json)"
                if english
                else f"  … 另有 {more:,} 行被拒收（前 {len(self.rejected)} 行见 --json）"
            )
        return lines


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
    occur inside UTF-8 or GB18030 multi-byte sequences, so splitting before decoding is safe.
    A line longer than MAX_LINE bytes comes back as a RowError (read past, never held whole)."""

    def __init__(self, binary: IO[bytes], encoding: str, path: Path) -> None:
        self._binary = binary
        self._encoding = encoding
        self._path = path
        self.line = 0

    def _read(self, limit: int) -> bytes:
        try:
            return self._binary.readline(limit)
        except READ_ERRORS as exc:
            raise read_failure(self._path, self.line + 1, exc) from None

    def __iter__(self) -> Iterator[str | RowError]:
        first = True
        while True:
            raw = self._read(MAX_LINE + 1)
            if not raw:
                return
            self.line += 1
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = self._read(1 << 16)
                yield RowError(
                    f"行长超过 {MAX_LINE // 1024} KB / line longer than {MAX_LINE // 1024} KB"
                )
                continue
            try:
                text = raw.decode(self._encoding)
            except UnicodeDecodeError as exc:
                raise read_failure(self._path, self.line, exc) from None
            if first:
                text = text.lstrip("\ufeff")
                first = False
            yield text

    def chunks(self) -> Iterator[str]:
        """The rest as decoded text in pieces of about 64 KiB, whatever its lines (a JSON
        array may be one line of hundreds of MB)."""
        decoder = codecs.getincrementaldecoder(self._encoding)()
        first = True
        while True:
            try:
                raw = self._binary.read(1 << 16)
            except READ_ERRORS as exc:
                raise read_failure(self._path, self.line + 1, exc) from None
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                line = self.line + raw[: max(exc.start, 0)].count(b"\n") + 1
                raise read_failure(self._path, line, exc) from None
            self.line += text.count("\n")
            if first and text:
                text = text.lstrip("\ufeff")
                first = False
            if text:
                yield text
            if not raw:
                return

    def peek_start(self) -> str:
        """The first non-blank character of what is left (for JSON array or lines)."""
        peek = getattr(self._binary, "peek", None)
        if peek is None:
            return ""
        try:
            head: bytes = bytes(peek(1 << 16)[: 1 << 16])
        except READ_ERRORS:
            return ""
        return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1].decode("latin-1")


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
        except READ_ERRORS as exc:  # zlib.error too: a damaged gzip or zip member
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


READ_ERRORS = (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, OSError, zlib.error)


def iter_json_documents(lines: Lines) -> Iterator[tuple[int, Any, str]]:
    """(line, document, its text) from JSON lines or a JSON array, streamed in linear time.
    A malformed document comes back as (line, RowError, "") so the caller can report it and go
    on; a JSON array that is cut off, or holds a document over MAX_DOCUMENT, fails the file."""
    if lines.peek_start() == "[":
        yield from _iter_array(lines)
        return
    decode = json.JSONDecoder().raw_decode  # json.loads minus its two whitespace regexes
    for text in lines:
        if type(text) is not str:
            yield lines.line, text, ""
            continue
        stripped = text.strip()
        if not stripped:
            continue
        try:
            document, end = decode(stripped)
            if end != len(stripped):
                raise ValueError(f"Extra data: column {end + 1}")
            yield lines.line, document, stripped
        except ValueError as exc:
            yield (
                lines.line,
                RowError(f"不是合法的 JSON / not valid JSON: {str(exc)[:60]}"),
                "",
            )
        except RecursionError:
            yield lines.line, RowError("JSON 嵌套过深 / JSON nested too deeply"), ""


def _iter_array(lines: Lines) -> Iterator[tuple[int, Any, str]]:
    """Documents of a JSON array, pretty-printed or on one line. The decoder is retried on an
    incomplete document only once the text after it has doubled, so a document that never
    closes costs linear time, not quadratic; a malformed document fails the file at its line
    as soon as the line after it is read, one larger than MAX_DOCUMENT once that size is read
    (in an array, the next document cannot be found reliably after a broken one)."""
    decoder = json.JSONDecoder()
    buffer = ""
    pos = 0  # where the next document starts in buffer
    line_at_pos = 1  # its line
    next_try = 0  # len(buffer) at which an incomplete document is decoded again
    opened = False
    pieces = lines.chunks()
    ended = False
    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n,":
            if buffer[pos] == "\n":
                line_at_pos += 1
            pos += 1
        if not opened and pos < len(buffer):
            if buffer[pos] != "[":
                raise BadFile(line_at_pos, "不是 JSON 数组", "not a JSON array")
            opened, pos = True, pos + 1
            continue
        if pos < len(buffer) and buffer[pos] == "]":
            return
        if pos < len(buffer) and (len(buffer) >= next_try or ended):
            try:
                document, end = decoder.raw_decode(buffer, pos)
            except RecursionError:
                raise BadFile(line_at_pos, "JSON 嵌套过深", "JSON nested too deeply") from None
            except ValueError as exc:
                complete = buffer.find("\n", pos) != -1 and not _incomplete(exc, buffer)
                if complete or ended:
                    raise BadFile(
                        line_at_pos,
                        f"JSON 数组中的文档不合法或不完整：{str(exc)[:60]}",
                        f"a document of the JSON array is malformed or cut off: {str(exc)[:60]}",
                    ) from None
                next_try = pos + 2 * (len(buffer) - pos) + 1
            else:
                yield line_at_pos, document, buffer[pos:end]
                line_at_pos += buffer.count("\n", pos, end)
                pos, next_try = end, 0
                continue
        elif ended:
            if not opened:
                raise BadFile(None, "文件为空", "the file is empty")
            raise BadFile(line_at_pos, "JSON 数组不完整", "the JSON array is cut off")
        if len(buffer) - pos > MAX_DOCUMENT:
            raise BadFile(
                line_at_pos,
                f"JSON 数组中的文档超过 {MAX_DOCUMENT // 1024} KB 仍未结束",
                f"a document of the JSON array is still open after {MAX_DOCUMENT // 1024} KB",
            )
        following = next(pieces, None)
        if following is None:
            ended = True
            continue
        if pos > (1 << 16) and pos > len(buffer) // 2:  # drop what was read: linear overall
            buffer, next_try = buffer[pos:], max(0, next_try - pos)
            pos = 0
        buffer += following


def _incomplete(exc: ValueError, buffer: str) -> bool:
    """The decoder stopped because the text ended, not because it is wrong."""
    where = getattr(exc, "pos", -1)
    message = getattr(exc, "msg", "")
    return where >= len(buffer.rstrip()) or message.startswith("Unterminated string")


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
