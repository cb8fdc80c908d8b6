"""Reading what an operator pastes: a URL, a query string or a log line; a JSON or XML body.

Percent-decoding keeps '+' as '+' (urllib.parse.unquote, never parse_qs / unquote_plus): base64 in
an echostr or body would otherwise lose its '+' and fail the signature.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from xml.parsers import expat

from core.callbacks.errors import CallbackError

_LOG_QUERY = re.compile(r"\?([^\s\"'<>]+)")
_ENVELOPE_KEYS = frozenset({"ToUserName", "Encrypt", "AgentID"})


def extract_query(pasted: str) -> str:
    """The query part of a full URL, a bare query string, or a request line from a server log."""
    text = pasted.strip()
    if not text:
        return ""
    if any(ch.isspace() for ch in text):  # a log line: find the request target's query
        match = _LOG_QUERY.search(text)
        return match.group(1) if match else ""
    if "?" in text:
        text = text.split("?", 1)[1]
    return text.split("#", 1)[0]


def parse_query(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in query.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name, value = unquote(raw_name), unquote(raw_value)
        if name in params:
            raise CallbackError("query_duplicate_param", name)
        params[name] = value
    return params


@dataclass(frozen=True)
class Body:
    format: str  # "json" | "xml"
    fields: dict[str, Any]  # top level; XML children with children become nested dicts

    @property
    def encrypt(self) -> object:
        return self.fields.get("Encrypt")

    @property
    def has_plain_fields(self) -> bool:
        return bool(set(self.fields) - _ENVELOPE_KEYS)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CallbackError("body_parse", f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as exc:
        raise CallbackError("body_parse", f"JSON: {str(exc)[:80]}") from None
    if not isinstance(data, dict):
        raise CallbackError("body_parse", "JSON is not an object")
    return data


# a push is a flat <xml> of a dozen fields (a goods push nests two levels); anything far deeper,
# longer or larger is not a push, and is refused before it costs memory or recursion
MAX_XML_DEPTH = 32
MAX_XML_ELEMENTS = 10_000
MAX_BODY_CHARS = 1 << 20


class _Refused(Exception):
    """Raised inside an expat handler to stop the parse; becomes a CallbackError."""


def parse_xml(text: str) -> dict[str, Any]:
    """An iterative reader over expat (no tree, no recursion): no DTD, no entity declarations, no
    external entities, a depth and an element-count limit. Leaves become strings, elements with
    children nested dicts, repeated elements lists (as the ElementTree reading did)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    # each frame: [tag, children (None while a leaf), text parts]
    stack: list[list[Any]] = []
    result: list[Any] = []
    count = 0

    def refuse_dtd(*_args: object) -> None:
        raise _Refused("XML with a DTD or entities is refused")

    def refuse_external(*_args: object) -> int:
        raise _Refused("XML with external entities is refused")

    def start(tag: str, _attrs: object) -> None:
        nonlocal count
        count += 1
        if len(stack) >= MAX_XML_DEPTH:
            raise _Refused(f"XML nested deeper than {MAX_XML_DEPTH} levels")
        if count > MAX_XML_ELEMENTS:
            raise _Refused(f"XML with more than {MAX_XML_ELEMENTS} elements")
        if stack and stack[-1][1] is None:
            stack[-1][1] = {}
        stack.append([tag, None, []])

    def end(_tag: str) -> None:
        tag, children, parts = stack.pop()
        value: Any = children if children is not None else "".join(parts)
        if not stack:
            result.append((tag, value))
            return
        siblings: dict[str, Any] = stack[-1][1]
        if tag in siblings:  # repeated elements become a list
            existing = siblings[tag]
            siblings[tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            siblings[tag] = value

    def data(chunk: str) -> None:
        if stack:
            stack[-1][2].append(chunk)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(text, True)
    except _Refused as exc:
        raise CallbackError("body_parse", str(exc)) from None
    except (expat.ExpatError, ValueError, RecursionError, MemoryError) as exc:
        raise CallbackError("body_parse", f"XML: {str(exc)[:80]}") from None
    if not result:
        raise CallbackError("body_parse", "XML: no element found")
    tag, value = result[0]
    if tag != "xml":
        raise CallbackError("body_parse", f"root element is <{str(tag)[:40]}>, not <xml>")
    if not isinstance(value, dict):
        return {}
    for key in ("Encrypt",):
        if isinstance(value.get(key), list):
            raise CallbackError("body_parse", f"{key} appears twice")
    return value


def parse_body(text: str) -> Body:
    if len(text) > MAX_BODY_CHARS:
        raise CallbackError(
            "body_parse", f"{len(text):,} characters: far larger than any push ({MAX_BODY_CHARS:,})"
        )
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        return Body("xml", parse_xml(stripped))
    if stripped.startswith("{"):
        return Body("json", parse_json(stripped))
    raise CallbackError("body_parse", "empty" if not stripped else "not JSON or XML")


def parse_message(text: str) -> tuple[str, dict[str, Any]]:
    """The decrypted (or plaintext) event: its format and its fields."""
    body = parse_body(text)
    return body.format, body.fields
