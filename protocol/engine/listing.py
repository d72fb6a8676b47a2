"""Listings inside messages, capped so that one record never makes a huge report.

A message that lists dates, entries or pairs shows at most ``limit`` of them and
then says how many more there are ("...; and 497 more"). The limit is the pack's
``listing_limit`` parameter; the counts in a finding's values stay complete.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["capped"]


def capped(items: Iterable[str], limit: int, separator: str = "; ", empty: str = "none") -> str:
    """At most ``limit`` items joined by ``separator``, then 'and N more'."""
    shown: list[str] = []
    extra = 0
    for item in items:
        if len(shown) < limit:
            shown.append(item)
        else:
            extra += 1
    if not shown:
        return empty
    text = separator.join(shown)
    return f"{text}{separator}and {extra} more" if extra else text
