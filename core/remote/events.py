"""The server's event stream, followed in a background thread: each event becomes the same
"what changed" broadcast a solo desk sends."""

from __future__ import annotations

from core.remote.base import RemoteBase


class Events(RemoteBase):
    def start_following(self) -> None:
        """Follows the server's events (written by the events slice)."""
