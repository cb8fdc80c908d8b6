"""Human text or JSON on stdout; errors as {"error": {...}} in JSON mode, on stderr otherwise."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from core.lang import default_lang

__all__ = ["Output", "counted", "default_lang"]


def counted(n: int, zh: str, one: str, many: str, lang: str) -> str:
    """`1 day` / `2 days` / `3 天`: English plurals agree with the number."""
    if lang.startswith("en"):
        return f"{n:,} {one if n == 1 else many}"
    return f"{n:,} {zh}"


class Output:
    def __init__(
        self,
        *,
        json_mode: bool,
        lang: str = "zh_CN",
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json_mode = json_mode
        self.lang = lang
        self._out = stdout or sys.stdout
        self._err = stderr or sys.stderr
        self._warned: set[str] = set()

    @property
    def english(self) -> bool:
        return self.lang.startswith("en")

    def say(self, zh: str, en: str) -> str:
        """The operator's language: one of the two."""
        return en if self.english else zh

    def count(self, n: int, zh: str, one: str, many: str) -> str:
        return counted(n, zh, one, many, self.lang)

    def result(self, data: dict[str, Any], human: str | None = None) -> None:
        if self.json_mode:
            self._out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        else:
            self._out.write((human if human is not None else _human(data)) + "\n")

    def error(
        self,
        kind: str,
        message: str,
        *,
        errcode: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if self.json_mode:
            body: dict[str, Any] = {"kind": kind, "errcode": errcode, "message": message}
            body.update(extra or {})
            self._out.write(json.dumps({"error": body}, ensure_ascii=False) + "\n")
        else:
            # the operator's language only; the kind is for machines (--json)
            self._err.write(self.say(f"错误：{message}", f"error: {message}") + "\n")

    def warn(self, message: str) -> None:
        if message not in self._warned:  # each warning once per run
            self._warned.add(message)
            self._err.write(self.say(f"警告：{message}", f"warning: {message}") + "\n")

    def note(self, message: str) -> None:
        """Always on stderr, JSON mode or not: stdout stays machine-readable."""
        self._err.write(message + "\n")
        self._err.flush()

    def progress(self, message: str) -> None:
        if not self.json_mode:
            self._err.write(message + "\n")


def _human(data: dict[str, Any], indent: str = "") -> str:
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(_human(value, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {value}")
    return "\n".join(lines)
