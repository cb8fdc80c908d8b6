"""A keyring backend for CLI tests in subprocesses (headless CI has no Secret Service): the
entries live in one JSON file named by XPAYDESK_TEST_KEYRING, so a test can look into "the OS
keyring" of the processes it ran. Chosen with PYTHON_KEYRING_BACKEND=tests.jsonkeyring.JsonKeyring;
never shipped (tests only)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors
from keyring.compat import properties


class JsonKeyring(keyring.backend.KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        """Viable only where a test names its file: once this module is imported, keyring's
        chainer would otherwise pick it up in the test process itself (every later test that
        touched the keyring failed with KeyError)."""
        if "XPAYDESK_TEST_KEYRING" not in os.environ:
            raise RuntimeError("XPAYDESK_TEST_KEYRING is not set")
        return 1

    @staticmethod
    def path() -> Path:
        return Path(os.environ["XPAYDESK_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path().read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def _save(self, entries: dict[str, str]) -> None:
        self.path().write_text(json.dumps(entries), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}\n{username}"] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._save(entries)


def entries(path: Path) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {tuple(k.split("\n", 1)): v for k, v in raw.items()}  # type: ignore[misc]
