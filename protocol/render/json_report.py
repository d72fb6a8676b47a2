"""The JSON report (``schemas/report.schema.json``) and its streaming cousin, JSON Lines.

``json`` is one document: ``protocol``, ``as_of``, ``patients`` (one per line,
so a million-patient report streams), ``errors`` and ``summary``. ``jsonl``
writes one patient object a line as each is checked, a
``{"source": ..., "errors": [...]}`` line for each record that could not be
checked, and a last ``{"protocol": ..., "summary": ...}`` line.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import orjson

from protocol.findings import PatientResult, RecordError, Status
from protocol.render.base import Renderer
from protocol.render.redaction import HIDDEN

__all__ = ["NON_FINITE", "JsonLinesRenderer", "JsonRenderer", "json_text"]

# RFC 8259 has no Infinity or NaN: a number too large for a float (1e400) is written as its
# Python name in a string ("inf", "-inf", "nan"), as RecordError.to_dict writes a value.
NON_FINITE = {math.inf: "inf", -math.inf: "-inf"}
_NAN = "nan"
# Line breaks to str.splitlines() that JSON leaves raw (NEL, U+2028/9), so a line splits only
# where we split it, and lone surrogates, which UTF-8 cannot encode: written as \\uXXXX.
_ESCAPED = re.compile("[\x85\u2028\u2029\ud800-\udfff]")


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its string (see ``NON_FINITE``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return _NAN if math.isnan(value) else NON_FINITE[value]
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_finite(v) for v in value]
    return value


def _fallback(value: Any) -> Any:
    """Anything ``json`` cannot write (a date, a Decimal...) is written as its text."""
    if isinstance(value, set | frozenset):
        return list(value)
    return str(value)


# orjson leaves these to ``default`` (as json does) instead of writing them its own way.
_FAST_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COMPACT = (",", ":")  # orjson's separators, so every line of a report is written alike


def _fast_fallback(value: Any) -> Any:
    """:func:`_fallback`, except that a float of a subclass (numpy's) stays a number and a
    tuple of a subclass (a named tuple) a list, as in ``json``; orjson writes only exact
    floats and tuples itself."""
    if isinstance(value, float):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    return _fallback(value)


def _fast_text(value: Any) -> str | None:
    """orjson's text of ``value``, where it provably means what ``json`` would write; else None.

    orjson refuses what it cannot write exactly (an integer beyond 64 bits, a key that is
    not text, a lone surrogate, deep nesting), but writes NaN and the infinities as
    ``null``: a text holding ``null`` is read back and must equal ``value`` (a value that
    cannot say whether it does, a numpy array, goes to ``json`` too). A plain ``Enum``
    and a ``dict`` subclass with its own ``items`` would be written orjson's way (by value,
    by its entries); no report holds either (its enums are ``StrEnum``).
    """
    try:
        data = orjson.dumps(value, default=_fast_fallback, option=_FAST_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return None
    if b"null" in data:
        try:
            if orjson.loads(data) != value:
                return None
        except Exception:  # an element that refuses to compare (numpy, pandas.NA)
            return None
    return data.decode()


def json_text(value: Any) -> str:
    """``value`` as strict RFC 8259 JSON text, on one line; never raises for a report value.

    Non-finite floats become strings (``NON_FINITE``), other objects their ``str``;
    NEL, U+2028/9 and lone surrogates are escaped (``_ESCAPED``). Written by orjson
    where it writes the same value (:func:`_fast_text`), else by ``json``; the same
    separators either way.
    """
    text = _fast_text(value)
    if text is None:
        text = _slow_text(value)
    if not text.isascii() and _ESCAPED.search(text):  # ASCII text holds none of them
        text = _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def _slow_text(value: Any) -> str:
    """``json``'s text of ``value``, non-finite floats made strings, or its ``str`` as text."""
    options: dict[str, Any] = {"ensure_ascii": False, "separators": _COMPACT}
    try:
        return json.dumps(value, allow_nan=False, default=_fallback, **options)
    except (ValueError, TypeError, RecursionError):  # non-finite float, odd key, cycle
        try:
            return json.dumps(_finite(value), allow_nan=False, default=_fallback, **options)
        except (ValueError, TypeError, RecursionError):
            return json.dumps(str(value), **options)


class JsonRenderer(Renderer):
    name = "json"
    media_type = "application/json"
    separator = ",\n"

    def _protocol(self) -> dict[str, str]:
        return {"id": self.pack.id, "version": self.pack.version}

    def begin(self) -> str:
        run = f'"run":{json_text(self.options.run)},\n' if self.options.run is not None else ""
        return (
            f'{{"protocol":{json_text(self._protocol())},\n{run}'
            f'"as_of":{json_text(self.options.as_of)},\n"patients":[\n'
        )

    def _patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, origin: Any = None
    ) -> dict[str, Any]:
        """The patient's object; with --baseline, each finding not met marked, and what
        resolved; from a ``--from`` reader, where each finding's value lies in that system."""
        shown = self.shown(result, record)
        value = shown.to_dict()
        if origin is not None:
            for finding, item in zip(shown.findings, value.get("findings", []), strict=False):
                found = origin.lookup(finding.location) if finding.location else None
                if found is not None:
                    item["origin"] = {
                        "system": origin.system,
                        "text": found.describe(),
                        **found.to_dict(),
                    }
        baseline = self.options.baseline
        if baseline is None:
            return value
        for finding, item in zip(shown.findings, value.get("findings", []), strict=False):
            if finding.status is Status.NOT_MET:
                item["baseline"] = baseline.mark(
                    result.patient_id, finding.rule, finding.location, finding.message
                )
        resolved = baseline.resolved(result.patient_id)
        if self.options.hide_values:
            resolved = [{**item, "message": HIDDEN} for item in resolved]
        value["resolved"] = resolved
        return value

    def patient(
        self,
        result: PatientResult,
        record: Mapping[str, Any] | None,
        index: int = 0,
        origin: Any = None,
    ) -> str:
        return json_text(self._patient(result, record, origin))

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> Iterator[str]:
        yield '\n],\n"errors":[\n'
        for number, error in enumerate(errors):
            yield (",\n" if number else "") + json_text(error.to_dict(self.options.hide_values))
        yield f'\n],\n"summary":{json_text(self.shown_summary(summary))}}}\n'


class JsonLinesRenderer(JsonRenderer):
    name = "jsonl"
    media_type = "application/x-ndjson"
    separator = ""

    def begin(self) -> str:
        return ""

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        listed = [e.to_dict(self.options.hide_values) for e in errors]
        return json_text({"source": source, "errors": listed}) + "\n"

    def patient(
        self,
        result: PatientResult,
        record: Mapping[str, Any] | None,
        index: int = 0,
        origin: Any = None,
    ) -> str:
        return json_text(self._patient(result, record, origin)) + "\n"

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> Iterator[str]:
        line: dict[str, Any] = {"protocol": self._protocol()}
        if self.options.run is not None:
            line["run"] = self.options.run
        line["as_of"] = self.options.as_of
        line["summary"] = self.shown_summary(summary)
        yield json_text(line) + "\n"
