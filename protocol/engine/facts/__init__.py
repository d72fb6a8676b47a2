"""Measurements: what the rules engine is told about one patient.

A *subject* is a kind of fact the pack's rules can be about (the diagnosis, a
dosing period, an adverse event...). Its builder measures the record as of a
date and returns facts whose ``values`` are typed numbers, booleans and words
(dates already turned into day counts, partial dates into ``_min``/``_max``
ranges). The rules in the pack judge those values; nothing here decides a
status. ``display`` values only fill message templates and evidence.

Every value field is always present and never null (a missing field would
silently fail to match in durable_rules), and ``SUBJECTS`` declares the fields
so the pack loader can refuse a clause or template that names anything else.

The subjects live in modules named after what they measure: ``tace`` (the TACE
sequence and the windows counted from it), ``dosing`` (dosing periods and adverse
events), ``consistency`` (the data rules) and ``patient`` (diagnosis, treatment,
analysis group). Importing this package registers them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.engine.facts import consistency, dosing, patient, tace
from protocol.engine.facts.base import SUBJECTS, Fact, Subject
from protocol.engine.timeline import Timeline

__all__ = ["SUBJECTS", "Fact", "Subject", "measure"]

_MODULES = (tace, dosing, consistency, patient)  # imported for their registrations


def measure(
    subject: str, timeline: Timeline, params: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """The facts of one subject for one patient."""
    return SUBJECTS[subject].build(timeline, params, context)
