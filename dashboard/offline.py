"""What a page says while the team server is away: the rows it holds stay, marked as from the
last contact with the server; a page with nothing to show says the server is unreachable, never
that there is nothing. ServerUnreachable is an expected state, not an error: pages catch it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.remote.errors import ServerUnreachable
from dashboard import fmt
from dashboard.connection import data_time, is_offline
from dashboard.i18n import tr

__all__ = ["ServerUnreachable", "cannot_load", "is_offline", "stale_note", "unreachable_empty"]


def stale_note(desk: Any) -> str:
    """Said beside rows kept from before the server went away."""
    at = datetime.fromtimestamp(data_time(desk), fmt.SHANGHAI).strftime("%H:%M")
    return tr("team server unreachable: as of {time} (Beijing)").format(time=at)


def unreachable_empty() -> str:
    """A list with nothing kept from before: it is not known to be empty."""
    return tr("The team server is unreachable: this list can't be loaded now.")


def cannot_load(what: str) -> str:
    return tr("{what} can't be loaded now: the team server is unreachable.").format(what=what)
