"""Logging that never writes a secret: a filter scrubs access tokens, signatures and keys from
every record (httpx logs request URLs, whose query carries access_token)."""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

_SECRET_QUERY = re.compile(
    r"((?:access_token|pay_sig|signature|msg_signature|secret|session_key|"
    r"encoding_aes_key|app_key)=)[^&\s\"']+",
    re.IGNORECASE,
)


def scrub(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


def setup_logging(folder: Path, *, level: int = logging.INFO) -> Path:
    """A rotating log file in `folder`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "xpaydesk.log"
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    logging.getLogger("httpx").addFilter(RedactingFilter())
    return path
