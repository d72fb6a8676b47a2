"""FHIR R4 input: a Bundle (JSON), a Bulk Data export (one NDJSON file per type), a folder.

Every resource is validated with fhir.resources' R4B classes (``fhir.resources.R4B``: R4
data does not validate against the package's default R5 classes; R4B keeps R4's resources
and elements). A resource that does not validate, or is not JSON, is an error naming it (file
and entry or line, type and id); the others are still read. Values are then read from the
resource as given, so a partial date stays exactly as written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.findings import RecordError

__all__ = ["Entry", "Invalid", "read_resources"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource that validated, where it was read from, and its Bundle fullUrl."""

    where: str  # bundle.json entry 3 / Procedure.ndjson line 4
    resource: dict[str, Any]
    full_url: str | None = None

    @property
    def type(self) -> str:
        return self.resource["resourceType"]

    @property
    def id(self) -> str:
        return str(self.resource.get("id", ""))

    @property
    def reference(self) -> str:
        return f"{self.type}/{self.id}"


@dataclass(frozen=True, slots=True)
class Invalid:
    """A resource that did not validate: its error, and the patient it names, if any."""

    error: RecordError
    patient: str | None


def _model(resource_type: str) -> Any:
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError:
        raise RuntimeError(
            "reading FHIR needs fhir.resources: pip install 'tacecheck[fhir]'"
        ) from None
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return None


def _patient_of(resource: dict[str, Any]) -> str | None:
    if resource.get("resourceType") == "Patient":
        return str(resource.get("id") or "") or None
    for key in ("subject", "patient", "individual"):
        ref = resource.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            kind, _, ident = ref["reference"].rpartition("/")
            if kind.endswith("Patient"):
                return ident
    return None


def _check(where: str, resource: Any, full_url: str | None) -> Entry | Invalid:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return Invalid(RecordError(where, "", "not a FHIR resource (no resourceType)"), None)
    kind = resource["resourceType"]
    named = f"{where} ({kind}/{resource.get('id', '(no id)')})"
    model = _model(kind)
    if model is None:
        return Invalid(RecordError(named, "", f"{kind} is not an R4 resource type"), None)
    from pydantic import ValidationError

    try:
        model.model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        element = ".".join(str(part) for part in first["loc"]) or "(the resource)"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        message = f"{kind} does not validate as FHIR R4: {element}: {first['msg']}{more}"
        patient = _patient_of(resource)
        location = f"({kind}/{resource.get('id', '(no id)')}.{element})"
        return Invalid(RecordError(named, location, message, patient_id=patient), patient)
    if not resource.get("id"):
        return Invalid(
            RecordError(named, "id", f"{kind} has no id; it cannot be referred to"), None
        )
    return Entry(where, resource, full_url)


def _bundle(path: Path, document: Any) -> Iterator[Entry | Invalid]:
    label = str(path)
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        kind = document.get("resourceType") if isinstance(document, dict) else None
        if kind:
            yield _check(label, document, None)  # one resource on its own
            return
        yield Invalid(RecordError(label, "", "not a FHIR Bundle or resource"), None)
        return
    for number, entry in enumerate(document.get("entry") or [], start=1):
        where = f"{label} entry {number}"
        if not isinstance(entry, dict) or "resource" not in entry:
            yield Invalid(RecordError(where, "", "a Bundle entry without a resource"), None)
            continue
        yield _check(where, entry["resource"], entry.get("fullUrl"))


def _ndjson(path: Path, text: str) -> Iterator[Entry | Invalid]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as error:
            yield Invalid(RecordError(where, "", f"not JSON: {error.msg}"), None)
            continue
        yield _check(where, resource, None)


def _file(path: Path) -> Iterator[Entry | Invalid]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        yield Invalid(RecordError(str(path), "", f"cannot read the file: {reason}"), None)
        return
    if path.suffix.lower() == ".ndjson":
        yield from _ndjson(path, text)
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"not JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        yield Invalid(RecordError(str(path), "", message), None)
        return
    yield from _bundle(path, document)


def read_resources(path: str | Path) -> Iterator[Entry | Invalid]:
    """Every resource of a Bundle or NDJSON file, or of a folder's .json/.ndjson files."""
    path = Path(path)
    if path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: os.fsencode(p.name),
        )
        if not files:
            yield Invalid(RecordError(str(path), "", "the folder holds no files"), None)
        for file in files:
            if file.suffix.lower() in (".json", ".ndjson"):
                yield from _file(file)
            else:
                message = "not FHIR input: a Bundle (.json) or Bulk Data (.ndjson); not read"
                yield Invalid(RecordError(str(file), "", message), None)
    elif path.is_file():
        yield from _file(path)
    else:
        yield Invalid(RecordError(str(path), "", "no such file or folder"), None)
