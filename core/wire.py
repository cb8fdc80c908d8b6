"""The desk's results as JSON and back: the team server answers `dump(result)`, a remote desk
returns `load(ResultType, body)`. Both sides read the field list from the dataclass itself (its
type hints), so a field added to a result travels with no second list to keep in step."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from pathlib import Path
from typing import Any, TypeVar, Union

from core.errors import XPayDeskError
from core.secret import Secret

T = TypeVar("T")


class WireError(XPayDeskError):
    kind = "wire"

    def __init__(self, en: str) -> None:
        super().__init__(
            f"团队服务器的回答无法读取：{en}", f"the team server's answer is unreadable: {en}"
        )


def dump(obj: Any) -> Any:
    """JSON-able data of a result: dataclasses by field, enums by value, tuples as lists. A secret
    is refused outright: nothing on the wire may carry one."""
    if isinstance(obj, Secret):
        raise TypeError("a secret never goes on the wire")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: dump(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return dump(obj.value)
    if isinstance(obj, dict):
        return {str(k): dump(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [dump(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date):  # a datetime too: ISO 8601, with its offset when it has one
        return obj.isoformat()
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"{type(obj).__name__} has no wire form")


def load(kind: Any, data: Any) -> Any:
    """Rebuilds `kind` (a dataclass, list[...], dict[str, ...], X | None, an enum, a plain type)
    from `dump`'s output. Unknown fields are ignored (a newer server may send more); a missing
    field takes its default, else it is a WireError."""
    try:
        return _load(kind, data)
    except (TypeError, ValueError, KeyError) as exc:
        raise WireError(f"{getattr(kind, '__name__', kind)}: {exc}") from None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(kind: Any, data: Any) -> Any:
    if kind is Any or kind is object:
        return data
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        args = typing.get_args(kind)
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _load(arg, data)
            except (TypeError, ValueError, KeyError) as exc:
                errors.append(str(exc))
        raise TypeError("; ".join(errors) or f"no type of {kind} fits")
    if origin in (list, set, frozenset):
        (item,) = typing.get_args(kind) or (Any,)
        if not isinstance(data, list):
            raise TypeError(f"a list expected, got {type(data).__name__}")
        return origin(_load(item, v) for v in data)
    if origin is tuple:
        args = typing.get_args(kind)
        if not isinstance(data, list):
            raise TypeError(f"a list expected, got {type(data).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v) for v in data)
        return tuple(_load(a, v) for a, v in zip(args, data, strict=True))
    if origin is dict:
        key, value = typing.get_args(kind) or (str, Any)
        if not isinstance(data, dict):
            raise TypeError(f"an object expected, got {type(data).__name__}")
        return {_load(key, k): _load(value, v) for k, v in data.items()}
    if origin is not None:  # Literal, Annotated and the like: taken as they come
        return data
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise TypeError(f"an object expected for {kind.__name__}")
        hints = _hints(kind)
        values = {
            f.name: _load(hints.get(f.name, Any), data[f.name])
            for f in dataclasses.fields(kind)
            if f.init and f.name in data
        }
        return kind(**values)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    if kind is Path:
        return Path(data)
    if kind in (dt.date, dt.datetime):
        if not isinstance(data, str):
            raise TypeError(f"an ISO {kind.__name__} expected, got {type(data).__name__}")
        return kind.fromisoformat(data)
    if kind is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if kind is int and isinstance(data, bool):
        raise TypeError("an integer expected, got a boolean")
    if isinstance(kind, type) and not isinstance(data, kind):
        raise TypeError(f"{kind.__name__} expected, got {type(data).__name__}")
    return data
