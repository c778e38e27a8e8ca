"""How a secret is shown: never in full. One function, used by rules and by code frames."""

from __future__ import annotations

_MASK_MAX_REVEAL = 4
_MASK_MIN_STARS = 8
_MASK_MAX_STARS = 16


def mask(value: str) -> str:
    """Mask a secret for display.

    * At most the first 4 characters are kept, and never more than a quarter of the
      value (``len // 4``); values shorter than 8 characters reveal nothing.
    * The rest is replaced by ``*``. The number of stars is the number of hidden
      characters clamped to 8..16, so the output never tells the exact length of a short
      secret (``"abc"`` → ``"********"``) and does not grow with a long one
      (``"sk_live_abcdef123456"`` → ``"sk_l****************"``; a 2 kB PEM block is
      shown as its first 4 characters and 16 stars).
    * The empty string masks to the empty string.
    """
    if not value:
        return ""
    n = len(value)
    reveal = 0 if n < 8 else min(_MASK_MAX_REVEAL, n // 4)
    stars = min(_MASK_MAX_STARS, max(_MASK_MIN_STARS, n - reveal))
    return value[:reveal] + "*" * stars
