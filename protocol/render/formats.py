"""The output formats by name, each a :class:`~protocol.render.base.Renderer`."""

from __future__ import annotations

import importlib
import os
import stat
from pathlib import PurePath

from protocol.packs.model import Pack
from protocol.render.base import Renderer, RenderOptions

__all__ = ["FORMATS", "SUFFIXES", "FormatError", "format_for_output", "renderer_for"]

# name -> (module, class, one-line description); imported only when chosen
FORMATS: dict[str, tuple[str, str, str]] = {
    "text": ("protocol.render.text", "TextRenderer", "per patient, then the cohort summary"),
    "json": ("protocol.render.json_report", "JsonRenderer", "one JSON report document"),
    "jsonl": ("protocol.render.json_report", "JsonLinesRenderer", "one patient a line"),
    "csv": (
        "protocol.render.deviation_log",
        "DeviationLogRenderer",
        "protocol deviation log, CDISC DV columns",
    ),
    "queries": (
        "protocol.render.queries",
        "QueryListingRenderer",
        "data queries to sites, CSV",
    ),
    "junit": ("protocol.render.junit", "JUnitRenderer", "JUnit XML for CI pipelines"),
    "html": ("protocol.render.html", "HtmlRenderer", "one self-contained page with timelines"),
}


# format -> the file name endings it is written to; -o takes its format from these
SUFFIXES: dict[str, tuple[str, ...]] = {
    "text": (".txt",),
    "json": (".json",),
    "jsonl": (".jsonl", ".ndjson"),
    "csv": (".csv",),
    "queries": (".csv",),
    "junit": (".xml",),
    "html": (".html", ".htm"),
}
_BY_SUFFIX = {".txt": "text", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_BY_SUFFIX |= {".csv": "csv", ".xml": "junit", ".html": "html", ".htm": "html"}


class FormatError(ValueError):
    """An output whose file name and format disagree, or whose format cannot be told."""


def format_for_output(target: str, given: str | None) -> str:
    """The format of ``-o target``: ``given`` (checked against the ending) or the ending's.

    A name without an ending (``report``, ``/dev/stdout``), and a FIFO or device
    whatever its name, is text unless ``given``.
    """
    suffix = PurePath(target).suffix.lower()
    if suffix not in _BY_SUFFIX and _special(target):
        suffix = ""
    if given is not None:
        if suffix in _BY_SUFFIX and suffix not in SUFFIXES[given]:
            wanted = " or ".join(SUFFIXES[given])
            raise FormatError(
                f"-o {target} ends in {suffix}, which is {_BY_SUFFIX[suffix]}, but --format is "
                f"{given} (written to {wanted}); drop --format or rename the file"
            )
        return given
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if not suffix:
        return "text"
    endings = " ".join(sorted(_BY_SUFFIX))
    raise FormatError(
        f"-o {target}: cannot tell the format from {suffix} (known endings: {endings}); "
        "give --format"
    )


def _special(target: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(target).st_mode)
    except OSError:
        return False


def renderer_for(name: str, pack: Pack, options: RenderOptions | None = None) -> Renderer:
    module, cls, _ = FORMATS[name]
    return getattr(importlib.import_module(module), cls)(pack, options)
