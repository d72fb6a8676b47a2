"""Time-to-event endpoints from the index TACE: TTP and OS.

Which TACE is the index, and how many days make a month, are parameters of
the pack's ``endpoints`` section. TTP runs to the next TACE after the index
(an event), else is censored at death, else at last contact; OS runs to death
(an event), else is censored at last contact. Where the record has no date to
end at, or a date that is partial, the endpoint is ``None`` with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.dates import PartialDate
from protocol.engine.timeline import Timeline
from protocol.findings import Endpoint

__all__ = ["endpoints"]


def _endpoint(
    start: PartialDate, end: PartialDate, event: bool, reason: str, days_per_month: float
) -> Endpoint | str:
    if not (start.is_full and end.is_full):
        return f"cannot compute: {'index TACE' if not start.is_full else reason} date is partial"
    days = (end.earliest - start.earliest).days
    if days < 0:
        return f"cannot compute: {reason} ({end}) is before the index TACE ({start})"
    return Endpoint(round(days / days_per_month, 2), event, days, str(start), str(end), reason)


def endpoints(
    timeline: Timeline, config: Mapping[str, Any], listing_limit: int
) -> tuple[dict[str, Endpoint | None], dict[str, str]]:
    """TTP and OS for an assigned patient, with notes for those that cannot be computed.

    Where partial dates leave open which entry is the index TACE (or, for TTP, the next
    one), the endpoint is not computed and the note names the open order.
    """
    record = timeline.record
    number = int(config["index_tace"][record.cohort])
    per_month = float(config["days_per_month"])
    index = timeline.tace(number)
    results: dict[str, Endpoint | None] = {"ttp": None, "os": None}
    notes: dict[str, str] = {}
    question = timeline.order_question
    if question is not None and timeline.order_open(number + 1):
        text = f"cannot compute: {question.describe(listing_limit)}"
        notes["ttp"] = text
        if timeline.order_open(number):
            return results, {"ttp": text, "os": text}
    if index is None:
        return results, {"ttp": f"no TACE #{number} (index TACE)", "os": f"no TACE #{number}"}
    after = timeline.tace(number + 1)
    death = timeline.death
    contact = (
        record.last_contact_date
        if record.last_contact_date and timeline.happened(record.last_contact_date)
        else None
    )
    plans = {
        "ttp": (after.date, True, f"TACE #{number + 1}")
        if after
        else (death, False, "death")
        if death
        else (contact, False, "last contact")
        if contact
        else None,
        "os": (death, True, "death")
        if death
        else (contact, False, "last contact")
        if contact
        else None,
    }
    for name, plan in plans.items():
        if name in notes:
            continue
        if plan is None or plan[0] is None:
            notes[name] = "cannot compute: no date to end at (no death or last contact date)"
            continue
        outcome = _endpoint(index.date, plan[0], plan[1], plan[2], per_month)
        if isinstance(outcome, str):
            notes[name] = outcome
        else:
            results[name] = outcome
    return results, notes
