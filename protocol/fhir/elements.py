"""Reading FHIR elements: codings, dates, extensions, references (values as written).

A FHIR ``date``/``dateTime`` (``2012``, ``2012-03``, ``2012-03-01``, ``2012-03-01T10:00:00+09:00``)
gives the canonical date as written, its time dropped: a partial date stays partial.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "UnknownCode",
    "codings",
    "day_of",
    "extension",
    "match_code",
    "reference_parts",
]


class UnknownCode(Exception):
    def __init__(self, found: list[tuple[str, str]], known: dict[tuple[str, str], Any]) -> None:
        self.found = found
        self.known = known
        super().__init__("a code the mapping does not know" if found else "no coding given")

    @property
    def value(self) -> str:
        """The codes found, ``system|code``: shown as the error's value (hidden on request)."""
        return ", ".join(f"{s}|{c}" for s, c in self.found)

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(f"{s}|{c}" for s, c in sorted(self.known))


def codings(concept: Any) -> list[tuple[str, str]]:
    """(system, code) of each coding of a CodeableConcept."""
    if not isinstance(concept, dict):
        return []
    return [
        (str(c.get("system", "")), str(c.get("code", "")))
        for c in concept.get("coding") or []
        if isinstance(c, dict)
    ]


def match_code(concept: Any, known: dict[tuple[str, str], Any]) -> tuple[str, str]:
    """The first coding the mapping knows; raises UnknownCode naming those found."""
    found = codings(concept)
    for pair in found:
        if pair in known:
            return pair
    raise UnknownCode(found, known)


def day_of(value: Any) -> str | None:
    """The date part of a FHIR date or dateTime, as written; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    return value.split("T", 1)[0]


def extension(element: Any, url: str | None) -> tuple[int, dict[str, Any]] | None:
    """(index, extension) of the first extension with ``url`` on an element."""
    if not url or not isinstance(element, dict):
        return None
    for index, item in enumerate(element.get("extension") or []):
        if isinstance(item, dict) and item.get("url") == url:
            return index, item
    return None


def reference_parts(reference: Any) -> tuple[str, str] | None:
    """``Patient/P01`` (or a full URL ending so) -> ("Patient", "P01")."""
    if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
        return None
    parts = reference["reference"].rstrip("/").split("/")
    if len(parts) < 2:
        return None
    return parts[-2], parts[-1]
