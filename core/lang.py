"""The operator's default language, one rule for the command line and the desktop app."""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def default_lang(env: Mapping[str, str] | None = None, system: str | None = None) -> str:
    """English when the messages locale is English, Chinese otherwise. POSIX order as Qt reads
    it: LANGUAGE's first entry (GNU gettext's preference list, which Qt honours even under the C
    locale), then LC_ALL, LC_MESSAGES, LANG; the first one set decides. With none set, `system`
    (the desktop passes Qt's system locale name) or the C library's locale (Windows, macOS)."""
    real = env is None
    env = os.environ if env is None else env
    first = env.get("LANGUAGE", "").split(":")[0]
    names = [first] + [env.get(name, "") for name in LOCALE_VARIABLES]
    value = next((name for name in names if name), "")
    if not value and system is not None:
        value = system
    elif not value and real:
        value = locale.getlocale()[0] or ""
    return "en" if value.lower().startswith("en") else "zh_CN"
