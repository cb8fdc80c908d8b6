"""An in-process fake of WeChat for client tests (httpx.MockTransport): records every request and
answers from a per-path script."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

APPID = "wx0123456789abcdef"
SECRET = "s3cr3t-app-secret"
APP_KEY = "prod-app-key-0001"
SANDBOX_KEY = "sandbox-app-key-0002"
SESSION_KEY = "9hAb/NEYUlkaMBEsmFgzig=="


def hmac_hex(key: str, message: bytes) -> str:
    """Independent of core.signing on purpose: the tests recompute signatures themselves."""
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeWeChat:
    answers: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    seen: list[Seen] = field(default_factory=list)
    token_counter: int = 0

    def script(self, path: str, *answers: Any) -> None:
        self.answers[path].extend(answers)

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        seen = Seen(request.method, url.path, query, request.content, dict(request.headers))
        self.seen.append(seen)
        queue = self.answers.get(url.path)
        if queue:
            answer = queue.popleft()
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, httpx.Response):
                return answer
            return httpx.Response(200, json=answer)
        if url.path == "/cgi-bin/stable_token":
            self.token_counter += 1
            return httpx.Response(
                200, json={"access_token": f"TOKEN-{self.token_counter}", "expires_in": 7200}
            )
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)
