"""What a team operator's role cannot use, said on the page's own buttons (the team server
decides and refuses; the desktop only says so before the operator clicks)."""

from __future__ import annotations

from typing import Any

from core.operations.policy import page_refusal
from dashboard import fmt


def refused_page(desk: Any, page: str) -> str:
    """Why this desk's operator cannot use `page`, in the operator's language; "" when they can
    (always on a solo desk: its role is a guard rail the checks apply to money actions)."""
    if desk is None or not getattr(desk, "team", False):
        return ""
    said = page_refusal(str(getattr(desk.profile, "role", "")), page)
    if said is None:
        return ""
    return said[1] if fmt.lang() == "en" else said[0]


def block(widgets: Any, why: str, tips: dict[Any, str] | None = None) -> None:
    """Disables `widgets` with `why` as their tooltip, or enables them again (their own tooltip
    from `tips`) when `why` is empty."""
    for widget in widgets:
        widget.setEnabled(not why)
        widget.setToolTip(why or (tips or {}).get(widget, ""))
