"""Orders that break ties by content, computing the content only where there is a tie.

Entries are never ordered by their position in an array: two entries with the
same date are ordered by what they say (their ``repr``). Writing that content
costs more than the rest of the key, and ties are rare, so these functions sort
by the cheap key first and compute the tie-breaker only inside a run of equal
keys. The result is exactly that of sorting by ``(key(x), tie(x))`` (both sorts
are stable), and :func:`first` is exactly ``min`` by the same pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["first", "ordered"]

T = TypeVar("T")


def ordered(items: Iterable[T], key: Callable[[T], Any], tie: Callable[[T], Any]) -> list[T]:
    """``sorted(items, key=lambda x: (key(x), tie(x)))``, with ``tie`` called only on ties."""
    pairs = sorted(((key(item), item) for item in items), key=lambda pair: pair[0])
    out: list[T] = []
    start, count = 0, len(pairs)
    while start < count:
        end = start + 1
        while end < count and pairs[end][0] == pairs[start][0]:
            end += 1
        if end - start == 1:
            out.append(pairs[start][1])
        else:
            out.extend(sorted((pair[1] for pair in pairs[start:end]), key=tie))
        start = end
    return out


def first(items: Iterable[T], key: Callable[[T], Any], tie: Callable[[T], Any]) -> T:
    """``min(items, key=lambda x: (key(x), tie(x)))``, with ``tie`` called only on ties."""
    candidates = list(items)
    if not candidates:
        raise ValueError("first() of no items")
    least = min(key(item) for item in candidates)
    tied = [item for item in candidates if key(item) == least]
    return tied[0] if len(tied) == 1 else min(tied, key=tie)
