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
from xml.etree import ElementTree

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


def _element_value(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        if child.tag in out:  # repeated elements become a list
            existing = out[child.tag]
            out[child.tag] = (
                [*existing, _element_value(child)]
                if isinstance(existing, list)
                else [existing, _element_value(child)]
            )
        else:
            out[child.tag] = _element_value(child)
    return out


def parse_xml(text: str) -> dict[str, Any]:
    # pasted content is untrusted: no DTDs, no entities (billion laughs, external entities)
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise CallbackError("body_parse", "XML with a DTD or entities is refused")
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError, RecursionError) as exc:
        raise CallbackError("body_parse", f"XML: {str(exc)[:80]}") from None
    if root.tag != "xml":
        raise CallbackError("body_parse", f"root element is <{root.tag}>, not <xml>")
    value = _element_value(root)
    if not isinstance(value, dict):
        return {}
    for key in ("Encrypt",):
        if isinstance(value.get(key), list):
            raise CallbackError("body_parse", f"{key} appears twice")
    return value


def parse_body(text: str) -> Body:
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
