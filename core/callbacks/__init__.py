"""The callback inspector: verify, decrypt and read pasted WeChat message pushes."""

from core.callbacks.decoder import CallbackKeys, DecodeResult, decode
from core.callbacks.errors import EXPLANATIONS, CallbackError
from core.callbacks.events import PushEvent, parse_event
from core.callbacks.reply import ack, encrypted_reply, expected_reply

__all__ = [
    "EXPLANATIONS",
    "CallbackError",
    "CallbackKeys",
    "DecodeResult",
    "PushEvent",
    "ack",
    "decode",
    "encrypted_reply",
    "expected_reply",
    "parse_event",
]
