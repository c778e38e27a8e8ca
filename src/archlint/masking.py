"""How a secret is shown: never in full. One function, used by rules and by code frames."""

from __future__ import annotations

MAX_STARS = 12


def mask(value: str) -> str:
    """`sk_live_abcdef123456` -> `sk_l************`.

    At most the first 4 characters stay visible, and never more than a quarter of the value;
    values under 8 characters show nothing. The stars are capped at 12 so the output does not
    tell the value's length.
    """
    if len(value) < 8:
        keep = 0
    else:
        keep = min(4, len(value) // 4)
    return value[:keep] + "*" * min(MAX_STARS, max(len(value) - keep, 4))
