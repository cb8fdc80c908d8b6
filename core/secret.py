"""A wrapper that keeps secrets (AppKey, AppSecret, session_key, access_token, EncodingAESKey)
out of reprs, f-strings, logs and tracebacks. The value is only reachable through `reveal()`,
so every place that uses a secret is greppable."""

from __future__ import annotations

from typing import Final

_MASK: Final = "***"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def hint(self) -> str:
        """What an operator may see: that it is set, and its length. No character of it."""
        return f"{_MASK} ({len(self._value)})"

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("secrets are not picklable")


def reveal_or_none(secret: Secret | None) -> str | None:
    return None if secret is None else secret.reveal()
