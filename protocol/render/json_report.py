"""The JSON report (``schemas/report.schema.json``) and its streaming cousin, JSON Lines.

``json`` is one document: ``protocol``, ``as_of``, ``patients`` (one per line,
so a million-patient report streams), ``errors`` and ``summary``. ``jsonl``
writes one patient object a line as each is checked, a
``{"source": ..., "errors": [...]}`` line for each record that could not be
checked, and a last ``{"protocol": ..., "summary": ...}`` line.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from protocol.findings import PatientResult, RecordError
from protocol.render.base import Renderer

__all__ = ["JsonLinesRenderer", "JsonRenderer"]


def _dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if "\u2028" in text or "\u2029" in text:  # line breaks to str.splitlines(): escape them
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text


class JsonRenderer(Renderer):
    name = "json"
    media_type = "application/json"
    separator = ",\n"

    def _protocol(self) -> dict[str, str]:
        return {"id": self.pack.id, "version": self.pack.version}

    def begin(self) -> str:
        return (
            f'{{"protocol": {_dumps(self._protocol())},\n'
            f'"as_of": {_dumps(self.options.as_of)},\n"patients": [\n'
        )

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        return _dumps(result.to_dict())

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> Iterator[str]:
        yield '\n],\n"errors": [\n'
        for number, error in enumerate(errors):
            yield (",\n" if number else "") + _dumps(error.to_dict(self.options.hide_values))
        yield f'\n],\n"summary": {_dumps(summary)}}}\n'


class JsonLinesRenderer(JsonRenderer):
    name = "jsonl"
    media_type = "application/x-ndjson"
    separator = ""

    def begin(self) -> str:
        return ""

    def record_errors(self, source: str, errors: Sequence[RecordError]) -> str:
        listed = [e.to_dict(self.options.hide_values) for e in errors]
        return _dumps({"source": source, "errors": listed}) + "\n"

    def patient(
        self, result: PatientResult, record: Mapping[str, Any] | None, index: int = 0
    ) -> str:
        return _dumps(result.to_dict()) + "\n"

    def end(self, summary: Mapping[str, Any], errors: Collection[RecordError]) -> Iterator[str]:
        line = {"protocol": self._protocol(), "as_of": self.options.as_of, "summary": summary}
        yield _dumps(line) + "\n"
