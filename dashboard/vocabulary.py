"""The glossary words for code values, in the operator's language: a thin layer over
core.vocabulary (the one table, shared with the exports), so no page ever shows a stored code."""

from __future__ import annotations

from core import vocabulary
from dashboard import fmt


def word(table: str, code: object) -> str:
    return vocabulary.word(table, code, fmt.lang())


def kind_and_quantity(kind: str, quantity: int | None) -> str:
    """A quantity with its unit: coins for a top-up, items for an item purchase."""
    if quantity is None:
        return "—"
    if kind == "coin":
        return fmt.coins(quantity)
    english = fmt.lang() == "en"
    return (
        f"{quantity:,} {'item' if quantity == 1 else 'items'}"
        if english
        else f"{quantity:,} 个道具"
    )
