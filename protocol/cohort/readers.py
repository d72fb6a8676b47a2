"""The input formats ``check --from`` reads, by name: adding one is one line in ``INPUTS``.

Each turns the paths given (and a mapping file, for formats that need one) into
the :class:`~protocol.records.sources.RawRecord` stream a cohort run is made of.
Modules are imported only when their format is chosen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.records.sources import RawRecord, read_raw

__all__ = ["INPUTS", "InputFormat", "MappingProblem"]


class MappingProblem(Exception):
    """A mapping file that cannot be used: one ``source: place: message`` line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True, slots=True)
class InputFormat:
    """One ``--from`` format: where its reader lives and what it needs.

    ``mapping`` is ``required``, ``optional`` or ``none``; ``per_path`` readers take
    one path (a folder) at a time; ``stdin`` says whether ``-`` may be given.
    """

    module: str
    reader: str
    loader: str | None = None
    mapping: str = "none"
    per_path: bool = False
    stdin: bool = False
    help: str = ""
    needs: tuple[str, str] | None = None  # (module, the pip extra that installs it)

    def check_installed(self) -> None:
        """MappingProblem (one line, with the install command) when a needed module is absent."""
        if self.needs is None:
            return
        module, extra = self.needs
        try:
            importlib.import_module(module)
        except ImportError:
            raise MappingProblem(
                [f"tacecheck: reading this format needs {module}: pip install 'tacecheck[{extra}]'"]
            ) from None

    def load_mapping(self, path: str | None) -> Any:
        """The mapping read from ``path`` (None without one); MappingProblem when unusable."""
        if path is None or self.loader is None:
            return None
        loader = getattr(importlib.import_module(self.module), self.loader)
        try:
            return loader(path)
        except Exception as error:  # each format's MappingError: source and problems
            problems = getattr(error, "problems", None)
            source = getattr(error, "source", path)
            if problems is None:
                raise
            raise MappingProblem(
                [
                    f"{source}: {place or '(top level)'}: {' '.join(str(message).split())}"
                    for place, message in problems
                ]
            ) from None

    def read(
        self,
        paths: list[str | Path],
        mapping: Any,
        skip: Iterable[str | Path],
        repeated: Callable[[str, str], None] | None = None,
    ) -> Iterator[RawRecord]:
        """The records of ``paths``; for JSON, ``repeated`` is told of a file named twice."""
        if self.module == "protocol.records.sources":
            return read_raw(paths, skip=skip, repeated=repeated)
        function = getattr(importlib.import_module(self.module), self.reader)
        if self.per_path:
            return (raw for path in paths for raw in function(path, mapping))
        return function(paths, mapping)


INPUTS: dict[str, InputFormat] = {
    "json": InputFormat("protocol.records.sources", "read_raw", stdin=True, help="JSON records"),
    "redcap": InputFormat(
        "protocol.redcap", "read_redcap", "load_mapping", "required", help="REDCap CSV export"
    ),
    "sdtm": InputFormat(
        "protocol.sdtm", "read_sdtm", "load_mapping", "optional", True, help="SDTM folder"
    ),
    "fhir": InputFormat(
        "protocol.fhir",
        "read_fhir",
        "load_mapping",
        "optional",
        True,
        help="FHIR R4 Bundle, NDJSON file or folder",
        needs=("fhir.resources.R4B", "fhir"),
    ),
}
