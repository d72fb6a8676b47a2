"""A record's JSON Pointers in words, for text addressed to a site.

A site's data manager reads "the date of TACE entry 2", not ``/tace/1/date``:
entries are counted from 1, as on a case report form. The pointer itself stays
in the listing's FIELD column, where a program reads it.
"""

from __future__ import annotations

import re

from protocol.records.validation import record_schema

__all__ = ["field_words", "without_pointers"]

# a list in the record: what one entry of it is called
_ENTRIES = {
    "tace": "TACE entry",
    "imaging": "imaging entry",
    "sorafenib": "dosing period",
    "adverse_events": "adverse event",
}
# a list as a whole
_LISTS = {
    "tace": "the TACE entries",
    "imaging": "the imaging entries",
    "sorafenib": "the dosing periods",
    "adverse_events": "the adverse events",
}
_FIELDS = {"dose_mg": "dose (mg)", "ctcae_version": "CTCAE version"}

# A pointer in running text: starts at a slash not preceded by a word character, a slash
# or a dot (so "mg/day" and "01/03/2012" are left alone), its first step one of the
# record's fields, and not part of a file path ("/tmp/study/mapping.yaml" stays as written:
# no slash, dash or word follows it, and a dot only at the end of a sentence).
_RECORD_FIELDS = sorted(record_schema()["properties"], key=len, reverse=True)
_POINTER = re.compile(
    r"(?<![\w/.~-])/(?:" + "|".join(_RECORD_FIELDS) + r")(?:/[\w~]+)*(?![\w~/-]|\.\w)"
)


def _field(name: str) -> str:
    return _FIELDS.get(name, name.replace("~1", "/").replace("~0", "~").replace("_", " "))


def field_words(pointer: str | None) -> str:
    """``/tace/1/date`` as "the date of TACE entry 2"; "" or None as "the record"."""
    steps = [s for s in (pointer or "").split("/")[1:]]
    if not steps:
        return "the record"
    owner = ""
    i = 0
    while i < len(steps):
        step = steps[i]
        following = steps[i + 1] if i + 1 < len(steps) else None
        if following is not None and following.isdigit():
            entry = _ENTRIES.get(step, f"{_field(step)} entry")
            owner = f"{entry} {int(following) + 1}" + (f" of {owner}" if owner else "")
            i += 2
            continue
        if following is None:
            if step in _LISTS and not owner:
                return _LISTS[step]
            name = _field(step)
            return f"the {name} of {owner}" if owner else f"the {name}"
        owner = f"{_field(step)}" + (f" of {owner}" if owner else "")
        i += 1
    return owner


# The same place written as a path, as some input errors name it: imaging[0].result
_PATH = re.compile(r"(?<![\w.\[])([a-z_]+)\[(\d+)\](?:\.([a-z_]+))?(?![\w\[])")


def without_pointers(text: str) -> str:
    """``text`` with every JSON Pointer (and ``list[i].field`` path) in it put in words."""
    text = _POINTER.sub(lambda m: field_words(m.group()), text)
    return _PATH.sub(lambda m: field_words("/" + "/".join(g for g in m.groups() if g)), text)
