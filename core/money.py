"""Money is integer fen and integer coins everywhere; yuan exists only at display time."""

from __future__ import annotations

from decimal import Decimal


def format_fen(fen: int) -> str:
    """12345 -> '¥123.45'; negatives keep their sign in front: '-¥1.00'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_coins(coins: int, lang: str = "zh_CN") -> str:
    return f"{coins:,} coins" if lang.startswith("en") else f"{coins:,} 代币"


def coins_to_fen(coins: int, coin_rate: int) -> Decimal:
    """What a number of coins is worth at `coin_rate` coins per yuan, exactly, in fen."""
    return Decimal(coins) * 100 / Decimal(coin_rate)


def format_coins_with_value(coins: int, coin_rate: int, lang: str = "zh_CN") -> str:
    """The form every action dialog uses: '600 代币（≈ ¥6.00，按 1 元 = 100 代币）'."""
    value = format_fen(int(coins_to_fen(coins, coin_rate).to_integral_value()))
    if lang.startswith("en"):
        return f"{coins:,} coins (≈ {value}, at ¥1 = {coin_rate} coins)"
    return f"{coins:,} 代币（≈ {value}，按 1 元 = {coin_rate} 代币）"


def yuan_to_fen(text: str) -> int:
    """'12.30' -> 1230; refuses more than two decimals instead of rounding someone's money."""
    amount = Decimal(text.strip().lstrip("¥").replace(",", ""))
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError("more than two decimals")
    return int(fen)
